import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Pipeline } from '../../../src/pipeline/pipeline.js';
import { sinkStats } from '../../../src/sinks/create.js';
import type { AlertSink } from '../../../src/sinks/sink.js';
import { verifyWebhookSignature, webhookSignature } from '../../../src/sinks/webhook.js';
import { generateTestCerts, type TestCerts } from '../../helpers/certs.js';
import { alerts, until } from '../../unit/sinks/support.js';
import { alertPerEventEngine, eventRecords, ids, startReceiver, type Receiver, type ReceivedRequest } from './receiver.js';
import { capturedStderrLogger, noDeadLetters, sinksFromYaml } from './support.js';

const KEY = 'whsec_3b9f1c7e5d2a4086b1e3c5d7f9a0b2c4';
const API_KEY = 'receiver-api-key-0f1e2d3c4b5a';

interface Body {
  format: string;
  count: number;
  alerts: Array<Record<string, unknown>>;
}

describe('webhook sink against a local HTTPS receiver', () => {
  let certs: TestCerts;
  let dir: string;
  let receiver: Receiver;
  let sinks: AlertSink[] = [];
  let accepted: string[] = [];
  let verified: Array<{ ok: boolean; reason?: string }> = [];

  /** Verifies the signature like a real receiver would: 401 when it does not verify. */
  const verifying = (request: ReceivedRequest) => {
    const result = verifyWebhookSignature(KEY, request.headers, request.body);
    verified.push(result);
    if (!result.ok) return { status: 401, body: { error: result.reason } };
    accepted.push(...(JSON.parse(request.body) as Body).alerts.map((a) => String(a.id)));
    return { status: 204 };
  };

  beforeAll(async () => {
    certs = await generateTestCerts();
  });
  afterAll(async () => {
    await certs?.cleanup();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftwatch-webhook-'));
    accepted = [];
    verified = [];
    receiver = await startReceiver(verifying, { tls: { certFile: certs.certFile, keyFile: certs.keyFile } });
  });
  afterEach(async () => {
    await Promise.all(sinks.map((s) => s.close()));
    sinks = [];
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  });

  const yaml = (options: { ca?: boolean; delivery?: string; extra?: string } = {}) => `
sinks:
  - type: webhook
    name: pager
    url: ${receiver.url}/hooks/driftwatch
    secret: \${WEBHOOK_KEY}
    headers: { X-Api-Key: "\${RECEIVER_API_KEY}" }
${options.ca === false ? '' : `    tls: { ca: ${certs.caFile} }`}
${options.extra ?? ''}
    delivery: { rejected_path: ${join(dir, 'failed.jsonl')}, retry: { initial: 10ms, max: 50ms }, breaker: { failures: 3, cooldown: 200ms }${options.delivery ?? ''} }
`;
  const env = { WEBHOOK_KEY: KEY, RECEIVER_API_KEY: API_KEY };

  it('batches, signs every request (the receiver verifies it) and sends the extra headers', async () => {
    ({ sinks } = sinksFromYaml(yaml({ delivery: ', max_batch: 2' }), env));
    expect(await sinks[0]!.deliver(alerts(1, 5))).toEqual({ delivered: 5, rejected: 0 });
    expect(receiver.requests).toHaveLength(3);
    expect(verified).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    for (const request of receiver.requests) {
      expect(request.url).toBe('/hooks/driftwatch');
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['x-api-key']).toBe(API_KEY);
      const timestamp = request.headers['x-driftwatch-timestamp'] as string;
      expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
      expect(request.headers['x-driftwatch-signature']).toBe(webhookSignature(KEY, timestamp, request.body));
      expect(request.headers['x-driftwatch-delivery']).toMatch(/^[0-9a-f]{32}$/);
    }
    const body = JSON.parse(receiver.requests[0]!.body) as Body;
    expect(body).toMatchObject({ format: 'json', count: 2 });
    expect(accepted).toEqual(alerts(1, 5).map((a) => a.id));
  });

  it('a receiver refuses a tampered body or a stale timestamp', () => {
    const body = '{"format":"json","count":0,"alerts":[]}';
    const now = Date.now();
    const ts = String(Math.floor(now / 1000));
    const headers = { 'x-driftwatch-timestamp': ts, 'x-driftwatch-signature': webhookSignature(KEY, ts, body) };
    expect(verifyWebhookSignature(KEY, headers, body)).toEqual({ ok: true });
    expect(verifyWebhookSignature(KEY, headers, body.replace('0', '1'))).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(verifyWebhookSignature('another-key', headers, body)).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(verifyWebhookSignature(KEY, headers, body, { now: () => now + 3600_000 })).toEqual({ ok: false, reason: 'timestamp outside the tolerance' });
  });

  it('retries on 503 then succeeds, with a fresh signature and the same delivery id', async () => {
    let failuresLeft = 1;
    receiver.handler = (request) => (failuresLeft-- > 0 ? { status: 503, body: 'maintenance' } : verifying(request));
    ({ sinks } = sinksFromYaml(yaml(), env));
    expect(await sinks[0]!.deliver(alerts(1, 2))).toEqual({ delivered: 2, rejected: 0 });
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[0]!.headers['x-driftwatch-delivery']).toBe(receiver.requests[1]!.headers['x-driftwatch-delivery']);
    expect(accepted).toEqual(['dw-0001', 'dw-0002']);
  });

  it('does not retry on 400; the alert is in the rejected-alerts file', async () => {
    receiver.handler = () => ({ status: 400, body: { error: 'unknown field' } });
    ({ sinks } = sinksFromYaml(yaml(), env));
    expect(await sinks[0]!.deliver(alerts(1, 1))).toEqual({ delivered: 0, rejected: 1 });
    expect(receiver.requests).toHaveLength(1);
    const record = JSON.parse((await readFile(join(dir, 'failed.jsonl'), 'utf8')).trim()) as { status: number; alert: { id: string } };
    expect(record).toMatchObject({ status: 400, alert: { id: 'dw-0001' } });
  });

  it('verifies the receiver\'s certificate by default: an unknown CA is a delivery failure, retried, nothing sent; closed, the alert goes to the rejected file', async () => {
    const logger = capturedStderrLogger();
    ({ sinks } = sinksFromYaml(yaml({ ca: false, delivery: ', drain_timeout: 50ms' }), env, logger));
    const pending = sinks[0]!.deliver(alerts(1, 1));
    await until(() => sinkStats(sinks)[0]!.breaker === 'open', 5000, 'breaker open');
    expect(receiver.requests).toHaveLength(0);
    expect(logger.text()).toMatch(/self-signed|unable to (get|verify)|certificate/i);
    // Closed without a Kafka source to replay them: the waiting alert goes to the rejected-alerts file.
    await sinks[0]!.close();
    await expect(pending).resolves.toEqual({ delivered: 0, rejected: 1 });
    expect(receiver.requests).toHaveLength(0);
    sinks = [];
  });

  it('applies backpressure while the receiver is down and delivers every alert exactly once after recovery', async () => {
    const logger = capturedStderrLogger();
    ({ sinks } = sinksFromYaml(yaml({ delivery: ', max_batch: 4, queue_capacity: 6' }), env, logger));
    const pipeline = new Pipeline(alertPerEventEngine(), { sinks, deadLetters: noDeadLetters });
    await receiver.down();
    let done = false;
    const batches = Promise.all([
      pipeline.processBatch(eventRecords(ids('p0-', 1, 7))),
      pipeline.processBatch(eventRecords(ids('p1-', 1, 4))),
    ]).then(() => (done = true));
    await until(() => sinkStats(sinks)[0]!.breaker === 'open', 5000, 'breaker open');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(done).toBe(false);
    expect(sinkStats(sinks)[0]).toMatchObject({ queued: 6, waiting: 5, delivered: 0 });
    await receiver.up();
    await batches;
    const expected = [...ids('dw-p0-', 1, 7), ...ids('dw-p1-', 1, 4)];
    expect([...accepted].sort()).toEqual([...expected].sort());
    expect(accepted).toHaveLength(expected.length);
    expect(verified.every((v) => v.ok)).toBe(true);
    expect(pipeline.counters.alertsDelivered).toBe(11);
    const logs = logger.text();
    expect(logs).toContain('DW_SINK_UNAVAILABLE');
    expect(logs).not.toContain(KEY);
    expect(logs).not.toContain(API_KEY);
  });
});
