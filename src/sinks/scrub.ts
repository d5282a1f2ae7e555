import { redactSecrets, REDACTED } from '../redaction.js';
import type { Logger } from '../telemetry/log.js';

/**
 * Removes the given secret values (HEC token, webhook key, ...) and credential-looking text from
 * a string. Secrets shorter than 4 characters are ignored, so that a typo'd one-letter "secret"
 * does not blank out every log line.
 */
export function scrubber(secrets: readonly (string | undefined)[]): (text: string) => string {
  const plain = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  // Also the JSON-escaped spelling, for secrets that reach text inside a JSON document.
  const values = [...new Set([...plain, ...plain.map((s) => JSON.stringify(s).slice(1, -1))])].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of values) out = out.split(secret).join(REDACTED);
    return redactSecrets(out);
  };
}

/** A logger that scrubs the message and every field (rendered as JSON) before passing them on. */
export function scrubbingLogger(logger: Logger, scrub: (text: string) => string): Logger {
  return {
    log(level, message, fields) {
      const clean = fields
        ? Object.fromEntries(
            Object.entries(fields).map(([key, value]) => {
              if (typeof value === 'string') return [key, scrub(value)];
              if (value === undefined || typeof value === 'number' || typeof value === 'boolean' || value === null) return [key, value];
              return [key, JSON.parse(scrub(JSON.stringify(value))) as unknown];
            }),
          )
        : undefined;
      logger.log(level, scrub(message), clean);
    },
  };
}
