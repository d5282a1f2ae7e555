import { isUtf8 } from 'node:buffer';
import type { IHeaders, KafkaMessage, Message, Producer } from 'kafkajs';
import type { DeadLetter, DeadLetterSink } from '../pipeline/dead-letter.js';
import { redactedLine, redactSecrets, withoutCutWord } from '../redaction.js';

/** Where the current batch's messages are, so a dead letter can carry the original bytes. */
export type MessageLookup = (partition: number, offset: string) => KafkaMessage | undefined;

/**
 * Most bytes of an original message a dead letter carries. The broker refuses record batches
 * above its `message.max.bytes` (1 MiB by default), and an oversized event may be larger than that
 * (its source topic may allow more): past this bound the value is cut and `dw-truncated` is set.
 */
export const DEAD_LETTER_VALUE_LIMIT = 900 * 1024;

/**
 * Most bytes of the original message's key a dead letter carries (keys are agent ids, at most
 * 1,024 characters in the contract): with the value's bound, the record stays within the broker's
 * limit whatever key the producer sent. Past it the key is cut and `dw-key-truncated` is set.
 */
export const DEAD_LETTER_KEY_LIMIT = 4 * 1024;

/** Most value bytes per produce request, so that many large dead letters do not make one batch too large. */
const SEND_BYTES = 900 * 1024;

/**
 * Rejected messages to the dead-letter topic: the original bytes (credentials redacted) and
 * headers for the reason, the code, the field and where the message came from.
 */
export class KafkaDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly producer: Producer,
    readonly topic: string,
    private readonly lookup: MessageLookup,
  ) {}

  async write(records: readonly DeadLetter[]): Promise<void> {
    const messages = records.map((record) => this.message(record));
    // Sent in order, in chunks of bounded size; resolves once every chunk is acknowledged.
    let chunk: Message[] = [];
    let bytes = 0;
    for (const message of messages) {
      const size = (message.value as Buffer).byteLength;
      if (chunk.length > 0 && bytes + size > SEND_BYTES) {
        await this.producer.send({ topic: this.topic, acks: -1, messages: chunk });
        chunk = [];
        bytes = 0;
      }
      chunk.push(message);
      bytes += size;
    }
    if (chunk.length > 0) await this.producer.send({ topic: this.topic, acks: -1, messages: chunk });
  }

  private message(record: DeadLetter): Message {
    const source = record.source;
    const origin = 'topic' in source ? this.lookup(source.partition, source.offset) : undefined;
    const headers: IHeaders = {
      'dw-code': record.code,
      'dw-reason': record.reason,
      ...(record.field ? { 'dw-field': record.field } : {}),
      ...('topic' in source
        ? { 'dw-source-topic': source.topic, 'dw-source-partition': String(source.partition), 'dw-source-offset': source.offset }
        : { 'dw-source-file': source.file, 'dw-source-line': String(source.line) }),
    };
    // A null value (a tombstone on the event topic) becomes an empty one: a dead letter is never a tombstone.
    const original: Buffer = origin ? (origin.value ?? Buffer.alloc(0)) : Buffer.from(record.original);
    // Cut before redaction, which then reads a bounded text, and after it: redaction can lengthen a value ("" becomes "[REDACTED]").
    // latin1 maps bytes one to one, so redaction keeps every other byte of the original as it was.
    const cut = original.byteLength > DEAD_LETTER_VALUE_LIMIT;
    const bytes = original.subarray(0, DEAD_LETTER_VALUE_LIMIT);
    const text = bytes.toString('latin1');
    // JSON escapes can hide a credential from the patterns (redactedLine reads such a value as JSON,
    // in UTF-8 when it is UTF-8: decoding other bytes would make each of them three, U+FFFD).
    const escaped = !cut && text.includes('\\');
    const encoding = escaped && isUtf8(bytes) ? 'utf8' : 'latin1';
    const read = encoding === 'utf8' ? bytes.toString('utf8') : text;
    const redacted = escaped ? redactedLine(read) : redactSecrets(read);
    const unchanged = redacted === read;
    const markTruncated = (): void => {
      headers['dw-truncated'] = 'true';
      headers['dw-original-bytes'] = String(original.byteLength);
    };
    if (cut || redacted.length > DEAD_LETTER_VALUE_LIMIT) markTruncated();
    const receivedKey = redactedKey(origin?.key ?? null);
    const keyTooLong = receivedKey !== null && Buffer.byteLength(receivedKey) > DEAD_LETTER_KEY_LIMIT;
    if (keyTooLong) headers['dw-key-truncated'] = 'true';
    const key = keyTooLong ? cutBytes(receivedKey, DEAD_LETTER_KEY_LIMIT) : receivedKey;
    if (!unchanged) headers['dw-redacted'] = 'true';
    // The cut may fall inside a credential: what it left of it goes too.
    const kept = cut ? withoutCutWord(redacted.slice(0, DEAD_LETTER_VALUE_LIMIT)) : redacted.slice(0, DEAD_LETTER_VALUE_LIMIT);
    if (unchanged && !cut) return { key, value: bytes, headers };
    const value = Buffer.from(kept, encoding);
    // Redaction may have lengthened a value near the limit: the bound is on bytes.
    if (value.byteLength <= DEAD_LETTER_VALUE_LIMIT) return { key, value, headers };
    markTruncated();
    return { key, value: cutBytes(value, DEAD_LETTER_VALUE_LIMIT), headers };
  }

  async close(): Promise<void> {}
}

/** The first `limit` bytes, less what the cut left of its last word (which may be the start of a credential). */
function cutBytes(data: Buffer | string, limit: number): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.from(withoutCutWord(bytes.subarray(0, limit).toString('latin1')), 'latin1');
}

/** The message key as received, unless it holds a credential (keys are agent ids, which producers choose). */
function redactedKey(key: Buffer | string | null): Buffer | string | null {
  if (key === null) return null;
  const text = typeof key === 'string' ? key : key.toString('latin1');
  const redacted = redactSecrets(text);
  return redacted === text ? key : Buffer.from(redacted, 'latin1');
}
