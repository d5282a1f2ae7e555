import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface RotationPolicy {
  /** Rotate before a write would take the file past this size; absent: never rotate. */
  maxBytes?: number;
  /** Rotated files kept (`<path>.1` newest … `<path>.<maxFiles>` oldest); older ones are deleted. */
  maxFiles: number;
}

/**
 * An append-only file of lines with size-based rotation. `append` resolves once the lines are
 * written and synced (fdatasync), and a rotation's renames are synced (directory fsync) before the
 * new file is written. A single line larger than `maxBytes` still goes whole into a fresh file.
 */
export class RotatingFile {
  private handle?: FileHandle;
  private size = 0;
  private chain: Promise<void> = Promise.resolve();
  rotations = 0;

  constructor(
    readonly path: string,
    private readonly policy: RotationPolicy = { maxFiles: 0 },
  ) {}

  /** Appends lines (each without its newline); serialised with every other append. */
  append(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    const next = this.chain.then(() => this.write(lines));
    this.chain = next.catch(() => {});
    return next;
  }

  async close(): Promise<void> {
    await this.chain;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async ensureOpen(): Promise<FileHandle> {
    if (!this.handle) {
      this.handle = await open(this.path, 'a');
      this.size = (await this.handle.stat()).size;
    }
    return this.handle;
  }

  private async write(lines: readonly string[]): Promise<void> {
    const max = this.policy.maxBytes;
    let chunk = '';
    let chunkBytes = 0;
    await this.ensureOpen();
    for (const line of lines) {
      const text = line + '\n';
      const bytes = Buffer.byteLength(text);
      if (max !== undefined && this.size + chunkBytes + bytes > max && this.size + chunkBytes > 0) {
        await this.flush(chunk);
        chunk = '';
        chunkBytes = 0;
        await this.rotate();
      }
      chunk += text;
      chunkBytes += bytes;
    }
    await this.flush(chunk);
  }

  private async flush(text: string): Promise<void> {
    if (text === '') return;
    const handle = await this.ensureOpen();
    const bytes = Buffer.from(text);
    try {
      await handle.write(bytes);
      await handle.datasync();
    } catch (error) {
      // Leave no partial line behind for the retry to append to (the file is ours alone).
      await handle.truncate(this.size).catch(() => {});
      throw error;
    }
    this.size += bytes.length;
  }

  private async rotate(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
    const keep = this.policy.maxFiles;
    if (keep <= 0) {
      await rm(this.path, { force: true });
    } else {
      await rm(`${this.path}.${keep}`, { force: true });
      for (let i = keep - 1; i >= 1; i--) await renameIfExists(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      await rename(this.path, `${this.path}.1`);
    }
    await syncDirectory(dirname(this.path));
    this.rotations++;
    this.size = 0;
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

async function syncDirectory(path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // Not every platform lets a directory be opened or synced; the renames are still done.
  } finally {
    await handle?.close();
  }
}
