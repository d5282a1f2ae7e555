import { PassThrough } from 'node:stream';
import { parseConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import type { DeadLetterSink } from '../../../src/pipeline/dead-letter.js';
import { createConfiguredSinks } from '../../../src/sinks/create.js';
import type { AlertSink } from '../../../src/sinks/sink.js';
import { stderrLogger, type Logger } from '../../../src/telemetry/log.js';

/** The sinks a YAML config (without `registry:`) describes, built the way `driftwatch run` builds them. */
export function sinksFromYaml(yaml: string, env: NodeJS.ProcessEnv = {}, logger?: Logger): { config: Config; sinks: AlertSink[] } {
  const parsed = parseConfig(`registry: registry.yaml\n${yaml}`, 'test.yaml', env);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.line} ${e.field}: ${e.message}`).join('\n'));
  const config = parsed.config;
  const sinks = createConfiguredSinks(config, new PassThrough(), logger);
  return { config, sinks };
}

/** The real stderr logger (format and redaction included), writing into a string. */
export function capturedStderrLogger(): Logger & { text(): string } {
  let text = '';
  const logger = stderrLogger('debug', (line) => {
    text += line;
  });
  return { log: logger.log, text: () => text };
}

export const noDeadLetters: DeadLetterSink = {
  async write() {},
  async close() {},
};
