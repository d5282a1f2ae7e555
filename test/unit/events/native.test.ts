import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeBytes, decodeLine, decodeValue } from '../../../src/events/native.js';
import { rawAccessDenied, rawTokenIssued, rawToolUse } from '../../fixtures/core/events.js';

const line = (value: unknown) => JSON.stringify(value);

function rejected(result: ReturnType<typeof decodeLine>) {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.event)}`);
  return result;
}

afterEach(() => vi.restoreAllMocks());

describe('decodeLine', () => {
  it('decodes a valid event of each type and derives timeMs', () => {
    for (const raw of [rawToolUse({ time: '2026-11-02T13:00:00+01:00' }), rawTokenIssued(), rawAccessDenied({ time: 1_793_620_800_000 })]) {
      const result = decodeLine(line(raw));
      expect(result.ok).toBe(true);
      if (result.ok) {
        expect(result.event.type).toBe(raw.type);
        expect(result.event.timeMs).toBe(1_793_620_800_000);
      }
    }
  });

  it('refuses epoch seconds as the time, naming the field and the likely mistake (they would date the event in January 1970)', () => {
    const result = rejected(decodeLine(line(rawToolUse({ time: 1_793_620_800 }))));
    expect(result.code).toBe('DW_EVENT_INVALID');
    expect(result.field).toBe('time');
    expect(result.reason).toMatch(/epoch seconds/);
    const earliest = decodeLine(line(rawToolUse({ time: 100_000_000_000 })));
    expect(earliest.ok && earliest.event.timeMs).toBe(100_000_000_000);
    expect(decodeLine(line(rawToolUse({ time: 99_999_999_999 }))).ok).toBe(false);
  });

  it('keeps unknown extra fields (top level and inside agent)', () => {
    const result = decodeLine(line(rawToolUse({ trace_id: 't-1', agent: { id: 'a', pod: { name: 'p' } } })));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect((result.event as unknown as Record<string, unknown>).trace_id).toBe('t-1');
      expect((result.event.agent as Record<string, unknown>).pod).toEqual({ name: 'p' });
    }
  });

  it('rejects malformed JSON as DW_EVENT_INVALID "not JSON"', () => {
    for (const text of ['{"id": "x",', '{id: 1}', 'not json at all', '{"a":1}}', "{'a': 1}"]) {
      const result = rejected(decodeLine(text));
      expect(result.code).toBe('DW_EVENT_INVALID');
      expect(result.reason).toMatch(/^not JSON/);
    }
  });

  it('rejects binary garbage', () => {
    const garbage = Buffer.from([0x00, 0xff, 0xfe, 0x01, 0x7b, 0x80, 0x9c, 0x22]).toString('latin1');
    const result = rejected(decodeLine(garbage));
    expect(result.code).toBe('DW_EVENT_INVALID');
    expect(result.reason).toMatch(/not JSON/);
  });

  it('rejects JSON that is not an object', () => {
    for (const text of ['null', '[1,2]', '"tool_use"', '42', 'true']) {
      const result = rejected(decodeLine(text));
      expect(result.code).toBe('DW_EVENT_INVALID');
      expect(result.reason).toMatch(/expected object/);
    }
  });

  it('rejects an empty object, naming the type field', () => {
    const result = rejected(decodeLine('{}'));
    expect(result.code).toBe('DW_EVENT_INVALID');
    expect(result.field).toBe('type');
    expect(result.reason).toContain('type');
  });

  it('rejects a missing agent.id and names agent.id', () => {
    const result = rejected(decodeLine(line(rawToolUse({ agent: { session: 's' } }))));
    expect(result.code).toBe('DW_EVENT_INVALID');
    expect(result.field).toBe('agent.id');
    expect(result.reason).toContain('agent.id');
  });

  it('rejects an unknown contract version and names v', () => {
    const result = rejected(decodeLine(line(rawToolUse({ v: 2 }))));
    expect(result.field).toBe('v');
    expect(result.reason).toMatch(/^v: /);
  });

  it.each([
    ['bytes', { bytes: 'lots' }],
    ['time', { time: '2026-11-02T12:00:00' }],
    ['action', { action: 'steal' }],
    ['tool', { tool: 42 }],
    ['chain.1', { chain: ['alice', 7] }],
    ['token', { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' }],
    ['outcome', { outcome: null }],
  ])('names the wrong-typed field %s', (field, overrides) => {
    const result = rejected(decodeLine(line(rawToolUse(overrides))));
    expect(result.code).toBe('DW_EVENT_INVALID');
    expect(result.field).toBe(field);
    expect(result.reason).toContain(`${field}: `);
  });

  it.each([
    ['a GitHub token', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'],
    ['an OpenAI key', 'sk-proj-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c'],
    ['a Slack bot token', 'xoxb-123456789012-1234567890123-abcdefABCDEF'],
    ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['a Stripe secret key behind an algorithm prefix', 'sha256:sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
  ])('refuses %s where a fingerprint belongs, naming the field', (_name, token) => {
    const used = rejected(decodeLine(line(rawToolUse({ token }))));
    expect(used.field).toBe('token');
    expect(used.reason).toContain('raw credential');
    const issued = rejected(decodeLine(line(rawTokenIssued({ token: { fingerprint: token, issuer: 'https://idp.example' } }))));
    expect(issued.field).toBe('token.fingerprint');
  });

  it('lists every problem in the reason, each with its field', () => {
    const result = rejected(decodeLine(line(rawToolUse({ id: '', system: 3, bytes: -1 }))));
    expect(result.reason).toContain('id: ');
    expect(result.reason).toContain('system: ');
    expect(result.reason).toContain('bytes: ');
  });

  it('with no type or an unknown one, says which types there are and still names the problems of the common fields', () => {
    const missing = rejected(decodeLine('{"v":1,"id":"x","time":"yesterday","agent":{"id":""}}'));
    expect(missing.field).toBe('type');
    expect(missing.reason).toBe('type: must be one of tool_use, token_issued, access_denied (missing); time: must be an RFC 3339 date-time with a zone (Z or ±hh:mm); agent.id: Too small: expected string to have >=1 characters');
    expect(rejected(decodeLine('{"v":1,"id":"x","time":"2026-11-02T10:00:00Z","type":"tool_call","agent":{"id":"a"}}')).reason).toBe('type: must be one of tool_use, token_issued, access_denied (got "tool_call")');
  });

  it('says what form a fingerprint takes when an honest digest is written in another (an upper-case prefix, standard base64)', () => {
    for (const token of ['SHA256:9f86d081884c7d659a2feaa0c55ad015', 'sha256:n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=']) {
      const result = rejected(decodeLine(line({ ...rawToolUse({}), token })));
      expect(result.field).toBe('token');
      expect(result.reason).toContain('an optional lower-case prefix (sha256:) and 16 to 128 characters of hex or base64url');
    }
  });

  it('says what a time must be when it is neither a date-time nor whole epoch milliseconds', () => {
    for (const [time, got] of [['1793614500000.5', '1793614500000.5'], ['true', 'true'], ['{"at":1}', '{"at":1}']]) {
      const result = rejected(decodeLine(line({ ...rawToolUse({}), time: JSON.parse(time!) })));
      expect(result.reason, time).toBe(`time: must be an RFC 3339 date-time with a zone (Z or ±hh:mm) or epoch milliseconds, a whole number (got ${got})`);
    }
    // Too large for a double: JSON.parse gives Infinity, which JSON would show as null.
    const huge = rejected(decodeLine(line({ ...rawToolUse({}), time: 0 }).replace('"time":0', '"time":1e400')));
    expect(huge.reason).toBe('time: must be an RFC 3339 date-time with a zone (Z or ±hh:mm) or epoch milliseconds, a whole number (got Infinity)');
  });

  it('names the nested token field of a token_issued event', () => {
    const result = rejected(decodeLine(line(rawTokenIssued({ token: { fingerprint: 'short' } }))));
    expect(result.field).toBe('token.fingerprint');
  });

  it('rejects an oversized line as DW_EVENT_TOO_LARGE without parsing it', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const big = line(rawToolUse({ resource: 'r'.repeat(500) }));
    const result = rejected(decodeLine(big, 200));
    expect(result.code).toBe('DW_EVENT_TOO_LARGE');
    expect(result.reason).toContain('200');
    expect(parse).not.toHaveBeenCalled();
  });

  it('measures the limit in UTF-8 bytes, not characters', () => {
    const event = line(rawToolUse({ resource: 'é'.repeat(60) }));
    const bytes = Buffer.byteLength(event);
    expect(event.length).toBeLessThan(bytes);
    expect(decodeLine(event, bytes).ok).toBe(true);
    expect(rejected(decodeLine(event, bytes - 1)).code).toBe('DW_EVENT_TOO_LARGE');
    expect(rejected(decodeLine(event, event.length)).code).toBe('DW_EVENT_TOO_LARGE');
  });

  it('accepts through decodeValue exactly what the contract accepts, with timeMs', () => {
    const result = decodeValue(rawAccessDenied({ time: '2026-11-02T12:00:00.000Z' }));
    expect(result.ok && result.event.timeMs).toBe(Date.parse('2026-11-02T12:00:00.000Z'));
  });
});

describe('decodeBytes', () => {
  it('decodes valid UTF-8 JSON', () => {
    const result = decodeBytes(Buffer.from(line(rawToolUse({ resource: 'café ☕' }))));
    expect(result.ok).toBe(true);
  });

  it('rejects invalid UTF-8 before JSON', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const valid = Buffer.from(line(rawToolUse({ resource: 'XX' })));
    const at = valid.indexOf('XX');
    valid[at] = 0xc3; // a lead byte followed by an ASCII byte: invalid
    const result = rejected(decodeBytes(valid));
    expect(result.code).toBe('DW_EVENT_INVALID');
    expect(result.reason).toMatch(/UTF-8/);
    expect(parse).not.toHaveBeenCalled();
  });

  it('rejects an empty value (a Kafka tombstone) as such, not as broken JSON', () => {
    const result = rejected(decodeBytes(new Uint8Array(0)));
    expect(result.code).toBe('DW_EVENT_INVALID');
    expect(result.reason).toMatch(/^empty value \(a tombstone/);
  });

  it('rejects a truncated multi-byte character and overlong encodings', () => {
    expect(rejected(decodeBytes(Uint8Array.from([0x7b, 0x22, 0xe2, 0x82]))).reason).toMatch(/UTF-8/);
    expect(rejected(decodeBytes(Uint8Array.from([0x7b, 0xc0, 0xaf, 0x7d]))).reason).toMatch(/UTF-8/);
  });

  it('rejects oversized bytes with their size, before decoding', () => {
    const bytes = Buffer.from(line(rawToolUse({ resource: 'r'.repeat(300) })));
    const result = rejected(decodeBytes(bytes, 100));
    expect(result.code).toBe('DW_EVENT_TOO_LARGE');
    expect(result.reason).toContain(String(bytes.byteLength));
  });
});
