import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { readLineBatches } from './lines.js';
import type { SourceRecord } from '../pipeline/pipeline.js';

/** JSONL events from a file, or from standard input when the path is `-`; `stop` ends the reading early. */
export function fileSource(
  path: string,
  maxLineBytes: number,
  stdin: Readable = process.stdin,
  stop?: { signal: AbortSignal; onStopped: () => void },
): AsyncGenerator<SourceRecord[]> {
  const stream = path === '-' ? stdin : createReadStream(path, { highWaterMark: 256 * 1024 });
  return readLineBatches(stream, { name: path, maxLineBytes, signal: stop?.signal, onStopped: stop?.onStopped });
}
