import type { Readable, Writable } from 'node:stream';
import type { Config } from '../config/schema.js';
import type { LoadedConfig } from '../config/load.js';
import { Engine } from '../engine/engine.js';
import { Pipeline, type PipelineCounters } from '../pipeline/pipeline.js';
import { KafkaJob } from '../kafka/job.js';
import type { KafkaSourceConfig } from '../config/kafka.js';
import { loadDetectors } from '../plugins/load.js';
import { BUILTIN_DETECTORS } from '../../detectors/index.js';
import { selectDetectors, warningsForDetectorsNotRunning } from '../plugins/select.js';
import { loadRegistry } from '../registry/registry.js';
import { watchRegistry } from '../registry/watch.js';
import { durationMs } from '../sdk/detector.js';
import { createConfiguredSinks, sinkStats } from '../sinks/create.js';
import type { AlertSink } from '../sinks/sink.js';
import { checkOutputFile, JsonLinesDeadLetterSink } from '../sinks/file.js';
import { checkReadable, fileSource } from '../sources/file.js';
import { ABORTED, untilAborted } from '../sources/until-aborted.js';
import type { Logger } from '../telemetry/log.js';
import { startMetricsExport } from '../telemetry/metrics-export.js';
import { detectorErrorLog } from '../telemetry/detector-errors.js';
import { observeKafkaJob } from '../telemetry/kafka-metrics.js';
import { observePipeline } from '../telemetry/pipeline-metrics.js';
import { summarize, type RunSummary } from './summary.js';

export interface JobIo {
  stdin: Readable;
  stdout: Writable;
  logger: Logger;
  /** Reload the registry when its file changes (on for long runs). */
  watch?: boolean;
  /** Ends the run gracefully (SIGTERM/SIGINT in the CLI): a Kafka source leaves its group, a file or standard input stops reading. */
  signal?: AbortSignal;
}

/** Builds the engine from the config. */
export async function buildEngine(config: LoadedConfig, logger: Logger): Promise<Engine> {
  const [registry, available] = await Promise.all([loadRegistry(config.registry), loadDetectors(config.detectors.directories)]);
  for (const warning of registry.warnings) logger.log('warn', `registry: ${warning.message}`, { file: warning.file, line: warning.line });
  const detectors = selectDetectors(available, config.detectors.maturity, config.detectors.settings, config.locate);
  const plugins = new Set(available.filter((detector) => !BUILTIN_DETECTORS.includes(detector)).map((detector) => detector.id));
  for (const message of warningsForDetectorsNotRunning(available, config.detectors.maturity, config.detectors.settings, plugins)) logger.log('warn', message);
  return new Engine(detectors, {
    registry,
    maxUnregisteredAgents: config.max_unregistered_agents,
    onDetectorError: detectorErrorLog(logger),
  });
}

/** The output files of the job, each with what names it in an error. */
function outputFiles(config: Config): { path: string; what: string; create?: boolean }[] {
  const files: { path: string; what: string; create?: boolean }[] = [];
  const rejected = new Set<string>();
  for (const sink of config.sinks) {
    if (sink.type === 'file') files.push({ path: sink.path, what: `sink "${sink.name}"`, create: true });
    // Written only when a receiver refuses alerts for good: a bad path would surface then, after the run read everything.
    if (sink.type !== 'console' && !rejected.has(sink.delivery.rejected_path)) {
      rejected.add(sink.delivery.rejected_path);
      files.push({ path: sink.delivery.rejected_path, what: `sink "${sink.name}": rejected-alerts file` });
    }
  }
  // A Kafka source writes its dead letters to a topic.
  if (config.source.type !== 'kafka') files.push({ path: config.dead_letter.path, what: 'dead letters' });
  return files;
}

/**
 * The files the job reads and writes, checked before anything is read: a sink retries failed
 * writes, and a path that can never work would be retried forever. The job makes the alerts files
 * (empty) and their directories now; `run --check` (`makeNothing`) only checks them.
 */
export async function checkFiles(config: LoadedConfig, { makeNothing = false }: { makeNothing?: boolean } = {}): Promise<void> {
  if (config.source.type === 'file') await checkReadable(config.source.path, 'events');
  await Promise.all(outputFiles(config).map((file) => checkOutputFile(file.path, file.what, { create: file.create, makeNothing })));
}

/** Runs the configured source through the pipeline to its end, or until io.signal (a Kafka source has no end). */
export async function runJob(config: LoadedConfig, io: JobIo): Promise<RunSummary> {
  await checkFiles(config);
  // Registered before the pipeline, engine and sinks ask the API for their meter.
  const metricsExport = await startMetricsExport(config.telemetry, io.logger);
  try {
    const engine = await buildEngine(config, io.logger);
    // Made before the registry watcher: a sink that cannot be made (an unreadable TLS file) ends the start with nothing left running.
    const sinks = createConfiguredSinks(config, io.stdout, io.logger);
    const stopWatching = io.watch ? watchRegistry(config.registry, (registry) => engine.setRegistry(registry), io.logger) : undefined;
    const started = performance.now();
    let consumed: { counters: PipelineCounters; stoppedAfterLine?: number };
    try {
      consumed = config.source.type === 'kafka' ? { counters: await consumeKafka(config, config.source, engine, sinks, io) } : await consumeLines(config, engine, sinks, io);
    } finally {
      stopWatching?.();
    }
    const seconds = (performance.now() - started) / 1000;
    return summarize(consumed.counters, engine.stats, engine.agentCount, seconds, sinkStats(sinks), consumed.stoppedAfterLine);
  } finally {
    await metricsExport.shutdown();
  }
}

async function consumeKafka(config: Config, source: KafkaSourceConfig, engine: Engine, sinks: AlertSink[], io: JobIo): Promise<PipelineCounters> {
  const job = new KafkaJob(source, engine, sinks, {
    maxEventBytes: config.max_event_bytes,
    maxFutureSkewMs: durationMs(config.max_future_skew),
    logger: io.logger,
    commitIntervalMs: source.commit_interval_ms,
  });
  const stopped = new Promise<void>((resolve) => {
    if (io.signal?.aborted) resolve();
    io.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  const stopPipelineMetrics = observePipeline(job.pipeline.counters, engine.stats);
  const stopKafkaMetrics = observeKafkaJob(job.stats);
  try {
    await job.start();
    // A consumer that kafkajs gave up on ends the run (exit 1) instead of idling.
    await Promise.race([stopped, job.failed]);
  } finally {
    await job.stop();
    stopPipelineMetrics();
    stopKafkaMetrics();
  }
  return job.pipeline.counters;
}

/** A file or standard input to its end, or until io.signal (then `stoppedAfterLine`, once the batch in flight is processed). */
async function consumeLines(config: Config, engine: Engine, sinks: AlertSink[], io: JobIo): Promise<{ counters: PipelineCounters; stoppedAfterLine?: number }> {
  const pipeline = new Pipeline(engine, {
    sinks,
    deadLetters: new JsonLinesDeadLetterSink(config.dead_letter.path),
    maxEventBytes: config.max_event_bytes,
    maxFutureSkewMs: durationMs(config.max_future_skew),
  });
  const stopMetrics = observePipeline(pipeline.counters, engine.stats);
  let stopped = false;
  let lastLine = 0;
  let delivering: Promise<unknown> | undefined;
  try {
    const path = config.source.type === 'file' ? config.source.path : '-';
    const stop = io.signal && { signal: io.signal, onStopped: () => (stopped = true) };
    for await (const batch of fileSource(path, config.max_event_bytes, io.stdin, stop)) {
      const processed = pipeline.processBatch(batch);
      const last = batch[batch.length - 1]?.position;
      if (last !== undefined && 'line' in last) lastLine = last.line;
      if ((await untilAborted(processed, io.signal)) !== ABORTED) continue;
      // Stopped while a sink holds the batch (its receiver down): closing gives the sinks their
      // drain timeout, then writes what they still hold to the rejected-alerts file.
      stopped = true;
      delivering = processed.catch(() => undefined);
      break;
    }
    if (stopped) io.logger.log('warn', `stopped by a signal: ${path === '-' ? 'standard input' : path} processed up to line ${lastLine}, nothing after it read`);
  } finally {
    await pipeline.close();
    // Settled by the close: its alerts were delivered or written to the rejected-alerts file.
    await delivering;
    stopMetrics();
  }
  return { counters: pipeline.counters, stoppedAfterLine: stopped ? lastLine : undefined };
}
