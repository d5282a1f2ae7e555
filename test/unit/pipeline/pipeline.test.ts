import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/alerts/alert.js';
import { configureDetector } from '../../../src/engine/configured-detector.js';
import { Engine } from '../../../src/engine/engine.js';
import { DEAD_LETTER_TEXT_LIMIT, deadLetter, type DeadLetter, type DeadLetterSink } from '../../../src/pipeline/dead-letter.js';
import { Pipeline, type SourceRecord } from '../../../src/pipeline/pipeline.js';
import type { AlertSink } from '../../../src/sinks/sink.js';
import { everyEvent, outOfScope, widen } from '../../fixtures/core/detectors.js';
import { at, rawToolUse } from '../../fixtures/core/events.js';

class MemorySink implements AlertSink {
  readonly batches: Alert[][] = [];
  closed = false;
  constructor(readonly name = 'memory', private readonly fail?: Error) {}
  async deliver(alerts: readonly Alert[]): Promise<void> {
    if (this.fail) throw this.fail;
    this.batches.push([...alerts]);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

class MemoryDeadLetters implements DeadLetterSink {
  readonly records: DeadLetter[] = [];
  writes = 0;
  closed = false;
  async write(records: readonly DeadLetter[]): Promise<void> {
    this.writes++;
    this.records.push(...records);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const NOW = new Date('2026-11-03T08:00:00.000Z');
const record = (value: string | Uint8Array, line: number, oversizedBytes?: number): SourceRecord => ({ value, position: { file: 'events.jsonl', line }, ...(oversizedBytes !== undefined ? { oversizedBytes } : {}) });

function setup(options: { mode?: 'alert' | 'dry-run'; sink?: MemorySink; maxEventBytes?: number; maxFutureSkewMs?: number } = {}) {
  const engine = new Engine([configureDetector(widen(outOfScope), { mode: options.mode ?? 'alert' }), configureDetector(widen(everyEvent))]);
  const sink = options.sink ?? new MemorySink();
  const deadLetters = new MemoryDeadLetters();
  const pipeline = new Pipeline(engine, { sinks: [sink], deadLetters, clock: () => NOW, maxEventBytes: options.maxEventBytes, maxFutureSkewMs: options.maxFutureSkewMs });
  return { engine, sink, deadLetters, pipeline };
}

describe('Pipeline.processBatch', () => {
  it('processes the valid records, dead-letters every invalid one with its position and reason, and goes on', async () => {
    const { engine, sink, deadLetters, pipeline } = setup();
    const valid = JSON.stringify(rawToolUse({ id: 'ok-1', time: at(0), system: 'hr-prod' }));
    const result = await pipeline.processBatch([
      record('{"id": "x",', 1),
      record(valid, 2),
      record(JSON.stringify(rawToolUse({ agent: {} })), 3),
      record(JSON.stringify(rawToolUse({ v: 2 })), 4),
      record(JSON.stringify(rawToolUse({ id: 'ok-2', time: at(1) })), 5),
      record('{}', 6),
    ]);
    expect(engine.stats.events).toBe(2);
    expect(deadLetters.records.map((d) => [d.source, d.code, d.field])).toEqual([
      [{ file: 'events.jsonl', line: 1 }, 'DW_EVENT_INVALID', undefined],
      [{ file: 'events.jsonl', line: 3 }, 'DW_EVENT_INVALID', 'agent.id'],
      [{ file: 'events.jsonl', line: 4 }, 'DW_EVENT_INVALID', 'v'],
      [{ file: 'events.jsonl', line: 6 }, 'DW_EVENT_INVALID', 'type'],
    ]);
    expect(deadLetters.records[0]!.reason).toMatch(/not JSON/);
    expect(deadLetters.records[0]!.original).toBe('{"id": "x",');
    expect(deadLetters.records[1]!.reason).toContain('agent.id');
    expect(deadLetters.writes).toBe(1);
    expect(pipeline.counters).toMatchObject({ records: 6, invalid: 4, invalidByCode: { DW_EVENT_INVALID: 4 } });
    expect(result.deadLetters).toHaveLength(4);
    expect(sink.batches).toHaveLength(1);
    expect(sink.batches[0]!.map((a) => a.event.id)).toEqual(['ok-1', 'ok-1', 'ok-2']);
    expect(sink.batches[0]!.every((a) => a.detected_at === NOW.toISOString())).toBe(true);
  });

  it('keeps the whole reason of a refused fingerprint in the dead letter, and only the raw token redacted', async () => {
    const { deadLetters, pipeline } = setup();
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFubmVyIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const line = JSON.stringify({ ...rawToolUse(), id: 'raw-jwt', token: jwt });
    await pipeline.processBatch([record(line, 1)]);
    const [letter] = deadLetters.records;
    expect(letter!.reason).toContain('never the credential itself: an optional lower-case prefix (sha256:) and 16 to 128 characters');
    expect(letter!.reason).toContain('looks like a raw JWT; send its fingerprint');
    expect(JSON.stringify(letter)).not.toContain(jwt);
  });

  it('dead-letters an event whose type or time is nested 5,000 deep (its reason once overflowed the stack), and goes on', async () => {
    const { engine, deadLetters, pipeline } = setup();
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const lines = [
      `{"id":"deep-1","time":1793614500000,"type":${deep},"agent":{"id":"a"}}`,
      `{"id":"deep-2","time":${deep},"type":"tool_use","agent":{"id":"a"},"tool":"t","system":"s","action":"read"}`,
      JSON.stringify(rawToolUse()),
    ];
    await pipeline.processBatch(lines.map((line, i) => record(line, i + 1)));
    expect(deadLetters.records.map((d) => [d.code, d.field])).toEqual([
      ['DW_EVENT_INVALID', 'type'],
      ['DW_EVENT_INVALID', 'time'],
    ]);
    expect(deadLetters.records[0]!.reason).toContain('got an array');
    expect(engine.stats.events).toBe(1);
  });

  it('dead-letters an oversized record from the source without decoding it', async () => {
    const { deadLetters, pipeline } = setup();
    await pipeline.processBatch([record('{"id":"big","pad":"xxxx', 7, 5_000_000)]);
    expect(deadLetters.records).toEqual([
      // The prefix the source kept loses the word it was cut in (it could be the start of a credential).
      expect.objectContaining({ code: 'DW_EVENT_TOO_LARGE', source: { file: 'events.jsonl', line: 7 }, original_bytes: 5_000_000, truncated: true, original: '{"id":"big","pad":"' }),
    ]);
    expect(deadLetters.records[0]!.reason).toContain('5000000');
  });

  it('applies maxEventBytes to lines the source passed whole', async () => {
    const { deadLetters, pipeline, engine } = setup({ maxEventBytes: 100 });
    const line = JSON.stringify(rawToolUse({ resource: 'r'.repeat(200) }));
    await pipeline.processBatch([record(line, 1)]);
    expect(engine.stats.events).toBe(0);
    expect(deadLetters.records[0]).toMatchObject({ code: 'DW_EVENT_TOO_LARGE', original_bytes: Buffer.byteLength(line) });
  });

  it('dead-letters an event timed more than max_future_skew ahead of the wall clock, naming time; its agent keeps alerting', async () => {
    const { engine, sink, deadLetters, pipeline } = setup();
    const ahead = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
    await pipeline.processBatch([
      record(JSON.stringify(rawToolUse({ id: 'future', time: '2099-01-01T00:00:00Z', system: 'hr-prod' })), 1),
      record(JSON.stringify(rawToolUse({ id: 'soon', time: ahead(3_600_000) })), 2),
      record(JSON.stringify(rawToolUse({ id: 'now-out', time: NOW.toISOString(), system: 'hr-prod' })), 3),
    ]);
    expect(deadLetters.records.map((letter) => [letter.field, (letter.source as { line: number }).line])).toEqual([['time', 1]]);
    expect(deadLetters.records[0]!.reason).toContain("more than 1d ahead of this host's clock");
    expect(engine.stats.events).toBe(2);
    expect(sink.batches.flat().map((alert) => alert.evidence[0])).toContain('now-out');
  });

  it('accepts any future time when max_future_skew is 0', async () => {
    const { engine, deadLetters, pipeline } = setup({ maxFutureSkewMs: 0 });
    await pipeline.processBatch([record(JSON.stringify(rawToolUse({ time: '2099-01-01T00:00:00Z' })), 1)]);
    expect(deadLetters.records).toHaveLength(0);
    expect(engine.stats.events).toBe(1);
  });

  it('dead-letters byte records that are not UTF-8', async () => {
    const { deadLetters, pipeline } = setup();
    await pipeline.processBatch([{ value: Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]), position: { topic: 'agent-events', partition: 3, offset: '42' } }]);
    expect(deadLetters.records).toEqual([
      expect.objectContaining({ code: 'DW_EVENT_INVALID', reason: 'not valid UTF-8', source: { topic: 'agent-events', partition: 3, offset: '42' }, original_bytes: 4 }),
    ]);
  });

  it('stamps detected_at on dry-run findings and never sends them', async () => {
    const { sink, pipeline } = setup({ mode: 'dry-run' });
    const result = await pipeline.processBatch([record(JSON.stringify(rawToolUse({ system: 'hr-prod', time: at(0) })), 1)]);
    expect(result.dryRun.map((a) => a.detector)).toEqual(['test-out-of-scope']);
    expect(result.dryRun[0]!.detected_at).toBe(NOW.toISOString());
    expect(sink.batches.flat().map((a) => a.detector)).toEqual(['test-every-event']);
  });

  it('calls no sink and writes no dead letter for an empty or clean batch', async () => {
    const { sink, deadLetters, pipeline } = setup();
    await pipeline.processBatch([]);
    expect(sink.batches).toEqual([]);
    expect(deadLetters.writes).toBe(0);
  });

  it('rejects the batch when a sink fails, so the source does not commit it', async () => {
    const { pipeline } = setup({ sink: new MemorySink('down', new Error('connection refused')) });
    await expect(pipeline.processBatch([record(JSON.stringify(rawToolUse()), 1)])).rejects.toThrow('connection refused');
  });

  it('closes the sinks and the dead letters', async () => {
    const { sink, deadLetters, pipeline } = setup();
    await pipeline.close();
    expect(sink.closed).toBe(true);
    expect(deadLetters.closed).toBe(true);
  });
});

describe('deadLetter', () => {
  it('cuts the original at a bound and says so', () => {
    const long = 'x'.repeat(DEAD_LETTER_TEXT_LIMIT + 100);
    const letter = deadLetter({ ok: false, code: 'DW_EVENT_INVALID', reason: 'not JSON' }, { file: 'f', line: 1 }, long, Buffer.byteLength(long));
    expect(letter.original).toHaveLength(DEAD_LETTER_TEXT_LIMIT);
    expect(letter.truncated).toBe(true);
    expect(letter.original_bytes).toBe(DEAD_LETTER_TEXT_LIMIT + 100);
    const short = deadLetter({ ok: false, code: 'DW_EVENT_INVALID', reason: 'r' }, { file: 'f', line: 1 }, '{}', 2);
    expect(short.truncated).toBe(false);
  });
});
