import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/alerts/alert.js';
import { DriftwatchError } from '../../../src/errors.js';
import type { BreakerState } from '../../../src/sinks/circuit-breaker.js';
import { ReliableSink, type ReliableSinkOptions } from '../../../src/sinks/reliable.js';
import { sinkFailure, type Transport } from '../../../src/sinks/transport.js';
import { alert, alerts, captureLogger, MemoryRejected, tick, until } from './support.js';

type Step = 'ok' | DriftwatchError | Error | (() => Promise<void>);

/** A transport that follows a script per call (then succeeds), recording every batch's ids. */
class ScriptedTransport implements Transport {
  readonly destination = 'test://receiver';
  readonly calls: string[][] = [];
  readonly delivered: string[] = [];
  closed = false;

  constructor(private readonly script: Step[] = [], private readonly refuse: (alert: Alert) => boolean = () => false) {}

  async send(batch: readonly Alert[]): Promise<void> {
    this.calls.push(batch.map((a) => a.id));
    const step = this.script.shift() ?? 'ok';
    if (typeof step === 'function') await step();
    else if (step !== 'ok') throw step;
    if (batch.some(this.refuse)) throw sinkFailure('test receiver answered HTTP 400', { retriable: false, status: 400 });
    this.delivered.push(...batch.map((a) => a.id));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

const down = () => sinkFailure('test receiver answered HTTP 503', { retriable: true, status: 503 });

/** Backoff pauses are recorded and skipped; the breaker clock advances by each pause. */
function fakeTime() {
  const state = { now: 1_000_000, pauses: [] as number[] };
  return {
    state,
    options: {
      now: () => state.now,
      sleep: async (ms: number) => {
        state.pauses.push(ms);
        state.now += ms;
        await tick();
      },
      random: () => 0.5,
    } satisfies Pick<ReliableSinkOptions, 'now' | 'sleep' | 'random'>,
  };
}

function sink(transport: Transport, options: Partial<ReliableSinkOptions> = {}) {
  const rejected = (options.rejected as MemoryRejected | undefined) ?? new MemoryRejected();
  const time = fakeTime();
  const reliable = new ReliableSink('test', transport, {
    rejected,
    retry: { initialMs: 100, maxMs: 5000 },
    breaker: { failureThreshold: 3, cooldownMs: 10_000 },
    ...time.options,
    ...options,
  });
  return { reliable, rejected, time };
}

describe('ReliableSink', () => {
  it('batches by count and resolves each deliver once its alerts are acknowledged', async () => {
    const transport = new ScriptedTransport();
    const { reliable } = sink(transport, { batch: { maxAlerts: 2 } });
    const report = await reliable.deliver(alerts(1, 5));
    expect(report).toEqual({ delivered: 5, rejected: 0 });
    expect(transport.calls).toEqual([['dw-0001', 'dw-0002'], ['dw-0003', 'dw-0004'], ['dw-0005']]);
    expect(reliable.stats()).toMatchObject({ delivered: 5, queued: 0, waiting: 0, retries: 0, breaker: 'closed' });
    await reliable.close();
    expect(transport.closed).toBe(true);
  });

  it('lingers for more alerts to fill a batch across deliver calls', async () => {
    const transport = new ScriptedTransport();
    const { reliable } = sink(transport, { batch: { maxAlerts: 10, lingerMs: 50 } });
    const first = reliable.deliver(alerts(1, 2));
    await tick(5);
    const second = reliable.deliver(alerts(3, 3));
    await Promise.all([first, second]);
    expect(transport.calls).toEqual([['dw-0001', 'dw-0002', 'dw-0003', 'dw-0004', 'dw-0005']]);
    await reliable.close();
  });

  it('retries retriable failures with exponential backoff and full jitter, then resolves', async () => {
    const transport = new ScriptedTransport([down(), down(), new Error('ECONNRESET')]);
    const { reliable, time } = sink(transport, { breaker: { failureThreshold: 100, cooldownMs: 1 } });
    const report = await reliable.deliver(alerts(1, 3));
    expect(report).toEqual({ delivered: 3, rejected: 0 });
    expect(transport.calls).toHaveLength(4);
    // random() = 0.5 of the ceilings 100, 200, 400
    expect(time.state.pauses).toEqual([50, 100, 200]);
    expect(transport.delivered).toEqual(['dw-0001', 'dw-0002', 'dw-0003']);
    expect(reliable.stats()).toMatchObject({ retries: 3, failures: 3, delivered: 3 });
    await reliable.close();
  });

  it('honours a receiver\'s Retry-After as the lower bound of the pause', async () => {
    const transport = new ScriptedTransport([sinkFailure('busy', { retriable: true, status: 429, retryAfterMs: 2000 })]);
    const { reliable, time } = sink(transport);
    await reliable.deliver([alert(1)]);
    expect(time.state.pauses).toEqual([2000]);
    await reliable.close();
  });

  it('does not retry a refusal: the alerts go to the rejected file, counted, and deliver resolves', async () => {
    const transport = new ScriptedTransport([sinkFailure('test receiver answered HTTP 400: bad event', { retriable: false, status: 400 })]);
    const logger = captureLogger();
    const { reliable, rejected } = sink(transport, { logger });
    const report = await reliable.deliver([alert(1)]);
    expect(report).toEqual({ delivered: 0, rejected: 1 });
    expect(transport.calls).toEqual([['dw-0001']]);
    expect(rejected.records).toHaveLength(1);
    expect(rejected.records[0]).toMatchObject({ sink: 'test', code: 'DW_SINK_FAILED', status: 400, attempts: 1, alert: { id: 'dw-0001' } });
    expect(rejected.records[0]!.reason).toContain('HTTP 400');
    expect(reliable.stats()).toMatchObject({ rejected: 1, delivered: 0, retries: 0 });
    expect(logger.entries.some((e) => e.level === 'warn' && e.message.includes('rejected-alerts file'))).toBe(true);
    await reliable.close();
  });

  it('splits a refused batch to isolate the refused alert; its batch-mates are delivered', async () => {
    const transport = new ScriptedTransport([], (a) => a.id === 'dw-0003');
    const { reliable, rejected } = sink(transport, { batch: { maxAlerts: 8 } });
    const report = await reliable.deliver(alerts(1, 6));
    expect(report).toEqual({ delivered: 5, rejected: 1 });
    expect(rejected.records.map((r) => r.alert.id)).toEqual(['dw-0003']);
    expect(transport.delivered.sort()).toEqual(['dw-0001', 'dw-0002', 'dw-0004', 'dw-0005', 'dw-0006']);
    await reliable.close();
  });

  it('rejects deliver when refused alerts cannot be written to the rejected file (they must not be lost)', async () => {
    const transport = new ScriptedTransport([sinkFailure('HTTP 400', { retriable: false, status: 400 })]);
    const rejected = new MemoryRejected();
    rejected.fail = new Error('EACCES: permission denied');
    const { reliable } = sink(transport, { rejected });
    await expect(reliable.deliver([alert(1)])).rejects.toThrow(/could not be written to the rejected-alerts file/);
    await reliable.close();
  });

  it('gives up after retry.maxAttempts when configured, to the rejected file', async () => {
    const transport = new ScriptedTransport([down(), down(), down(), down()]);
    const { reliable, rejected } = sink(transport, { retry: { initialMs: 10, maxMs: 100, maxAttempts: 3 } });
    const report = await reliable.deliver([alert(1)]);
    expect(report).toEqual({ delivered: 0, rejected: 1 });
    expect(transport.calls).toHaveLength(3);
    expect(rejected.records[0]!.reason).toMatch(/^gave up after 3 attempts: /);
    await reliable.close();
  });

  it('opens the circuit breaker after consecutive failures, waits the cooldown, then closes on a successful trial', async () => {
    const transport = new ScriptedTransport([down(), down(), down(), down()]);
    const changes: BreakerState[] = [];
    const logger = captureLogger();
    const { reliable, time } = sink(transport, { onBreakerChange: (state) => changes.push(state), logger });
    await reliable.deliver([alert(1)]);
    // 3 failures open it; the half-open trial fails and opens it again; the next trial succeeds.
    expect(changes).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
    expect(transport.calls).toHaveLength(5);
    expect(reliable.stats()).toMatchObject({ breaker: 'closed', breakerOpened: 2, delivered: 1 });
    const total = time.state.pauses.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(20_000);
    expect(logger.entries.some((e) => e.fields?.code === 'DW_SINK_UNAVAILABLE')).toBe(true);
    await reliable.close();
  });

  it('bounds its queue: a full queue makes further deliver calls wait (backpressure), nothing is dropped', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const transport = new ScriptedTransport([() => gate]);
    const { reliable } = sink(transport, { queueCapacity: 3, batch: { maxAlerts: 2 } });
    let firstDone = false;
    let secondDone = false;
    const first = reliable.deliver(alerts(1, 4)).then((r) => ((firstDone = true), r));
    const second = reliable.deliver(alerts(5, 2)).then((r) => ((secondDone = true), r));
    await until(() => transport.calls.length === 1, 1000, 'first send');
    expect(reliable.stats()).toMatchObject({ queued: 3, waiting: 3, inFlight: 2 });
    await tick(20);
    expect(firstDone || secondDone).toBe(false);
    release();
    expect(await first).toEqual({ delivered: 4, rejected: 0 });
    expect(await second).toEqual({ delivered: 2, rejected: 0 });
    expect(transport.delivered).toEqual(alerts(1, 6).map((a) => a.id));
    expect(reliable.stats()).toMatchObject({ queued: 0, waiting: 0 });
    await reliable.close();
  });

  it('replay mode (Kafka): close gives up on alerts it could not deliver within the drain timeout: deliver rejects, retriable', async () => {
    const transport = new ScriptedTransport(Array.from({ length: 1000 }, down));
    const { reliable, rejected } = sink(transport, {
      unacknowledgedOnClose: 'replay',
      drainTimeoutMs: 30,
      sleep: (ms, signal) => new Promise((resolve) => {
        const timer = setTimeout(resolve, 5);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()));
      }),
    });
    const pending = reliable.deliver(alerts(1, 2));
    await until(() => transport.calls.length >= 2, 1000, 'retries');
    await reliable.close();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriftwatchError);
    expect((error as DriftwatchError).retriable).toBe(true);
    expect((error as DriftwatchError).message).toMatch(/closed before its alerts were acknowledged/);
    expect(rejected.records).toEqual([]);
    await expect(reliable.deliver([alert(9)])).rejects.toThrow(/closed/);
  });

  it('by default close writes what it could not deliver within the drain timeout to the rejected file, also alerts still waiting for room, and deliver resolves', async () => {
    const transport = new ScriptedTransport(Array.from({ length: 1000 }, down));
    const { reliable, rejected } = sink(transport, {
      queueCapacity: 2,
      batch: { maxAlerts: 2 },
      drainTimeoutMs: 30,
      sleep: (ms, signal) => new Promise((resolve) => {
        const timer = setTimeout(resolve, 5);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()));
      }),
    });
    const first = reliable.deliver(alerts(1, 2));
    const second = reliable.deliver(alerts(3, 2)); // waits for room behind the first
    await until(() => transport.calls.length >= 2, 1000, 'retries');
    await reliable.close();
    expect(await first).toEqual({ delivered: 0, rejected: 2 });
    expect(await second).toEqual({ delivered: 0, rejected: 2 });
    expect(rejected.records.map((record) => record.alert.id)).toEqual(['dw-0001', 'dw-0002', 'dw-0003', 'dw-0004']);
    expect(rejected.records[0]!.reason).toMatch(/^not delivered: the run ended before .* acknowledged them/);
    expect(reliable.stats()).toMatchObject({ rejected: 4, queued: 0, waiting: 0 });
  });

  it('closes within a second of its drain timeout when the transport ignores the abort (a write blocked on a pipe nobody reads)', async () => {
    const stuck: Transport = { destination: 'a full pipe', send: () => new Promise<void>(() => {}), close: () => new Promise<void>(() => {}) };
    const logger = captureLogger();
    const { reliable, rejected } = sink(stuck, { drainTimeoutMs: 30, logger, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) });
    const delivery = reliable.deliver(alerts(1, 3));
    await tick(10);
    const started = Date.now();
    const outcome = await Promise.race([reliable.close().then(() => 'closed'), new Promise((resolve) => setTimeout(() => resolve('still closing'), 4_000))]);
    expect(outcome).toBe('closed');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await delivery).toEqual({ delivered: 0, rejected: 3 });
    expect(rejected.records.map((record) => record.alert.id)).toEqual(['dw-0001', 'dw-0002', 'dw-0003']);
    expect(logger.text()).toContain('sink did not stop within a second of its drain timeout');
  }, 10_000);

  it('never logs a secret, even when the receiver echoes it back', async () => {
    const secret = 'hec-token-5f0c1e9a-2b7d-4c1a-9e3f';
    const transport = new ScriptedTransport([
      sinkFailure(`receiver answered HTTP 503: invalid header Authorization: Splunk ${secret}`, { retriable: true, status: 503 }),
      sinkFailure(`receiver answered HTTP 400: bad token ${secret}`, { retriable: false, status: 400 }),
    ]);
    const logger = captureLogger();
    const { reliable, rejected } = sink(transport, { logger, secrets: [secret] });
    await reliable.deliver([alert(1)]);
    expect(logger.entries.length).toBeGreaterThan(0);
    expect(logger.text()).not.toContain(secret);
    expect(logger.text()).toContain('[REDACTED]');
    expect(JSON.stringify(rejected.records)).not.toContain(secret);
    await reliable.close();
  });
});
