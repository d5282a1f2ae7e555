import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { SourceRecord } from '../pipeline/pipeline.js';
import { ABORTED, untilAborted } from './until-aborted.js';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
/** How much of an oversized line is kept for its dead letter. */
const OVERSIZED_PREFIX_BYTES = 8192;
const IDLE = Symbol('idle');

export interface LineBatchOptions {
  /** Name reported in dead letters (file path, or `-` for standard input). */
  name: string;
  maxLineBytes: number;
  batchSize?: number;
  /** A partial batch is handed on when no more input arrived for this long (default 100 ms). */
  idleFlushMs?: number;
  /**
   * Stops reading (also while waiting for input): the batch being filled is handed on without the
   * rest of its chunk, then `onStopped`. A signal at the same moment as the end of the input may win.
   */
  signal?: AbortSignal;
  onStopped?: () => void;
}

/** The next chunk, or IDLE when none arrived within `ms`. */
async function nextOrIdle<T>(next: Promise<T>, ms: number): Promise<T | typeof IDLE> {
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<typeof IDLE>((resolve) => (timer = setTimeout(resolve, ms, IDLE)));
  try {
    return await Promise.race([next, idle]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Splits a byte stream into JSONL records, in batches. A line longer than `maxLineBytes` is never
 * held whole: only a prefix is kept and the record is marked oversized. Blank lines are skipped. A
 * line that is not valid UTF-8 is handed on as its bytes, to be rejected as such, never altered.
 * A batch is full at `batchSize` records, or handed on earlier when the stream stays open but idle
 * (a live stream at a low rate: `tail -f | driftwatch run`), so that its events are not held back.
 */
export async function* readLineBatches(stream: Readable, options: LineBatchOptions): AsyncGenerator<SourceRecord[]> {
  const { name, maxLineBytes } = options;
  const batchSize = options.batchSize ?? 1024;
  const idleFlushMs = options.idleFlushMs ?? 100;
  let batch: SourceRecord[] = [];
  let lineNumber = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let keptBytes = 0;

  const finishLine = (tail: Buffer): void => {
    lineNumber++;
    const totalBytes = pendingBytes + tail.length;
    let line: Buffer;
    if (totalBytes > maxLineBytes) {
      line = Buffer.concat([...pending, tail.subarray(0, OVERSIZED_PREFIX_BYTES)]).subarray(0, OVERSIZED_PREFIX_BYTES);
      batch.push({ value: line.toString('utf8'), position: { file: name, line: lineNumber }, oversizedBytes: totalBytes });
    } else {
      line = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
      let end = line.length;
      if (end > 0 && line[end - 1] === CARRIAGE_RETURN) end--;
      const text = line.toString('utf8', 0, end);
      const position = { file: name, line: lineNumber };
      // toString puts U+FFFD in place of bytes that are not UTF-8, which would alter the event; such a
      // line is handed on as its bytes, like a Kafka message, for decodeBytes to reject. Checked only
      // when a U+FFFD is there (it may also be written as such): the search costs next to nothing on
      // the common ASCII line, a second pass over every line would not.
      if (text.includes('\uFFFD') && !isUtf8(line.subarray(0, end))) batch.push({ value: Buffer.from(line.subarray(0, end)), position });
      else if (text.trim().length > 0) batch.push({ value: text, position });
    }
    pending = [];
    pendingBytes = 0;
    keptBytes = 0;
  };

  const holdPartial = (part: Buffer): void => {
    pendingBytes += part.length;
    if (pendingBytes <= maxLineBytes) {
      pending.push(Buffer.from(part));
      keptBytes += part.length;
      return;
    }
    // Oversized: from now on only the prefix for the dead letter is kept.
    if (keptBytes > OVERSIZED_PREFIX_BYTES) {
      pending = [Buffer.concat(pending).subarray(0, OVERSIZED_PREFIX_BYTES)];
      keptBytes = OVERSIZED_PREFIX_BYTES;
    }
    if (keptBytes < OVERSIZED_PREFIX_BYTES) {
      const piece = Buffer.from(part.subarray(0, OVERSIZED_PREFIX_BYTES - keptBytes));
      pending.push(piece);
      keptBytes += piece.length;
    }
  };

  const chunks: AsyncIterator<Buffer | string> = stream[Symbol.asyncIterator]();
  const signal = options.signal;
  let next: Promise<IteratorResult<Buffer | string>> | undefined;
  let ended = false;
  try {
    reading: for (;;) {
      next = chunks.next();
      let result = await untilAborted(batch.length > 0 ? nextOrIdle(next, idleFlushMs) : next, signal);
      if (result === IDLE) {
        yield batch;
        batch = [];
        result = await untilAborted(next, signal);
      }
      if (result === ABORTED) break;
      if (result.done) {
        ended = true;
        break;
      }
      const chunk = result.value;
      const buffer: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      let start = 0;
      let newline = buffer.indexOf(NEWLINE, start);
      while (newline !== -1) {
        finishLine(buffer.subarray(start, newline));
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
          if (signal?.aborted) break reading;
        }
        start = newline + 1;
        newline = buffer.indexOf(NEWLINE, start);
      }
      if (start < buffer.length) holdPartial(buffer.subarray(start));
    }
  } finally {
    // A consumer that stops early releases the stream, as `for await` did. Not by `chunks.return()`:
    // it would queue behind a read still waiting for input on a stream left open.
    if (!ended) {
      next?.catch(() => {});
      stream.destroy();
    }
  }
  // A last line without a newline (a line cut by the signal is not one).
  if (ended && pendingBytes > 0) finishLine(Buffer.alloc(0));
  if (batch.length > 0) yield batch;
  if (!ended) options.onStopped?.();
}
