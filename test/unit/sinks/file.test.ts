import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkOutputFile, FileTransport, JsonLinesDeadLetterSink, JsonLinesRejectedAlertSink } from '../../../src/sinks/file.js';
import { ReliableSink } from '../../../src/sinks/reliable.js';
import { RotatingFile } from '../../../src/sinks/rotating-file.js';
import { alert, alerts } from './support.js';

describe('file sink', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftwatch-file-sink-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rotates by size, keeps max_files rotated files, and loses no line', async () => {
    const path = join(dir, 'out.log');
    const file = new RotatingFile(path, { maxBytes: 100, maxFiles: 2 });
    const lines = Array.from({ length: 20 }, (_, i) => `line-${String(i).padStart(2, '0')}-${'x'.repeat(20)}`); // 29 bytes + LF
    for (let i = 0; i < lines.length; i += 4) await file.append(lines.slice(i, i + 4));
    await file.close();
    expect((await readdir(dir)).sort()).toEqual(['out.log', 'out.log.1', 'out.log.2']);
    const read = async (name: string) => (await readFile(join(dir, name), 'utf8')).split('\n').filter(Boolean);
    const kept = [...(await read('out.log.2')), ...(await read('out.log.1')), ...(await read('out.log'))];
    // Each file holds at most 3 lines (90 bytes ≤ 100); the three kept files hold the last lines in order.
    for (const name of ['out.log', 'out.log.1', 'out.log.2']) expect(Buffer.byteLength(await readFile(join(dir, name)))).toBeLessThanOrEqual(100);
    expect(kept).toEqual(lines.slice(lines.length - kept.length));
    expect(file.rotations).toBeGreaterThanOrEqual(5);
  });

  it('writes to the file at its path after that file was deleted, or renamed away and created anew (logrotate)', async () => {
    const path = join(dir, 'alerts.jsonl');
    const file = new RotatingFile(path);
    await file.append(['one']);
    await rm(path);
    await file.append(['two']);
    expect(await readFile(path, 'utf8')).toBe('two\n');
    await rename(path, `${path}.1`);
    await writeFile(path, '');
    await file.append(['three']);
    await file.close();
    expect(await readFile(path, 'utf8')).toBe('three\n');
    expect(await readFile(`${path}.1`, 'utf8')).toBe('two\n');
  });

  it('takes the size of a file truncated in place by another tool (logrotate copytruncate) before it writes', async () => {
    const path = join(dir, 'alerts.jsonl');
    const file = new RotatingFile(path, { maxBytes: 40, maxFiles: 1 });
    await file.append(['a'.repeat(30)]);
    await writeFile(path, '');
    // Counted from 30 bytes, this line would rotate the file first; the file is empty.
    await file.append(['b'.repeat(20)]);
    await file.close();
    expect(await readFile(path, 'utf8')).toBe(`${'b'.repeat(20)}\n`);
    expect(file.rotations).toBe(0);
  });

  it('does not acknowledge lines that a file size limit cut short, and leaves only whole lines', () => {
    // A process limited to 64 KiB files: the disk takes part of a 120 KB append, then refuses the rest (EFBIG).
    const path = join(dir, 'limited.jsonl');
    const script = [
      `import { RotatingFile } from ${JSON.stringify(new URL('../../../src/sinks/rotating-file.ts', import.meta.url).pathname)};`,
      `const file = new RotatingFile(${JSON.stringify(path)});`,
      `await file.append(['first']);`,
      `const lines = Array.from({ length: 100 }, (_, i) => String(i).padStart(4, '0') + 'x'.repeat(1200));`,
      `try { await file.append(lines); console.log('acknowledged'); } catch (error) { console.log('refused ' + error.code); }`,
    ].join('\n');
    const output = execFileSync('bash', ['-c', 'ulimit -f 64 && exec node --import tsx --input-type=module -e "$0"', script], { encoding: 'utf8' });
    expect(output.trim()).toBe('refused EFBIG');
    return readFile(path, 'utf8').then((text) => expect(text).toBe('first\n'));
  });

  it('writes to a pipe (as to /dev/stdout) once, without syncing or rotating it', async () => {
    const path = join(dir, 'pipe');
    execFileSync('mkfifo', [path]);
    const received = new Promise<string>((resolve, reject) => {
      let text = '';
      createReadStream(path, 'utf8').on('data', (chunk) => (text += chunk)).on('end', () => resolve(text)).on('error', reject);
    });
    const file = new RotatingFile(path, { maxBytes: 10, maxFiles: 2 });
    await file.append(['first line, longer than max_bytes', 'second']);
    await file.append(['third']);
    await file.close();
    expect(await received).toBe('first line, longer than max_bytes\nsecond\nthird\n');
    expect(await readdir(dir)).toEqual(['pipe']);
  });

  it('writes through a symbolic link (as /dev/stdout redirected to a file) without rotating it: renaming would move the link', async () => {
    const target = join(dir, 'out.log');
    const link = join(dir, 'stdout-link');
    await writeFile(target, '');
    await symlink(target, link);
    const file = new RotatingFile(link, { maxBytes: 40, maxFiles: 2 });
    const lines = Array.from({ length: 5 }, (_, i) => `line-${i}-${'x'.repeat(20)}`);
    for (const line of lines) await file.append([line]);
    await file.close();
    expect((await readdir(dir)).sort()).toEqual(['out.log', 'stdout-link']);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect((await readFile(target, 'utf8')).split('\n').filter(Boolean)).toEqual(lines);
  });

  it('writes a line larger than max_bytes whole, into a file of its own', async () => {
    const path = join(dir, 'big.log');
    const file = new RotatingFile(path, { maxBytes: 10, maxFiles: 3 });
    await file.append(['short', 'a'.repeat(50), 'tail']);
    await file.close();
    expect(await readFile(`${path}.2`, 'utf8')).toBe('short\n');
    expect(await readFile(`${path}.1`, 'utf8')).toBe(`${'a'.repeat(50)}\n`);
    expect(await readFile(path, 'utf8')).toBe('tail\n');
  });

  it('delivers alerts as lines in the configured format', async () => {
    const path = join(dir, 'alerts.cef');
    const sink = new ReliableSink('archive', new FileTransport({ path, format: 'cef' }), { rejected: new JsonLinesRejectedAlertSink(join(dir, 'rejected.jsonl')) });
    expect(await sink.deliver([alert(1), alert(2)])).toEqual({ delivered: 2, rejected: 0 });
    await sink.close();
    const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^CEF:0\|/);
    // The host driftwatch runs on, as docs/formats.md maps it.
    for (const line of lines) expect(line).toContain(` dvchost=${hostname()}`);
    const json = join(dir, 'alerts.jsonl');
    const jsonSink = new ReliableSink('j', new FileTransport({ path: json, format: 'json' }), { rejected: new JsonLinesRejectedAlertSink(join(dir, 'rejected.jsonl')) });
    await jsonSink.deliver(alerts(1, 3));
    await jsonSink.close();
    expect((await readFile(json, 'utf8')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['dw-0001', 'dw-0002', 'dw-0003']);
  });

  it('refuses an alert its format cannot render (to the rejected-alerts file) instead of retrying its batch for ever; the others are written', async () => {
    const path = join(dir, 'render.cef');
    const rejectedPath = join(dir, 'render-rejected.jsonl');
    const sink = new ReliableSink('archive', new FileTransport({ path, format: 'cef' }), { rejected: new JsonLinesRejectedAlertSink(rejectedPath), retry: { initialMs: 1, maxMs: 1 } });
    const broken = { ...alert(2), title: undefined } as unknown as ReturnType<typeof alert>;
    expect(await sink.deliver([alert(1), broken, alert(3)])).toEqual({ delivered: 2, rejected: 1 });
    await sink.close();
    expect((await readFile(path, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2);
    const [record] = (await readFile(rejectedPath, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { reason: string; alert: { id: string } });
    expect(record!.alert.id).toBe(broken.id);
    expect(record!.reason).toMatch(new RegExp(`^alert ${broken.id} cannot be rendered: `));
  });

  it('makes the missing parent directories of its path when it opens, like mkdir -p', async () => {
    const path = join(dir, 'not/yet/there/alerts.jsonl');
    const sink = new ReliableSink('archive', new FileTransport({ path, format: 'json' }), { rejected: new JsonLinesRejectedAlertSink(join(dir, 'rejected.jsonl')) });
    expect(await sink.deliver([alert(1)])).toEqual({ delivered: 1, rejected: 0 });
    await sink.close();
    expect((await readFile(path, 'utf8')).split('\n').filter(Boolean)).toHaveLength(1);
    const dead = new JsonLinesDeadLetterSink(join(dir, 'dead/letters.jsonl'));
    await dead.write([{ code: 'DW_EVENT_INVALID', reason: 'r', source: { file: '-', line: 1 }, original: 'x', original_bytes: 1, truncated: false }]);
    await dead.close();
    expect(await readFile(join(dir, 'dead/letters.jsonl'), 'utf8')).toContain('DW_EVENT_INVALID');
  });

  it('checkOutputFile makes the directories but not the file, and refuses a directory or a path under a file with DW_SINK_FAILED', async () => {
    const fresh = join(dir, 'a/b/out.jsonl');
    await checkOutputFile(fresh, 'sink "archive"');
    expect(await readdir(join(dir, 'a/b'))).toEqual([]);
    await mkdir(join(dir, 'taken'));
    await expect(checkOutputFile(join(dir, 'taken'), 'sink "archive"')).rejects.toMatchObject({ code: 'DW_SINK_FAILED', message: expect.stringContaining(`sink "archive": cannot write ${join(dir, 'taken')}: EISDIR`) });
    await writeFile(join(dir, 'plain'), 'x');
    await expect(checkOutputFile(join(dir, 'plain/sub/out.jsonl'), 'dead letters')).rejects.toMatchObject({ code: 'DW_SINK_FAILED', message: expect.stringContaining('dead letters: cannot write') });
  });

  it('a dead-letter write that fails is a DW_SINK_FAILED error naming the path', async () => {
    const path = join(dir, 'dead-dir');
    await mkdir(path);
    const dead = new JsonLinesDeadLetterSink(path);
    await expect(dead.write([{ code: 'DW_EVENT_INVALID', reason: 'r', source: { file: '-', line: 1 }, original: 'x', original_bytes: 1, truncated: false }])).rejects.toMatchObject({
      code: 'DW_SINK_FAILED',
      message: expect.stringContaining(`dead letters: cannot write ${path}`),
    });
    await dead.close();
  });
});
