import { stat, truncate } from 'node:fs/promises';
import type { Alert } from '../alerts/alert.js';
import { buildEngine } from '../cli/job.js';
import type { LoadedConfig } from '../config/load.js';
import { configSchema, type Config } from '../config/schema.js';
import { Pipeline } from '../pipeline/pipeline.js';
import type { DeadLetter, DeadLetterSink } from '../pipeline/dead-letter.js';
import { durationMs, type Maturity } from '../sdk/detector.js';
import { checkOutputFile, FileTransport } from '../sinks/file.js';
import type { AlertSink } from '../sinks/sink.js';
import { fileSource } from '../sources/file.js';
import type { Logger } from '../telemetry/log.js';
import type { AlertLike } from './match.js';

/**
 * Runs a recorded event file through the engine in-process, as `driftwatch replay` would, and
 * keeps the alerts in memory (only the fields the evaluation needs).
 */

export interface EvalRunOptions {
  events: string;
  registry: string;
  /** Detector maturities that run (default: stable and incubating). */
  maturity?: readonly Maturity[];
  /** Third-party detector directories and per-detector settings, e.g. from a config file. */
  detectors?: Pick<Config['detectors'], 'directories' | 'settings'>;
  /** Where the settings were written (the config file's `locate`), for errors at their line. */
  locate?: LoadedConfig['locate'];
  /** Also write the canonical alerts as JSONL here. */
  alertsPath?: string;
  logger: Logger;
}

export interface EvalRun {
  alerts: AlertLike[];
  events: number;
  records: number;
  invalid: number;
  invalidByCode: Record<string, number>;
  detectors: string[];
  detectorErrors: Record<string, number>;
  seconds: number;
}

class CollectingSink implements AlertSink {
  readonly name = 'eval';
  readonly alerts: AlertLike[] = [];

  constructor(private readonly file?: FileTransport) {}

  async deliver(alerts: readonly Alert[]): Promise<void> {
    for (const alert of alerts) {
      this.alerts.push({ id: alert.id, detector: alert.detector, severity: alert.severity, time: alert.time, agent: { id: alert.agent.id }, title: alert.title });
    }
    await this.file?.send(alerts);
  }

  async close(): Promise<void> {
    await this.file?.close();
  }
}

class CountingDeadLetters implements DeadLetterSink {
  readonly samples: DeadLetter[] = [];

  async write(records: readonly DeadLetter[]): Promise<void> {
    for (const record of records) if (this.samples.length < 5) this.samples.push(record);
  }

  async close(): Promise<void> {}
}

export async function runEvaluationPipeline(options: EvalRunOptions): Promise<EvalRun> {
  const config = configSchema.parse({
    registry: options.registry,
    source: { type: 'file', path: options.events },
    detectors: {
      directories: options.detectors?.directories ?? [],
      maturity: options.maturity ?? ['stable', 'incubating'],
      settings: options.detectors?.settings ?? {},
    },
    sinks: [],
  });
  const engine = await buildEngine({ ...config, locate: options.locate }, options.logger);
  if (options.alertsPath !== undefined) {
    await checkOutputFile(options.alertsPath, '--alerts', { create: true });
    // Each evaluation writes its own alerts: an earlier run's go (a pipe or a device is left as it is).
    if ((await stat(options.alertsPath).catch(() => undefined))?.isFile()) await truncate(options.alertsPath);
  }
  const sink = new CollectingSink(options.alertsPath === undefined ? undefined : new FileTransport({ path: options.alertsPath, format: 'json' }));
  const deadLetters = new CountingDeadLetters();
  const pipeline = new Pipeline(engine, { sinks: [sink], deadLetters, maxEventBytes: config.max_event_bytes, maxFutureSkewMs: durationMs(config.max_future_skew) });
  const started = performance.now();
  try {
    for await (const batch of fileSource(options.events, config.max_event_bytes)) await pipeline.processBatch(batch);
  } finally {
    await pipeline.close();
  }
  for (const sample of deadLetters.samples) {
    options.logger.log('warn', 'event rejected', { code: sample.code, reason: sample.reason, source: sample.source });
  }
  const detectorErrors: Record<string, number> = {};
  for (const [id, counters] of Object.entries(engine.stats.detectors)) if (counters.errors > 0) detectorErrors[id] = counters.errors;
  return {
    alerts: sink.alerts,
    events: engine.stats.events,
    records: pipeline.counters.records,
    invalid: pipeline.counters.invalid,
    invalidByCode: pipeline.counters.invalidByCode,
    detectors: engine.detectors.map((detector) => detector.definition.id),
    detectorErrors,
    seconds: (performance.now() - started) / 1000,
  };
}
