import type { Readable, Writable } from 'node:stream';
import type { Config } from '../config/schema.js';
import { Engine } from '../engine/engine.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { loadDetectors } from '../plugins/load.js';
import { selectDetectors } from '../plugins/select.js';
import { loadRegistry } from '../registry/registry.js';
import { watchRegistry } from '../registry/watch.js';
import { createSinks } from '../sinks/create.js';
import { JsonLinesDeadLetterSink } from '../sinks/file.js';
import { fileSource } from '../sources/file.js';
import type { Logger } from '../telemetry/log.js';
import { summarize, type RunSummary } from './summary.js';

export interface JobIo {
  stdin: Readable;
  stdout: Writable;
  logger: Logger;
  /** Reload the registry when its file changes (on for long runs). */
  watch?: boolean;
}

/** Builds the engine from the config. */
export async function buildEngine(config: Config, logger: Logger): Promise<Engine> {
  const [registry, available] = await Promise.all([loadRegistry(config.registry), loadDetectors(config.detectors.directories)]);
  for (const warning of registry.warnings) logger.log('warn', `registry: ${warning.message}`, { file: warning.file, line: warning.line });
  const detectors = selectDetectors(available, config.detectors.maturity, config.detectors.settings);
  return new Engine(detectors, {
    registry,
    onDetectorError: ({ detector, agentId, eventId, phase, error }) =>
      logger.log('error', 'detector failed; event goes on to the other detectors', {
        code: 'DW_DETECTOR_FAILED',
        detector,
        agent: agentId,
        event: eventId,
        phase,
        error: error instanceof Error ? error.message : String(error),
      }),
  });
}

/** Runs the configured source through the pipeline to its end. */
export async function runJob(config: Config, io: JobIo): Promise<RunSummary> {
  const engine = await buildEngine(config, io.logger);
  const pipeline = new Pipeline(engine, {
    sinks: createSinks(config.sinks, io.stdout),
    deadLetters: new JsonLinesDeadLetterSink(config.dead_letter.path),
    maxEventBytes: config.max_event_bytes,
  });
  const stopWatching = io.watch ? watchRegistry(config.registry, (registry) => engine.setRegistry(registry), io.logger) : undefined;
  const started = performance.now();
  try {
    const path = config.source.type === 'file' ? config.source.path : '-';
    for await (const batch of fileSource(path, config.max_event_bytes, io.stdin)) {
      await pipeline.processBatch(batch);
    }
  } finally {
    stopWatching?.();
    await pipeline.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return summarize(pipeline.counters, engine.stats, engine.agentCount, seconds);
}
