import { constants } from 'node:fs';
import { access, lstat, mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
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
 *
 * A file deleted or replaced at the path since it was opened (logrotate's rename and create, an
 * operator's `rm`) is not written to any more: the lines go to the file at the path, created anew
 * when missing. A write that the disk takes only in part is carried on until it fails (ENOSPC,
 * EFBIG) or completes; a failure leaves the file as it was before the append.
 *
 * A path that is no regular file (a pipe, `/dev/stdout`, a terminal, `/dev/null`) is written to
 * and never synced (those refuse fdatasync: EINVAL), truncated or rotated. A symbolic link (such
 * as `/dev/stdout` itself, which leads to a regular file when standard output is redirected to
 * one) is written through and never rotated: renaming it would move the link, not the file.
 */
export class RotatingFile {
  private handle?: FileHandle;
  private regular = true;
  /** A regular file at the path itself, not through a link: rotation may rename it. */
  private rotatable = true;
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
      // Like `mkdir -p`: an output path is expected to work in a directory that does not exist yet.
      await mkdir(dirname(this.path), { recursive: true });
      this.handle = await open(this.path, 'a');
      const stats = await this.handle.stat();
      this.regular = stats.isFile();
      this.rotatable = this.regular && !(await lstat(this.path)).isSymbolicLink();
      this.size = this.regular ? stats.size : 0;
    }
    return this.handle;
  }

  private async write(lines: readonly string[]): Promise<void> {
    const max = this.policy.maxBytes;
    let chunk = '';
    let chunkBytes = 0;
    await this.reopenIfReplaced();
    await this.ensureOpen();
    for (const line of lines) {
      const text = line + '\n';
      const bytes = Buffer.byteLength(text);
      if (max !== undefined && this.rotatable && this.size + chunkBytes + bytes > max && this.size + chunkBytes > 0) {
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
      // A full disk or a file size limit first takes part of the bytes, then fails the next write.
      for (let written = 0; written < bytes.length; ) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
        if (bytesWritten === 0) throw new Error(`${this.path}: the write took no bytes`);
        written += bytesWritten;
      }
      if (this.regular) await handle.datasync();
    } catch (error) {
      // Leave no partial line behind for the retry to append to (the file is ours alone).
      if (this.regular) await handle.truncate(this.size).catch(() => {});
      throw error;
    }
    this.size += bytes.length;
  }

  /**
   * Closes the handle when the file at the path is no longer the one it writes to (deleted or
   * replaced); otherwise takes its size as it is (another tool may have truncated it: copytruncate).
   */
  private async reopenIfReplaced(): Promise<void> {
    const handle = this.handle;
    if (!handle || !this.regular) return;
    const [written, atPath] = await Promise.all([handle.stat(), stat(this.path).catch(() => undefined)]);
    if (atPath !== undefined && atPath.ino === written.ino && atPath.dev === written.dev) {
      this.size = written.size;
      return;
    }
    this.handle = undefined;
    await handle.close().catch(() => {});
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

/**
 * Checks at start-up that lines can be appended to `path`: makes its missing parent directories
 * and checks write permission, without creating the file. Rejects with the system error (EACCES,
 * EISDIR, ENOTDIR, EROFS…) when they cannot.
 */
export async function checkAppendable(path: string, { makeDirectory = true }: { makeDirectory?: boolean } = {}): Promise<void> {
  const directory = dirname(path);
  if (makeDirectory) await mkdir(directory, { recursive: true });
  else {
    // Nothing made: the nearest directory that exists must let the missing ones (or the file) be made.
    const existingDirectory = await nearestExisting(directory);
    if (existingDirectory !== directory) {
      if (!(await stat(existingDirectory)).isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${directory}'`), { code: 'ENOTDIR', path: directory });
      await access(existingDirectory, constants.W_OK);
      return;
    }
  }
  const existing = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing?.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, open '${path}'`), { code: 'EISDIR', path });
  await access(existing ? path : directory, constants.W_OK);
}

/** `path` or its nearest ancestor that exists. */
async function nearestExisting(path: string): Promise<string> {
  for (let current = path; ; current = dirname(current)) {
    const found = await stat(current).then(
      () => true,
      () => false,
    );
    if (found || dirname(current) === current) return current;
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
