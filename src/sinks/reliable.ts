import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Alert } from '../alerts/alert.js';
import type { DriftwatchError } from '../errors.js';
import { settlesWithin } from '../settles-within.js';
import { silentLogger, type Logger } from '../telemetry/log.js';
import { backoffDelay, DEFAULT_RETRY, type RetryPolicy } from './backoff.js';
import { CircuitBreaker, DEFAULT_BREAKER, type BreakerPolicy, type BreakerState } from './circuit-breaker.js';
import type { RejectedAlert, RejectedAlertSink } from './rejected.js';
import { scrubber, scrubbingLogger } from './scrub.js';
import type { AlertSink, DeliveryReport } from './sink.js';
import { asSinkFailure, failureDetails, sinkFailure, type Transport } from './transport.js';

export interface BatchPolicy {
  /** Most alerts per transport call. */
  maxAlerts: number;
  /** How long a partial batch waits for more alerts; 0 sends what is queued at once. */
  lingerMs: number;
}

export const DEFAULT_QUEUE_CAPACITY = 10_000;
export const DEFAULT_DRAIN_TIMEOUT_MS = 5_000;
/** How long a close waits, after aborting, for the transport to stop before settling its alerts without it. */
const ABORT_GRACE_MS = 1_000;

export interface ReliableSinkOptions {
  /** Most alerts admitted and not yet acknowledged; further `deliver` calls wait for room. */
  queueCapacity?: number;
  batch?: Partial<BatchPolicy>;
  retry?: RetryPolicy;
  breaker?: BreakerPolicy;
  /** Where alerts the receiver refused for good (or whose retries ran out) are written. */
  rejected: RejectedAlertSink;
  /**
   * A batch refused for good is split in halves and retried until the refused alerts are
   * isolated, so that one malformed alert does not take its batch-mates to the rejected file.
   */
  splitRejectedBatches?: boolean;
  logger?: Logger;
  /** Values that must never appear in a log line or error message (tokens, keys). */
  secrets?: readonly (string | undefined)[];
  /** How long `close` waits for queued alerts before it gives up on them. */
  drainTimeoutMs?: number;
  /**
   * What `close` does with alerts still unacknowledged after the drain timeout: `reject` writes
   * them to the rejected-alerts file (a file or standard input is not read again; the default),
   * `replay` fails their deliveries, for a source that reads them again from its last commit (Kafka).
   */
  unacknowledgedOnClose?: 'reject' | 'replay';
  /** Injectable for tests: uniform [0, 1), the backoff pause, the clock of the breaker. */
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
  onBreakerChange?: (state: BreakerState, previous: BreakerState) => void;
  /** Called once the sink is closed (e.g. to stop observing it). */
  onClosed?: () => void;
}

/** A snapshot for telemetry and the run summary. */
export interface SinkStats {
  name: string;
  destination: string;
  breaker: BreakerState;
  /** Alerts admitted and not yet acknowledged (incl. the batch in flight). */
  queued: number;
  /** Alerts of `deliver` calls waiting for room in the queue: the backpressure. */
  waiting: number;
  inFlight: number;
  delivered: number;
  rejected: number;
  /** Where rejected alerts are written, when that is a file. */
  rejectedTo?: string;
  /** Failed attempts that were retried. */
  retries: number;
  /** Failed attempts, retriable or not. */
  failures: number;
  breakerOpened: number;
  transport: Readonly<Record<string, number>>;
}

interface Ticket {
  remaining: number;
  delivered: number;
  rejected: number;
  resolve(report: DeliveryReport): void;
  reject(error: Error): void;
}

interface Entry {
  alert: Alert;
  ticket: Ticket;
  /** Delivered or rejected. */
  settled?: true;
}

interface Waiting {
  alerts: readonly Alert[];
  next: number;
  ticket: Ticket;
}

async function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleepFor(ms, undefined, { signal });
  } catch {
    // aborted: the caller checks the signal
  }
}

/**
 * Acknowledged delivery around one {@link Transport}: a bounded queue of alerts, batching by count
 * and linger time, retries with exponential backoff and full jitter, a circuit breaker, and a
 * rejected-alerts file for what the receiver refuses for good.
 *
 * `deliver` resolves once every one of its alerts was acknowledged by the receiver or durably
 * written to the rejected-alerts file; it never drops and never buffers without bound: when the
 * receiver is down, retriable failures are retried (forever unless `retry.maxAttempts`), the queue
 * fills, and further `deliver` calls wait. The pipeline awaits `deliver` before the source commits,
 * so that wait is the pipeline's backpressure.
 */
export class ReliableSink implements AlertSink {
  private readonly queue: Entry[] = [];
  private readonly waiting: Waiting[] = [];
  private readonly open = new Set<Ticket>();
  private readonly capacity: number;
  private readonly batch: BatchPolicy;
  private readonly retry: RetryPolicy;
  private readonly breaker: CircuitBreaker;
  private readonly logger: Logger;
  private readonly scrub: (text: string) => string;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly abort = new AbortController();
  private unacked = 0;
  private inFlight = 0;
  /** The batch the worker is sending (kept after an abort: its alerts may be unsettled). */
  private current: Entry[] = [];
  private closing?: Promise<void>;
  private worker?: Promise<void>;
  private wake?: () => void;
  private readonly counts = { delivered: 0, rejected: 0, retries: 0, failures: 0 };

  constructor(
    readonly name: string,
    private readonly transport: Transport,
    private readonly options: ReliableSinkOptions,
  ) {
    this.capacity = Math.max(1, options.queueCapacity ?? DEFAULT_QUEUE_CAPACITY);
    this.batch = { maxAlerts: Math.max(1, options.batch?.maxAlerts ?? 500), lingerMs: Math.max(0, options.batch?.lingerMs ?? 0) };
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.scrub = scrubber(options.secrets ?? []);
    this.logger = scrubbingLogger(options.logger ?? silentLogger, this.scrub);
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? defaultSleep;
    this.breaker = new CircuitBreaker(options.breaker ?? DEFAULT_BREAKER, options.now ?? Date.now, (state, previous) => {
      if (state === 'open') {
        this.logger.log('warn', 'sink unavailable: circuit breaker open; alerts wait in the queue', {
          code: 'DW_SINK_UNAVAILABLE',
          sink: this.name,
          destination: this.transport.destination,
          queued: this.unacked,
        });
      } else if (state === 'closed') {
        this.logger.log('info', 'sink available again: circuit breaker closed', { sink: this.name, destination: this.transport.destination });
      }
      options.onBreakerChange?.(state, previous);
    });
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  stats(): SinkStats {
    return {
      name: this.name,
      destination: this.transport.destination,
      breaker: this.breaker.state,
      queued: this.unacked,
      waiting: this.waiting.reduce((sum, w) => sum + w.alerts.length - w.next, 0),
      inFlight: this.inFlight,
      ...this.counts,
      rejectedTo: this.options.rejected.path,
      breakerOpened: this.breaker.opened,
      transport: this.transport.counters?.() ?? {},
    };
  }

  deliver(alerts: readonly Alert[]): Promise<DeliveryReport> {
    if (this.closing) {
      return Promise.reject(sinkFailure(`sink ${this.name} is closed`, { retriable: false }));
    }
    if (alerts.length === 0) return Promise.resolve({ delivered: 0, rejected: 0 });
    return new Promise<DeliveryReport>((resolve, reject) => {
      const ticket: Ticket = { remaining: alerts.length, delivered: 0, rejected: 0, resolve, reject };
      this.open.add(ticket);
      this.waiting.push({ alerts, next: 0, ticket });
      this.admit();
      this.worker ??= this.run();
    });
  }

  /** Waits up to the drain timeout for queued alerts, then rejects what is left and closes the transport. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.notify();
    if (this.worker && this.open.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.worker,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
    }
    this.abort.abort();
    this.notify();
    // A transport that does not heed the abort (a write blocked on a pipe that nobody reads) must
    // not hold the close, and a SIGTERM, for ever: its alerts are settled without it.
    const stopped = this.worker === undefined || (await settlesWithin(this.worker, ABORT_GRACE_MS));
    if (!stopped) {
      this.logger.log('warn', 'sink did not stop within a second of its drain timeout; its alerts in flight are settled without it', {
        code: 'DW_SINK_FAILED',
        sink: this.name,
        destination: this.transport.destination,
      });
    }
    if (this.options.unacknowledgedOnClose !== 'replay') await this.rejectUnacknowledged();
    const left = this.open.size;
    if (left > 0) {
      const error = sinkFailure(`sink ${this.name} closed before its alerts were acknowledged`, { retriable: true });
      for (const ticket of this.open) ticket.reject(error);
      this.open.clear();
      this.logger.log('warn', 'sink closed with unacknowledged alerts; they were not committed and will be replayed', {
        code: 'DW_SINK_FAILED',
        sink: this.name,
        deliveries: left,
      });
    }
    if (stopped) {
      await this.transport.close();
      await this.worker;
    } else {
      await settlesWithin(this.transport.close(), ABORT_GRACE_MS);
    }
    await this.options.rejected.close();
    this.options.onClosed?.();
  }

  /** At close, once the worker stopped: every alert not yet delivered or rejected goes to the rejected-alerts file. */
  private async rejectUnacknowledged(): Promise<void> {
    const entries = [...this.current, ...this.queue].filter((entry) => !entry.settled);
    const admitted = entries.length;
    for (const waiting of this.waiting) for (let i = waiting.next; i < waiting.alerts.length; i++) entries.push({ alert: waiting.alerts[i]!, ticket: waiting.ticket });
    this.current = [];
    this.queue.length = 0;
    this.waiting.length = 0;
    if (entries.length === 0) return;
    // Alerts still waiting for room were never counted as unacknowledged; settling releases them too.
    this.unacked += entries.length - admitted;
    await this.reject(entries, sinkFailure(`the run ended before ${this.transport.destination} acknowledged them (drain timeout)`, { retriable: true }), 0, 'not delivered: ');
  }

  private get aborted(): boolean {
    return this.abort.signal.aborted;
  }

  /** Moves alerts of waiting `deliver` calls into the queue while there is room, in call order. */
  private admit(): void {
    let admitted = false;
    while (this.waiting.length > 0 && this.unacked < this.capacity) {
      const w = this.waiting[0]!;
      const n = Math.min(this.capacity - this.unacked, w.alerts.length - w.next);
      for (let i = 0; i < n; i++) this.queue.push({ alert: w.alerts[w.next + i]!, ticket: w.ticket });
      w.next += n;
      this.unacked += n;
      admitted = true;
      if (w.next === w.alerts.length) this.waiting.shift();
    }
    if (admitted) this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Resolves on the next `notify`, or after `timeoutMs`. */
  private signalled(timeoutMs?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.wake = undefined;
          resolve();
        }, timeoutMs);
      }
    });
  }

  private async run(): Promise<void> {
    while (!this.aborted) {
      if (this.queue.length === 0) {
        if (this.closing && this.open.size === 0) return;
        await this.signalled();
        continue;
      }
      if (this.queue.length < this.batch.maxAlerts && this.batch.lingerMs > 0 && !this.closing) {
        const until = Date.now() + this.batch.lingerMs;
        for (let left = this.batch.lingerMs; left > 0 && this.queue.length < this.batch.maxAlerts && !this.closing; left = until - Date.now()) {
          await this.signalled(left);
        }
      }
      const batch = this.queue.splice(0, this.batch.maxAlerts);
      this.inFlight = batch.length;
      this.current = batch;
      try {
        await this.send(batch);
      } finally {
        this.inFlight = 0;
      }
      if (!this.aborted) this.current = [];
    }
  }

  private async pause(ms: number): Promise<void> {
    if (ms > 0 && !this.aborted) await this.sleep(ms, this.abort.signal);
  }

  private async send(batch: Entry[]): Promise<void> {
    let attempt = 0;
    while (!this.aborted) {
      const wait = this.breaker.waitMs();
      if (wait > 0) {
        await this.pause(wait);
        continue;
      }
      attempt++;
      try {
        await this.transport.send(
          batch.map((entry) => entry.alert),
          this.abort.signal,
        );
      } catch (thrown) {
        if (this.aborted) return;
        const error = asSinkFailure(thrown);
        this.counts.failures++;
        if (!error.retriable) {
          if (batch.length > 1 && this.options.splitRejectedBatches !== false) {
            const half = Math.ceil(batch.length / 2);
            this.logger.log('debug', 'batch refused; splitting it to isolate the refused alerts', { sink: this.name, alerts: batch.length });
            await this.send(batch.slice(0, half));
            await this.send(batch.slice(half));
            return;
          }
          await this.reject(batch, error, attempt, '');
          return;
        }
        this.breaker.failure();
        if (this.retry.maxAttempts !== undefined && attempt >= this.retry.maxAttempts) {
          await this.reject(batch, error, attempt, `gave up after ${attempt} attempts: `);
          return;
        }
        this.counts.retries++;
        const ms = backoffDelay(attempt, this.retry, this.random, failureDetails(error).retryAfterMs);
        this.logger.log(attempt === 1 ? 'warn' : 'debug', 'sink delivery failed; retrying', {
          code: error.code,
          sink: this.name,
          destination: this.transport.destination,
          error: error.message,
          attempt,
          retry_in_ms: ms,
        });
        await this.pause(ms);
        continue;
      }
      this.breaker.success();
      if (attempt > 1) this.logger.log('info', 'sink delivered after retries', { sink: this.name, attempts: attempt, alerts: batch.length });
      this.settle(batch, 'delivered');
      return;
    }
  }

  private async reject(batch: Entry[], error: DriftwatchError, attempts: number, prefix: string): Promise<void> {
    const reason = this.scrub(prefix + error.message);
    const status = failureDetails(error).status;
    const rejectedAt = new Date().toISOString();
    const records: RejectedAlert[] = batch.map((entry) => ({
      rejected_at: rejectedAt,
      sink: this.name,
      code: 'DW_SINK_FAILED',
      reason,
      ...(status !== undefined ? { status } : {}),
      attempts,
      alert: entry.alert,
    }));
    try {
      await this.options.rejected.write(records);
    } catch (writeError) {
      const failure = sinkFailure(
        `sink ${this.name}: ${batch.length} alerts were refused (${reason}) and could not be written to the rejected-alerts file: ${this.scrub(
          (writeError as Error).message,
        )}`,
        { retriable: false, cause: writeError },
      );
      this.logger.log('error', failure.message, { code: failure.code, sink: this.name });
      for (const entry of batch) this.fail(entry.ticket, failure);
      this.release(batch.length);
      return;
    }
    this.logger.log('warn', prefix ? 'alerts not delivered; written to the rejected-alerts file' : 'alerts refused by the receiver; written to the rejected-alerts file', {
      code: error.code,
      sink: this.name,
      destination: this.transport.destination,
      alerts: batch.length,
      reason,
      ...(status !== undefined ? { status } : {}),
    });
    this.settle(batch, 'rejected');
  }

  private settle(batch: readonly Entry[], outcome: 'delivered' | 'rejected'): void {
    this.counts[outcome] += batch.length;
    for (const entry of batch) {
      entry.settled = true;
      const ticket = entry.ticket;
      ticket[outcome]++;
      if (--ticket.remaining === 0 && this.open.delete(ticket)) ticket.resolve({ delivered: ticket.delivered, rejected: ticket.rejected });
    }
    this.release(batch.length);
  }

  private fail(ticket: Ticket, error: Error): void {
    ticket.remaining--;
    if (this.open.delete(ticket)) ticket.reject(error);
  }

  private release(n: number): void {
    this.unacked -= n;
    this.admit();
  }
}
