import { open } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import type { Alert } from '../alerts/alert.js';
import { DriftwatchError } from '../errors.js';
import type { DeadLetter, DeadLetterSink } from '../pipeline/dead-letter.js';
import { renderLine, type FormatName } from './formats/index.js';
import type { RejectedAlert, RejectedAlertSink } from './rejected.js';
import { checkAppendable, RotatingFile, type RotationPolicy } from './rotating-file.js';
import { renderEach, sinkFailure, type Transport } from './transport.js';

export interface FileTransportOptions {
  path: string;
  format: FormatName;
  rotation?: RotationPolicy;
}

/**
 * Alerts as lines of a file (JSONL for the JSON formats, one CEF line each for `cef`), with
 * size-based rotation; a batch is acknowledged once written and synced.
 */
export class FileTransport implements Transport {
  readonly destination: string;
  private readonly file: RotatingFile;
  private readonly render = { hostname: osHostname() };

  constructor(private readonly options: FileTransportOptions) {
    this.destination = `file://${options.path}`;
    this.file = new RotatingFile(options.path, options.rotation);
  }

  counters(): Readonly<Record<string, number>> {
    return { rotations: this.file.rotations };
  }

  async send(alerts: readonly Alert[]): Promise<void> {
    const lines = renderEach(alerts, (alert) => renderLine(this.options.format, alert, this.render));
    try {
      await this.file.append(lines);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A full disk may recover and a vanished directory is made again; a permission problem will not without an
      // operator, but alerts must wait for that operator rather than be set aside: every file error is retriable.
      // A path that is unusable from the start is refused before the run instead (checkOutputFile).
      throw sinkFailure(`writing ${this.options.path} failed: ${code ?? (error as Error).message}`, { retriable: true, cause: error });
    }
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/**
 * Checks at start-up that an output file can be written (its missing directories are made), so that
 * a path that can never work ends the run at once instead of being retried forever. `what` names
 * the file in the error: a sink, a config field. With `create`, the file is made (empty) if missing;
 * with `makeNothing` (`run --check`), neither it nor a directory is made, only checked.
 */
export async function checkOutputFile(path: string, what: string, options: { create?: boolean; makeNothing?: boolean } = {}): Promise<void> {
  try {
    await checkAppendable(path, { makeDirectory: !options.makeNothing });
    // An alerts file exists from the start, empty while there are none: `tail -f` and `cat` work on it at once.
    if (options.create && !options.makeNothing) await (await open(path, 'a')).close();
  } catch (error) {
    throw cannotWrite(what, path, error);
  }
}

/** An output file that cannot be written, named by `what` (a sink, the dead letters) and its path. */
function cannotWrite(what: string, path: string, error: unknown): DriftwatchError {
  return new DriftwatchError('DW_SINK_FAILED', `${what}: cannot write ${path}: ${(error as Error).message}`, { cause: error });
}

/** Appends JSON lines to a file; a batch is acknowledged once it is written and synced. */
class JsonLinesFile {
  private readonly file: RotatingFile;

  constructor(readonly path: string) {
    this.file = new RotatingFile(path);
  }

  append(items: readonly unknown[]): Promise<void> {
    return this.file.append(items.map((item) => JSON.stringify(item)));
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

export class JsonLinesDeadLetterSink implements DeadLetterSink {
  private readonly file: JsonLinesFile;

  constructor(path: string) {
    this.file = new JsonLinesFile(path);
  }

  async write(records: readonly DeadLetter[]): Promise<void> {
    try {
      await this.file.append(records);
    } catch (error) {
      throw cannotWrite('dead letters', this.file.path, error);
    }
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** The rejected-alerts file (`delivery.rejected_path`), shared by every sink that names the same path. */
export class JsonLinesRejectedAlertSink implements RejectedAlertSink {
  private readonly file: JsonLinesFile;

  constructor(readonly path: string) {
    this.file = new JsonLinesFile(path);
  }

  write(records: readonly RejectedAlert[]): Promise<void> {
    return this.file.append(records);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
