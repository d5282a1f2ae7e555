import { PassThrough, Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../../src/pipeline/pipeline.js';
import { decodeLine, decodeRecordValue } from '../../../src/events/native.js';
import { readLineBatches } from '../../../src/sources/lines.js';

/** What readLineBatches promises to keep of an oversized line (OVERSIZED_PREFIX_BYTES in lines.ts). */
const PREFIX_BYTES = 8192;

async function readAll(chunks: readonly (Buffer | string)[], maxLineBytes: number, batchSize?: number): Promise<{ records: SourceRecord[]; batches: number }> {
  const records: SourceRecord[] = [];
  let batches = 0;
  // objectMode so that each chunk arrives exactly as cut (no re-buffering), empty ones too.
  const stream = Readable.from(chunks, { objectMode: true });
  for await (const batch of readLineBatches(stream, { name: 'input.jsonl', maxLineBytes, batchSize })) {
    expect(batch.length).toBeGreaterThan(0);
    batches++;
    records.push(...batch);
  }
  return { records, batches };
}

/** Cuts bytes at the given positions (sorted, deduplicated), inside multi-byte characters too. */
function cut(bytes: Buffer, positions: readonly number[]): Buffer[] {
  const points = [...new Set(positions.map((p) => Math.min(bytes.length, Math.max(0, p))))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

const lineOf = (record: SourceRecord) => ('line' in record.position ? record.position.line : -1);

describe('readLineBatches', () => {
  it('reads nothing from empty input', async () => {
    expect((await readAll([], 1024)).records).toEqual([]);
    expect((await readAll([Buffer.alloc(0)], 1024)).records).toEqual([]);
  });

  it('strips CRLF, reads a last line without newline, skips blank lines but counts them', async () => {
    const text = '{"a":1}\r\n\r\n   \n\t\n{"b":2}\n\n{"c":3}';
    const { records } = await readAll([Buffer.from(text)], 1024);
    expect(records.map((r) => [lineOf(r), r.value])).toEqual([
      [1, '{"a":1}'],
      [5, '{"b":2}'],
      [7, '{"c":3}'],
    ]);
    expect(records.every((r) => r.oversizedBytes === undefined)).toBe(true);
    expect(records[0]!.position).toEqual({ file: 'input.jsonl', line: 1 });
  });

  it('reads a last line without newline that ends in CR', async () => {
    const { records } = await readAll(['x\r\ny\r'], 1024);
    expect(records.map((r) => r.value)).toEqual(['x', 'y']);
  });

  it('accepts string chunks', async () => {
    const { records } = await readAll(['{"a":', '1}\n{"b"', ':2}\n'], 1024);
    expect(records.map((r) => r.value)).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('yields batches of at most batchSize records, in order', async () => {
    const text = Array.from({ length: 10 }, (_, i) => `{"n":${i}}`).join('\n') + '\n';
    const { records, batches } = await readAll([Buffer.from(text)], 1024, 3);
    expect(batches).toBe(4);
    expect(records.map(lineOf)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('reports an oversized line spanning many chunks with its byte count and a bounded prefix, and reads on', async () => {
    const big = `{"id":"big","pad":"${'€'.repeat(400_000)}"}`; // 1.2 MB, 3-byte characters
    const bigBytes = Buffer.byteLength(big);
    const text = Buffer.from(`{"first":1}\n${big}\r\n{"after":1}\n{"after":2}`);
    const chunks = cut(text, Array.from({ length: Math.ceil(text.length / 4093) }, (_, i) => i * 4093 + 1)); // odd size: cuts inside €
    expect(chunks.length).toBeGreaterThan(100);
    const { records } = await readAll(chunks, 1000);
    expect(records.map(lineOf)).toEqual([1, 2, 3, 4]);
    const oversized = records[1]!;
    expect(oversized.oversizedBytes).toBe(bigBytes + 1); // the line's bytes, its CR included
    const prefix = oversized.value as string;
    expect(big.startsWith(prefix.replace(/\uFFFD+$/, ''))).toBe(true);
    expect(Buffer.byteLength(prefix)).toBeLessThanOrEqual(PREFIX_BYTES + 3);
    expect(Buffer.byteLength(prefix)).toBeGreaterThanOrEqual(PREFIX_BYTES - 3);
    expect(records.slice(2).map((r) => r.value)).toEqual(['{"after":1}', '{"after":2}']);
    expect(records[2]!.oversizedBytes).toBeUndefined();
  });

  it('keeps at most the dead-letter prefix of an oversized line also when the limit is above that prefix', async () => {
    // Limit 64 KiB, line 200 KiB fed in 16 KiB chunks: only a prefix may be kept for the dead letter.
    const big = Buffer.from(`{"pad":"${'x'.repeat(200 * 1024)}"}`);
    const chunks = cut(Buffer.concat([big, Buffer.from('\n{"ok":1}\n')]), Array.from({ length: 20 }, (_, i) => (i + 1) * 16 * 1024));
    const { records } = await readAll(chunks, 64 * 1024);
    expect(records[0]!.oversizedBytes).toBe(big.length);
    expect(Buffer.byteLength(records[0]!.value as string)).toBeLessThanOrEqual(PREFIX_BYTES);
    expect(records[1]!.value).toBe('{"ok":1}');
  });

  it('does not report a line of exactly the limit as oversized', async () => {
    const exact = 'y'.repeat(50);
    const { records } = await readAll([Buffer.from(`${exact}\n${exact}y\n`)], 50);
    expect(records[0]).toMatchObject({ value: exact });
    expect(records[0]!.oversizedBytes).toBeUndefined();
    expect(records[1]!.oversizedBytes).toBe(51);
  });

  it('a UTF-8 byte order mark at the start of a file does not cost the first event', async () => {
    const event = '{"v":1,"id":"b1","time":"2026-11-02T10:00:00Z","type":"tool_use","agent":{"id":"a"},"tool":"t","system":"s","action":"read"}';
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    // Split inside the mark too, as a stream may.
    const { records } = await readAll([bom.subarray(0, 2), Buffer.concat([bom.subarray(2), Buffer.from(`${event}\n${event}\n`)])], 1024);
    expect(records).toHaveLength(2);
    expect(decodeLine(records[0]!.value as string).ok).toBe(true);
    expect(decodeLine(records[1]!.value as string).ok).toBe(true);
  });

  it('hands on a line with an invalid byte as its bytes, rejected as not valid UTF-8 like a Kafka message, and reads on', async () => {
    const bad = Buffer.concat([Buffer.from('{"tool":"pay'), Buffer.from([0xff]), Buffer.from('roll"}')]);
    const { records } = await readAll([Buffer.concat([Buffer.from('{"a":1}\n'), bad, Buffer.from('\r\n{"b":2}\n')])], 1024);
    expect(records.map(lineOf)).toEqual([1, 2, 3]);
    expect(records.map((r) => r.value)).toEqual(['{"a":1}', bad, '{"b":2}']);
    expect(decodeRecordValue(records[1]!.value)).toEqual({ ok: false, code: 'DW_EVENT_INVALID', reason: 'not valid UTF-8' });
  });

  it('keeps a U+FFFD that is written in the input as UTF-8: only bad bytes refuse a line', async () => {
    const { records } = await readAll([Buffer.from('{"tool":"\uFFFD"}\n')], 1024);
    expect(records.map((r) => r.value)).toEqual(['{"tool":"\uFFFD"}']);
  });

  it('decodes a multi-byte character cut between two chunks', async () => {
    const euro = Buffer.from('€'); // 3 bytes
    const { records } = await readAll([Buffer.concat([Buffer.from('{"tool":"'), euro.subarray(0, 1)]), Buffer.concat([euro.subarray(1), Buffer.from('"}\n')])], 1024);
    expect(records.map((r) => r.value)).toEqual(['{"tool":"€"}']);
  });

  it('an oversized last line without newline is reported too', async () => {
    const { records } = await readAll([Buffer.from('{"a":1}\n'), Buffer.from('z'.repeat(300))], 100);
    expect(records.map(lineOf)).toEqual([1, 2]);
    expect(records[1]!.oversizedBytes).toBe(300);
  });

  // The property: whatever the chunking (cuts inside multi-byte characters included), the records
  // are the non-blank lines with their numbers; oversized lines are reported with their size.
  const piece = fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, '')) },
    { weight: 2, arbitrary: fc.constantFrom('', ' ', '\t', '  \t ') },
    { weight: 2, arbitrary: fc.constantFrom('é€😀', '日本語のテキスト', '{"a":"😀😀😀"}') },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 12_000 }).map((n) => '€😀x'.repeat(Math.ceil(n / 8)).slice(0, n)) },
  );
  const input = fc.record({
    lines: fc.array(fc.record({ text: piece, crlf: fc.boolean() }), { maxLength: 30 }),
    finalNewline: fc.boolean(),
    cuts: fc.array(fc.nat(), { maxLength: 40 }),
    maxLineBytes: fc.integer({ min: 8, max: 400 }),
  });

  it('gives the same records for every chunking, with the right line numbers', async () => {
    await fc.assert(
      fc.asyncProperty(input, async ({ lines, finalNewline, cuts, maxLineBytes }) => {
        const rendered = lines.map(({ text, crlf }) => text + (crlf ? '\r' : ''));
        let text = rendered.join('\n');
        if (finalNewline && rendered.length > 0) text += '\n';
        const bytes = Buffer.from(text);
        const chunks = cut(bytes, cuts.map((c) => c % (bytes.length + 1)));
        const { records } = await readAll(chunks, maxLineBytes);

        // The model: split on \n; a last empty piece after a final newline is not a line.
        const pieces = text.split('\n');
        if (text.endsWith('\n') || text === '') pieces.pop();
        const expected: { line: number; value?: string; oversized?: number }[] = [];
        pieces.forEach((raw, index) => {
          const size = Buffer.byteLength(raw);
          if (size > maxLineBytes) expected.push({ line: index + 1, oversized: size });
          else {
            const value = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
            if (value.trim().length > 0) expected.push({ line: index + 1, value });
          }
        });

        expect(records.map(lineOf)).toEqual(expected.map((e) => e.line));
        records.forEach((record, i) => {
          const want = expected[i]!;
          if (want.oversized !== undefined) {
            expect(record.oversizedBytes).toBe(want.oversized);
            const prefix = (record.value as string).replace(/\uFFFD+$/, '');
            expect(pieces[want.line - 1]!.startsWith(prefix)).toBe(true);
            expect(Buffer.byteLength(record.value as string)).toBeLessThanOrEqual(Math.max(PREFIX_BYTES, maxLineBytes) + 3);
          } else {
            expect(record.oversizedBytes).toBeUndefined();
            expect(record.value).toBe(want.value);
          }
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('readLineBatches on a stream left open', () => {
  it('hands on a partial batch once no line arrived for a while, and still fills batches from a fast stream', async () => {
    const input = new PassThrough();
    const batches = readLineBatches(input, { name: '-', maxLineBytes: 1024, batchSize: 1024, idleFlushMs: 50 });
    input.write('{"n":1}\n{"n":2}\n');
    input.write('{"n":3}\n');
    const started = Date.now();
    const first = await batches.next();
    expect(Date.now() - started).toBeLessThan(1000);
    expect((first.value as SourceRecord[]).map((r) => r.value)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);

    // A burst faster than the idle time makes full batches.
    input.write(Array.from({ length: 5 }, (_, i) => `{"n":${i + 4}}\n`).join(''));
    const fast = readLineBatches(Readable.from([Array.from({ length: 10 }, (_, i) => `{"n":${i}}\n`).join('')]), { name: 'x', maxLineBytes: 1024, batchSize: 4, idleFlushMs: 50 });
    const sizes: number[] = [];
    for await (const batch of fast) sizes.push(batch.length);
    expect(sizes).toEqual([4, 4, 2]);

    const second = await batches.next();
    expect((second.value as SourceRecord[]).map(lineOf)).toEqual([4, 5, 6, 7, 8]);
    input.end('{"n":9}');
    expect(((await batches.next()).value as SourceRecord[]).map(lineOf)).toEqual([9]);
    expect((await batches.next()).done).toBe(true);
  });

  it('with the default idle time, lines of a stream left open are handed on within a second', async () => {
    const input = new PassThrough();
    const batches = readLineBatches(input, { name: '-', maxLineBytes: 1024 });
    input.write('{"n":1}\n{"n":2}\n{"n":3}\n');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, 1000, 'timeout'));
    const first = await Promise.race([batches.next(), timeout]);
    expect(first).not.toBe('timeout');
    expect(((first as IteratorResult<SourceRecord[]>).value as SourceRecord[]).map(lineOf)).toEqual([1, 2, 3]);
    await batches.return(undefined);
    expect(input.destroyed).toBe(true);
  });

  it('a signal stops the reading of a stream left open: complete lines are handed on, a cut line is not, then onStopped', async () => {
    const input = new PassThrough();
    const stop = new AbortController();
    let stopped = 0;
    const batches = readLineBatches(input, { name: '-', maxLineBytes: 1024, idleFlushMs: 60_000, signal: stop.signal, onStopped: () => stopped++ });
    input.write('{"n":1}\n{"n":2}\n{"n":');
    const first = batches.next();
    setTimeout(() => stop.abort(), 20);
    expect(((await first).value as SourceRecord[]).map(lineOf)).toEqual([1, 2]);
    expect(stopped).toBe(0);
    expect((await batches.next()).done).toBe(true);
    expect(stopped).toBe(1);
    expect(input.destroyed).toBe(true);
  });

  it('a signal stops also between the batches of one chunk: no batch is handed on after it', async () => {
    const stop = new AbortController();
    let stopped = 0;
    const batches = readLineBatches(Readable.from([Array.from({ length: 10 }, (_, i) => `{"n":${i + 1}}\n`).join('')]), { name: 'x', maxLineBytes: 1024, batchSize: 2, signal: stop.signal, onStopped: () => stopped++ });
    expect(((await batches.next()).value as SourceRecord[]).map(lineOf)).toEqual([1, 2]);
    stop.abort();
    expect((await batches.next()).done).toBe(true);
    expect(stopped).toBe(1);
  });

  it('a stream read to its end is not stopped, whatever the signal does afterwards', async () => {
    const stop = new AbortController();
    let stopped = 0;
    const records: number[] = [];
    for await (const batch of readLineBatches(Readable.from(['{"n":1}\n{"n":2}']), { name: 'x', maxLineBytes: 1024, signal: stop.signal, onStopped: () => stopped++ })) records.push(...batch.map(lineOf));
    stop.abort();
    expect(records).toEqual([1, 2]);
    expect(stopped).toBe(0);
  });

  it('with a signal that never aborts, chunks already read are not kept (a long run would run out of memory)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const early: WeakRef<Buffer>[] = [];
    async function* chunks() {
      for (let i = 0; i < 200; i++) {
        const chunk = Buffer.from(`${JSON.stringify({ n: i, pad: 'x'.repeat(1000) })}\n`.repeat(64));
        if (i < 20) early.push(new WeakRef(chunk));
        yield chunk;
      }
    }
    const stop = new AbortController();
    let records = 0;
    for await (const batch of readLineBatches(Readable.from(chunks()), { name: 'x', maxLineBytes: 4096, batchSize: 64, signal: stop.signal })) {
      records += batch.length;
      if (records === 150 * 64) {
        await new Promise((resolve) => setImmediate(resolve));
        gc();
        expect(early.filter((ref) => ref.deref() !== undefined).length).toBe(0);
      }
    }
    expect(records).toBe(200 * 64);
  });
});
