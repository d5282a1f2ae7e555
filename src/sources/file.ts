import { constants, createReadStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { DriftwatchError, type ErrorCode } from '../errors.js';
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

/**
 * Refuses an input file that cannot be read (missing, a directory, no permission) before any work
 * begins, with a coded error naming it; standard input (`-`) passes.
 */
export async function checkReadable(path: string, what: string, code: ErrorCode = 'DW_SOURCE_FAILED'): Promise<void> {
  if (path === '-') return;
  try {
    if ((await stat(path)).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    await access(path, constants.R_OK);
  } catch (error) {
    throw new DriftwatchError(code, `${what}: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}
