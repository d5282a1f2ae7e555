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
      // One line per entry, whatever the message holds: a log shipper takes each line for an entry.
      const line = `driftwatch ${level} ${message.replace(/\r\n|[\r\n\u2028\u2029]/g, ' \\n ')}${extra ? ' ' + extra : ''}`;
      write(`${new Date(now()).toISOString()} ${redactSecrets(line)}\n`);
    },
  };
}

export const silentLogger: Logger = { log() {} };
