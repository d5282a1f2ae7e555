import { open, type FileHandle } from 'node:fs/promises';
import type { Alert } from '../alerts/alert.js';
import type { DeadLetter, DeadLetterSink } from '../pipeline/dead-letter.js';
import type { AlertSink } from './sink.js';

/** Appends JSON lines to a file; a batch is acknowledged once it is written and synced. */
class JsonLinesFile {
  private handle?: Promise<FileHandle>;

  constructor(readonly path: string) {}

  async append(items: readonly unknown[]): Promise<void> {
    if (items.length === 0) return;
    this.handle ??= open(this.path, 'a');
    const handle = await this.handle;
    let text = '';
    for (const item of items) text += JSON.stringify(item) + '\n';
    await handle.write(text);
    await handle.datasync();
  }

  async close(): Promise<void> {
    if (this.handle) await (await this.handle).close();
    this.handle = undefined;
  }
}

export class JsonLinesAlertSink implements AlertSink {
  private readonly file: JsonLinesFile;

  constructor(readonly name: string, path: string) {
    this.file = new JsonLinesFile(path);
  }

  deliver(alerts: readonly Alert[]): Promise<void> {
    return this.file.append(alerts);
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

  write(records: readonly DeadLetter[]): Promise<void> {
    return this.file.append(records);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
