import type { Rejection } from '../events/native.js';
import { redactedLine, redactSecrets } from '../redaction.js';

/** Where a rejected input came from. */
export type SourcePosition =
  | { file: string; line: number }
  | { topic: string; partition: number; offset: string };

/** One rejected input, as written to the dead-letter destination. */
export interface DeadLetter {
  code: Rejection['code'];
  reason: string;
  field?: string;
  source: SourcePosition;
  /** The original text, cut at a bound and with credentials redacted. */
  original: string;
  original_bytes: number;
  truncated: boolean;
}

export const DEAD_LETTER_TEXT_LIMIT = 4096;

export function deadLetter(rejection: Rejection, source: SourcePosition, original: string, originalBytes: number): DeadLetter {
  // Redact before cutting: a cut inside a secret would hide it from the patterns. A source that
  // kept only a prefix of the line cut it already: its last word goes.
  const prefixOnly = originalBytes > Buffer.byteLength(original);
  const redacted = redactedLine(original, prefixOnly);
  const truncated = redacted.length > DEAD_LETTER_TEXT_LIMIT;
  return {
    code: rejection.code,
    reason: redactSecrets(rejection.reason),
    field: rejection.field,
    source,
    original: truncated ? redacted.slice(0, DEAD_LETTER_TEXT_LIMIT) : redacted,
    original_bytes: originalBytes,
    truncated: truncated || prefixOnly,
  };
}

/** A dead-letter destination: resolves once the records are durable. */
export interface DeadLetterSink {
  write(records: readonly DeadLetter[]): Promise<void>;
  close(): Promise<void>;
}
