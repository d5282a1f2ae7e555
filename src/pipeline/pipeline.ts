import type { Alert } from '../alerts/alert.js';
import type { Engine, EngineOutput } from '../engine/engine.js';
import { decodeSourceValue, DEFAULT_MAX_EVENT_BYTES, type DecodeResult } from '../events/native.js';
import type { AlertSink } from '../sinks/sink.js';
import { formatDuration } from '../registry/duration.js';
import { deadLetter, type DeadLetter, type DeadLetterSink, type SourcePosition } from './dead-letter.js';

/** One input record from a source: a JSONL line or a Kafka message value. */
export interface SourceRecord {
  value: string | Uint8Array;
  position: SourcePosition;
  /** Set by a source that stopped reading the record at the size limit; `value` is then a prefix. */
  oversizedBytes?: number;
}

export interface PipelineCounters {
  records: number;
  invalid: number;
  invalidByCode: Record<string, number>;
  alertsDelivered: number;
  /** (alert, sink) pairs a sink refused for good and set aside in its rejected-alerts file. */
  alertsRejected: number;
  /** Alerts that matched no route and no default sink (config `routes`): counted and logged, not sent. */
  alertsUnrouted: number;
}

export interface PipelineOptions {
  sinks: readonly AlertSink[];
  deadLetters: DeadLetterSink;
  maxEventBytes?: number;
  /**
   * Events timed more than this far ahead of the wall clock are rejected (ms; 0 = no check). An
   * agent's event-time clock only moves forward: one event from a wrong clock far in the future
   * would make its later events late and its suppression windows end years ahead.
   */
  maxFutureSkewMs?: number;
  /** Wall clock for `detected_at` and the future-skew check; injectable so tests can pin it. */
  clock?: () => Date;
}

/** Default of `maxFutureSkewMs`: a day. */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 86_400_000;

export interface BatchResult {
  alerts: readonly Alert[];
  dryRun: readonly Alert[];
  deadLetters: readonly DeadLetter[];
}

function originalText(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
}

/**
 * source → decode → engine → sinks, batch by batch. A batch is decoded and processed
 * synchronously (`detect`); the promise of `deliver` settles once every sink acknowledged its
 * alerts and the dead letters are written — the point after which a source may commit the batch.
 * `processBatch` does both; a source may instead detect the next batch while the previous one is
 * delivered, and commit each only after its delivery.
 */
export class Pipeline {
  readonly counters: PipelineCounters = {
    records: 0,
    invalid: 0,
    invalidByCode: {},
    alertsDelivered: 0,
    alertsRejected: 0,
    alertsUnrouted: 0,
  };
  private readonly maxEventBytes: number;
  private readonly maxFutureSkewMs: number;
  private readonly clock: () => Date;

  constructor(
    readonly engine: Engine,
    private readonly options: PipelineOptions,
  ) {
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.maxFutureSkewMs = options.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;
    this.clock = options.clock ?? (() => new Date());
  }

  async processBatch(records: readonly SourceRecord[]): Promise<BatchResult> {
    return this.deliver(this.detect(records));
  }

  /** Decodes the batch and runs the engine over it: the alerts and dead letters, not delivered yet. */
  detect(records: readonly SourceRecord[]): BatchResult {
    const output: EngineOutput = { alerts: [], dryRun: [] };
    const rejected: DeadLetter[] = [];
    const latestTime = this.maxFutureSkewMs > 0 ? this.clock().getTime() + this.maxFutureSkewMs : Infinity;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const result = this.decode(record, latestTime);
      if (result.ok) {
        this.engine.process(result.event, output);
      } else {
        const bytes = record.oversizedBytes ?? (typeof record.value === 'string' ? Buffer.byteLength(record.value) : record.value.byteLength);
        rejected.push(deadLetter(result, record.position, originalText(record.value), bytes));
        this.counters.invalid++;
        this.counters.invalidByCode[result.code] = (this.counters.invalidByCode[result.code] ?? 0) + 1;
      }
    }
    this.counters.records += records.length;
    if (output.alerts.length > 0 || output.dryRun.length > 0) {
      const detectedAt = this.clock().toISOString();
      for (const alert of output.alerts) alert.detected_at = detectedAt;
      for (const alert of output.dryRun) alert.detected_at = detectedAt;
    }
    return { alerts: output.alerts, dryRun: output.dryRun, deadLetters: rejected };
  }

  /** Hands a detected batch to the sinks and the dead-letter destination; settles once all acknowledged it. */
  async deliver(batch: BatchResult): Promise<BatchResult> {
    const { alerts, deadLetters } = batch;
    // Each sink takes the alerts routed to it and resolves once they are acknowledged: a sink whose
    // receiver is down keeps this promise pending, and that wait is the pipeline's backpressure.
    const [reports] = await Promise.all([
      Promise.all(alerts.length > 0 ? this.options.sinks.map((sink) => sink.deliver(alerts)) : []),
      deadLetters.length > 0 ? this.options.deadLetters.write(deadLetters) : undefined,
    ]);
    let unrouted = 0;
    for (const report of reports) {
      if (!report) continue;
      this.counters.alertsRejected += report.rejected;
      unrouted += report.unrouted ?? 0;
    }
    this.counters.alertsUnrouted += unrouted;
    this.counters.alertsDelivered += alerts.length - unrouted;
    return batch;
  }

  private decode(record: SourceRecord, latestTime: number): DecodeResult {
    let result: DecodeResult;
    try {
      result = decodeSourceValue(record.value, record.oversizedBytes, this.maxEventBytes);
    } catch (error) {
      // A decoder defect on some input must cost that record, never the stream (a Kafka partition would retry it for ever).
      return { ok: false, code: 'DW_EVENT_INVALID', reason: `could not be decoded: ${(error as Error).message}` };
    }
    if (result.ok && result.event.timeMs > latestTime) {
      return {
        ok: false,
        code: 'DW_EVENT_INVALID',
        field: 'time',
        reason: `time: ${String(result.event.time)} is more than ${formatDuration(this.maxFutureSkewMs)} ahead of this host's clock (max_future_skew)`,
      };
    }
    return result;
  }

  async close(): Promise<void> {
    await Promise.all([...this.options.sinks.map((sink) => sink.close()), this.options.deadLetters.close()]);
  }
}
