import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Pipeline } from '../../../src/pipeline/pipeline.js';
import { sinkStats } from '../../../src/sinks/create.js';
import type { RejectedAlert } from '../../../src/sinks/rejected.js';
import type { AlertSink } from '../../../src/sinks/sink.js';
import { alerts, until } from '../../unit/sinks/support.js';
import { alertPerEventEngine, eventRecords, ids, startReceiver, type Receiver, type ReceivedRequest } from './receiver.js';
import { capturedStderrLogger, noDeadLetters, sinksFromYaml } from './support.js';

const TOKEN = '7c1e2f0a-93b4-4d5e-8f61-2a3b4c5d6e7f';

interface HecEnvelope {
  time: number;
  host: string;
  source: string;
  sourcetype: string;
  index?: string;
  event: Record<string, unknown>;
}

const events = (request: ReceivedRequest): HecEnvelope[] => request.body.split('\n').map((line) => JSON.parse(line) as HecEnvelope);

/** An HEC that accepts well-authenticated requests and remembers the alert ids it accepted. */
function hec(receiver: { accepted: string[] }) {
  return (request: ReceivedRequest) => {
    if (request.headers.authorization !== `Splunk ${TOKEN}`) return { status: 403, body: { text: 'Invalid token', code: 4 } };
    if (request.url !== '/services/collector/event') return { status: 404, body: { text: 'not found', code: 404 } };
    for (const envelope of events(request)) receiver.accepted.push(String((envelope.event as { id?: string }).id));
    return { status: 200, body: { text: 'Success', code: 0 } };
  };
}

describe('splunk-hec sink against a local HEC', () => {
  let dir: string;
  let receiver: Receiver;
  let sinks: AlertSink[] = [];
  const state = { accepted: [] as string[] };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftwatch-hec-'));
    state.accepted = [];
    receiver = await startReceiver(hec(state));
  });
  afterEach(async () => {
    await Promise.all(sinks.map((s) => s.close()));
    sinks = [];
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  });

  const yaml = (extra = '', delivery = '') => `
sinks:
  - type: splunk-hec
    name: splunk
    url: ${receiver.url}
    token: \${HEC_TOKEN}
    index: security
    host: driftwatch-test
${extra}
    delivery: { rejected_path: ${join(dir, 'failed.jsonl')}, retry: { initial: 10ms, max: 50ms }, breaker: { failures: 3, cooldown: 200ms }${delivery} }
`;

  it('batches by max_batch, sends the token as Authorization: Splunk, and the HEC envelope', async () => {
    ({ sinks } = sinksFromYaml(yaml('', ', max_batch: 2'), { HEC_TOKEN: TOKEN }));
    const report = await sinks[0]!.deliver(alerts(1, 5));
    expect(report).toEqual({ delivered: 5, rejected: 0 });
    expect(receiver.requests).toHaveLength(3);
    expect(receiver.requests.map((r) => events(r).length)).toEqual([2, 2, 1]);
    for (const request of receiver.requests) {
      expect(request.method).toBe('POST');
      expect(request.headers.authorization).toBe(`Splunk ${TOKEN}`);
      expect(request.headers['x-splunk-request-channel']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const first = events(receiver.requests[0]!)[0]!;
    expect(first).toMatchObject({ host: 'driftwatch-test', source: 'driftwatch', sourcetype: 'driftwatch:alert', index: 'security' });
    expect(first.time).toBe(Date.parse('2026-10-05T09:14:07.250Z') / 1000);
    expect(first.event).toMatchObject({ id: 'dw-0001', schema: 'driftwatch.alert/v1', severity: 'high' });
    expect(state.accepted).toEqual(alerts(1, 5).map((a) => a.id));
  });

  it('renders the event in the configured format (ocsf) with its default sourcetype', async () => {
    ({ sinks } = sinksFromYaml(yaml('    format: ocsf'), { HEC_TOKEN: TOKEN }));
    await sinks[0]!.deliver(alerts(1, 1));
    const envelope = events(receiver.requests[0]!)[0]!;
    expect(envelope.sourcetype).toBe('driftwatch:ocsf');
    expect(envelope.event).toMatchObject({ class_uid: 2004 });
  });

  it('retries on 503 and 429, then succeeds; each alert accepted once', async () => {
    const answers = [{ status: 503, body: { text: 'Server is busy', code: 9 } }, { status: 429, body: 'slow down', headers: { 'retry-after': '0' } }];
    const accept = hec(state);
    receiver.handler = (request) => answers.shift() ?? accept(request);
    ({ sinks } = sinksFromYaml(yaml(), { HEC_TOKEN: TOKEN }));
    expect(await sinks[0]!.deliver(alerts(1, 3))).toEqual({ delivered: 3, rejected: 0 });
    expect(receiver.requests).toHaveLength(3);
    expect(state.accepted).toEqual(['dw-0001', 'dw-0002', 'dw-0003']);
    expect(sinkStats(sinks)[0]).toMatchObject({ retries: 2, delivered: 3 });
  });

  it('counts a 2xx without {"code":0} (a proxy\'s maintenance page, an empty answer, a 204) as not delivered: tried again', async () => {
    const answers = [{ status: 200, body: '<html>Maintenance</html>' }, { status: 200, body: '' }, { status: 204, body: '' }, { status: 200, body: { text: 'ok' } }];
    const accept = hec(state);
    receiver.handler = (request) => answers.shift() ?? accept(request);
    ({ sinks } = sinksFromYaml(yaml(), { HEC_TOKEN: TOKEN }));
    expect(await sinks[0]!.deliver(alerts(1, 3))).toEqual({ delivered: 3, rejected: 0 });
    expect(receiver.requests).toHaveLength(5);
    expect(state.accepted).toEqual(['dw-0001', 'dw-0002', 'dw-0003']);
    expect(sinkStats(sinks)[0]).toMatchObject({ retries: 4, delivered: 3 });
  });

  it('does not retry a 400: the alert goes to the rejected-alerts file with the reason', async () => {
    receiver.handler = () => ({ status: 400, body: { text: 'Invalid data format', code: 6, 'invalid-event-number': 0 } });
    ({ sinks } = sinksFromYaml(yaml(), { HEC_TOKEN: TOKEN }));
    expect(await sinks[0]!.deliver(alerts(1, 1))).toEqual({ delivered: 0, rejected: 1 });
    expect(receiver.requests).toHaveLength(1);
    const rejected = (await readFile(join(dir, 'failed.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as RejectedAlert);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ sink: 'splunk', status: 400, attempts: 1, alert: { id: 'dw-0001' } });
    expect(rejected[0]!.reason).toContain('Invalid data format');
  });

  it('with ack: true waits until /services/collector/ack confirms the batch', async () => {
    let ackId = 0;
    const polls: ReceivedRequest[] = [];
    const accept = hec(state);
    receiver.handler = (request) => {
      if (request.url === '/services/collector/ack') {
        polls.push(request);
        const asked = (JSON.parse(request.body) as { acks: number[] }).acks;
        return { status: 200, body: { acks: Object.fromEntries(asked.map((id) => [String(id), polls.length >= 3])) } };
      }
      const answer = accept(request);
      return answer.status === 200 ? { status: 200, body: { text: 'Success', code: 0, ackId: ackId++ } } : answer;
    };
    ({ sinks } = sinksFromYaml(yaml('    ack: true\n    ack_poll_interval: 10ms\n    channel: 0aecd5b2-6d3c-4c39-a1f4-3d2c9f6c2d10'), { HEC_TOKEN: TOKEN }));
    expect(await sinks[0]!.deliver(alerts(1, 2))).toEqual({ delivered: 2, rejected: 0 });
    expect(polls).toHaveLength(3);
    for (const poll of polls) {
      expect(poll.headers['x-splunk-request-channel']).toBe('0aecd5b2-6d3c-4c39-a1f4-3d2c9f6c2d10');
      expect(poll.headers.authorization).toBe(`Splunk ${TOKEN}`);
      expect(JSON.parse(poll.body)).toEqual({ acks: [0] });
    }
    expect(sinkStats(sinks)[0]!.transport).toEqual({ acknowledged_batches: 1 });
  });

  it('applies backpressure while the receiver is down and delivers every alert exactly once after recovery', async () => {
    const logger = capturedStderrLogger();
    ({ sinks } = sinksFromYaml(yaml('', ', max_batch: 3, queue_capacity: 4'), { HEC_TOKEN: TOKEN }, logger));
    const pipeline = new Pipeline(alertPerEventEngine(), { sinks, deadLetters: noDeadLetters });
    await receiver.down();

    // Two partitions' batches in flight at once (as with a multi-partition consumer).
    const settled: string[] = [];
    const first = pipeline.processBatch(eventRecords(ids('a', 1, 5))).then(() => settled.push('first'));
    const second = pipeline.processBatch(eventRecords(ids('b', 1, 3))).then(() => settled.push('second'));
    await until(() => sinkStats(sinks)[0]!.breaker === 'open', 5000, 'breaker open');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stats = sinkStats(sinks)[0]!;
    expect(settled).toEqual([]);
    expect(stats.queued).toBe(4);
    expect(stats.waiting).toBe(4);
    expect(stats.delivered).toBe(0);
    expect(stats.failures).toBeGreaterThanOrEqual(3);

    await receiver.up();
    await Promise.all([first, second]);
    expect(settled.sort()).toEqual(['first', 'second']);
    const expected = [...ids('dw-a', 1, 5), ...ids('dw-b', 1, 3)];
    expect([...state.accepted].sort()).toEqual([...expected].sort());
    expect(new Set(state.accepted).size).toBe(state.accepted.length);
    expect(pipeline.counters).toMatchObject({ alertsDelivered: 8, alertsRejected: 0 });
    expect(sinkStats(sinks)[0]).toMatchObject({ breaker: 'closed', queued: 0, waiting: 0, delivered: 8 });
    expect(logger.text()).toContain('DW_SINK_UNAVAILABLE');
    expect(logger.text()).not.toContain(TOKEN);
  });

  it('never logs the token, also when the receiver echoes it in its error answers', async () => {
    const logger = capturedStderrLogger();
    const answers = [
      { status: 503, body: `upstream said: header "Authorization: Splunk ${TOKEN}" was throttled` },
      { status: 400, body: { text: `Invalid data format for token ${TOKEN}`, code: 6 } },
    ];
    receiver.handler = () => answers.shift() ?? { status: 200, body: { code: 0 } };
    ({ sinks } = sinksFromYaml(yaml(), { HEC_TOKEN: TOKEN }, logger));
    await sinks[0]!.deliver(alerts(1, 1));
    await receiver.down();
    const pending = sinks[0]!.deliver(alerts(2, 1));
    await until(() => sinkStats(sinks)[0]!.breaker === 'open', 5000, 'breaker open');
    await receiver.up();
    await pending;
    if (process.env.SHOW_LOGS) console.log(logger.text());
    expect(logger.text()).toMatch(/HTTP 503/);
    expect(logger.text()).toMatch(/HTTP 400/);
    expect(logger.text()).toMatch(/ECONNREFUSED/);
    expect(logger.text()).not.toContain(TOKEN);
    expect(await readFile(join(dir, 'failed.jsonl'), 'utf8')).not.toContain(TOKEN);
  });
});
