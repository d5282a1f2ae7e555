import { isSecretName, REDACTED, redactSecrets } from '../redaction.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Plain `time driftwatch level message key=value` lines on stderr (time in UTC, RFC 3339), with credentials redacted. */
export function stderrLogger(
  minimum: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line),
  now: () => number = Date.now,
): Logger {
  return {
    log(level, message, fields) {
      if (LEVEL_RANK[level] < LEVEL_RANK[minimum]) return;
      const extra = fields
        ? Object.entries(fields)
            .map(([key, value]) => `${key}=${isSecretName(key) ? JSON.stringify(REDACTED) : JSON.stringify(value ?? null)}`)
            .join(' ')
        : '';
      write(`${new Date(now()).toISOString()} ${redactSecrets(`driftwatch ${level} ${message}${extra ? ' ' + extra : ''}`)}\n`);
    },
  };
}

export const silentLogger: Logger = { log() {} };
