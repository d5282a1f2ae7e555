/**
 * The hand-written hot-path validator (acceptEvent) and the zod contract (eventSchema) must accept
 * exactly the same inputs. Generated valid events of each type, and mutations of them, are given to
 * both; any disagreement is a drift between the two and fails here with the counterexample.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIONS, KNOWN_CREDENTIAL_PATTERN, MAX_CHAIN_LENGTH, MAX_FIELD_LENGTH, MAX_SCOPES, OUTCOMES, eventSchema } from '../../../src/events/contract.js';
import { acceptEvent } from '../../../src/events/validate.js';
import { MAX_EVENT_TIME_MS, MIN_EPOCH_MS, parseEventTime } from '../../../src/events/time.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const RUNS = 400;

// ---- generators of valid parts -------------------------------------------------------------

const shortText = fc.string({ minLength: 1, maxLength: 24, unit: 'grapheme' });
/** Text that is valid for the contract, sometimes at its exact length limit. */
const text = fc.oneof(
  { weight: 8, arbitrary: shortText },
  { weight: 1, arbitrary: fc.constant('x'.repeat(MAX_FIELD_LENGTH)) },
  { weight: 1, arbitrary: fc.constant(' ') },
);

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** RFC 3339 strings in the shapes the contract allows: Z/z/offset, T/t/space, 0–9 fraction digits. */
const rfc3339 = fc
  .record({
    ms: fc.integer({ min: Date.parse('1970-01-02T00:00:00Z'), max: Date.parse('2999-12-30T00:00:00Z') }),
    sep: fc.constantFrom('T', 't', ' '),
    fraction: fc.constantFrom('', '.1', '.123', '.123456', '.123456789'),
    zone: fc.constantFrom('Z', 'z', '+00:00', '-05:00', '+14:00', '+05:30'),
  })
  .map(({ ms, sep, fraction, zone }) => {
    const d = new Date(ms);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}${sep}${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${fraction}${zone}`;
  });

const epochMs = fc.oneof(fc.integer({ min: MIN_EPOCH_MS, max: 4_102_444_800_000 }), fc.constantFrom(MIN_EPOCH_MS, MAX_EVENT_TIME_MS));
const eventTime = fc.oneof(rfc3339, epochMs);

const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'.split('');
const fingerprint = fc
  .record({
    prefix: fc.option(fc.constantFrom('sha256:', 'sha1:', 'blake2b-256:', 'x5t:'), { nil: undefined }),
    digest: fc.string({ unit: fc.constantFrom(...base64url), minLength: 16, maxLength: 128 }),
  })
  .filter(({ digest }) => !digest.startsWith('eyJ') && !KNOWN_CREDENTIAL_PATTERN.test(digest))
  .map(({ prefix, digest }) => `${prefix ?? ''}${digest}`);

const amount = fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true }));

const unknownKey = fc.string({ minLength: 1, maxLength: 12 }).filter((key) => !KNOWN_KEYS.has(key) && key !== '__proto__');
const KNOWN_KEYS = new Set([
  'v', 'id', 'time', 'timeMs', 'type', 'agent', 'principal', 'chain', 'tool', 'system', 'action', 'resource', 'bytes',
  'records', 'outcome', 'approval', 'token', 'policy', 'engine', 'reason', 'fingerprint', 'issuer', 'audience', 'scopes',
  'ttl_s', 'grant', 'task', 'instance', 'session',
]);
const extras = fc.dictionary(unknownKey, fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>, { maxKeys: 3 });

/** Optional fields: each either absent or valid. */
function optional<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arbitrary, { nil: undefined, freq: 2 });
}

function compact(record: Record<string, unknown>): JsonObject {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as JsonObject;
}

const agent = fc
  .record({ id: text, instance: optional(text), session: optional(text), extra: extras })
  .map(({ extra, ...fields }) => ({ ...extra, ...compact(fields) }));

const common = fc.record({
  v: fc.option(fc.constant(1), { nil: undefined }),
  id: text,
  time: eventTime,
  agent,
  principal: optional(text),
  chain: optional(fc.array(text, { maxLength: MAX_CHAIN_LENGTH })),
});

const toolUse = fc
  .record({
    common,
    extra: extras,
    tool: text,
    system: text,
    action: fc.constantFrom(...ACTIONS),
    resource: optional(text),
    bytes: optional(amount),
    records: optional(amount),
    outcome: optional(fc.constantFrom(...OUTCOMES)),
    approval: optional(text),
    token: optional(fingerprint),
  })
  .map(({ common, extra, ...fields }) => ({ ...extra, ...compact(common), type: 'tool_use', ...compact(fields) }) as JsonObject);

const tokenIssued = fc
  .record({
    common,
    extra: extras,
    token: fc
      .record({
        fingerprint,
        issuer: optional(text),
        audience: optional(text),
        scopes: optional(fc.array(text, { maxLength: MAX_SCOPES })),
        ttl_s: optional(fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e10, noNaN: true, noDefaultInfinity: true }))),
        grant: optional(fc.constantFrom('client_credentials', 'token_exchange', 'refresh_token', 'urn:custom')),
        task: optional(text),
        extra: extras,
      })
      .map(({ extra, ...fields }) => ({ ...extra, ...compact(fields) })),
  })
  .map(({ common, extra, token }) => ({ ...extra, ...compact(common), type: 'token_issued', token }) as JsonObject);

const accessDenied = fc
  .record({
    common,
    extra: extras,
    system: text,
    action: optional(text),
    tool: optional(text),
    policy: optional(text),
    engine: optional(fc.constantFrom('opa', 'cedar')),
    reason: optional(text),
  })
  .map(({ common, extra, ...fields }) => ({ ...extra, ...compact(common), type: 'access_denied', ...compact(fields) }) as JsonObject);

const validEvent = fc.oneof(toolUse, tokenIssued, accessDenied);

// ---- mutations --------------------------------------------------------------------------------

/** Every path of a JSON value (objects and arrays), deepest included. */
function pathsOf(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const paths: (string | number)[][] = [];
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      paths.push([...prefix, index]);
      paths.push(...pathsOf(item, [...prefix, index]));
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      paths.push([...prefix, key]);
      paths.push(...pathsOf(item, [...prefix, key]));
    }
  }
  return paths;
}

function parentOf(root: Json, path: readonly (string | number)[]): { parent: Json; key: string | number } | undefined {
  let node: Json = root;
  for (let i = 0; i < path.length - 1; i++) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, Json>)[path[i]!] as Json;
  }
  if (node === null || typeof node !== 'object') return undefined;
  return { parent: node, key: path[path.length - 1]! };
}

function setAt(root: JsonObject, path: readonly (string | number)[], value: Json | undefined): JsonObject {
  const copy = structuredClone(root);
  const found = parentOf(copy, path);
  if (!found) return copy;
  const parent = found.parent as Record<string | number, Json>;
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(Number(found.key), 1);
    else delete parent[found.key];
  } else {
    parent[found.key] = value;
  }
  return copy;
}

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJpbnZvaWNlLWJvdCJ9.c2lnbmF0dXJlLXZhbHVlLWhlcmU';

/** Values that are wrong for some field or other: types, emptiness, length, enums, times, signs. */
const nastyValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null, true, false, 0, -1, -0.5, 1.5, 2, '', ' ', '0', '1', [], {}, ['x'], [''], { id: 'x' },
    'x'.repeat(MAX_FIELD_LENGTH + 1), 'x'.repeat(MAX_FIELD_LENGTH),
    'tool_use', 'token_issued', 'access_denied', 'TOOL_USE', 'read', 'READ', 'steal', 'success', 'failure',
    // times
    '2026-11-02', '2026-11-02T12:00:00', '2026-11-02T12:00:00+0100', '2026-11-02T12:00Z', '2026-13-02T12:00:00Z',
    '2026-11-02T12:00:00.1234567890Z', 'Mon, 02 Nov 2026 12:00:00 GMT', '1793620800000', '2026-11-02T12:00:00.000Z ',
    Number.MAX_SAFE_INTEGER + 2, Number.MAX_SAFE_INTEGER, MAX_EVENT_TIME_MS + 1, 1.7e308, -1000, 10_000_000_001,
    // credentials
    JWT, 'eyJhbGciOiJub25lIn0abcdefgh', 'sha256:abc', 'abcdef0123456789', 'Bearer abcdefghijklmnopqrstuvwxyz',
    'sha256:0123456789abcdef0123', 'UPPER:0123456789abcdef0123', 'x'.repeat(129),
    Array.from({ length: MAX_CHAIN_LENGTH + 1 }, (_, i) => `a${i}`),
    Array.from({ length: MAX_CHAIN_LENGTH }, (_, i) => `a${i}`),
    Array.from({ length: MAX_SCOPES + 1 }, (_, i) => `s${i}`),
  ),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

const FIELD_SLOTS = [
  ['v'], ['id'], ['time'], ['type'], ['agent'], ['agent', 'id'], ['agent', 'instance'], ['agent', 'session'],
  ['principal'], ['chain'], ['chain', 0], ['tool'], ['system'], ['action'], ['resource'], ['bytes'], ['records'],
  ['outcome'], ['approval'], ['token'], ['token', 'fingerprint'], ['token', 'issuer'], ['token', 'audience'],
  ['token', 'scopes'], ['token', 'scopes', 0], ['token', 'ttl_s'], ['token', 'grant'], ['token', 'task'],
  ['policy'], ['engine'], ['reason'],
] as const;

/** A valid event with one to three mutations: a field dropped, set to a nasty value, or a nested extra added. */
const mutatedEvent = fc
  .tuple(
    validEvent,
    fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }),
        fc.record({ kind: fc.constant('set' as const), pick: fc.nat(), value: nastyValue }),
        fc.record({ kind: fc.constant('slot' as const), slot: fc.constantFrom(...FIELD_SLOTS), value: nastyValue }),
        fc.record({ kind: fc.constant('unslot' as const), slot: fc.constantFrom(...FIELD_SLOTS) }),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([event, mutations]) => {
    let current: JsonObject = event;
    for (const mutation of mutations) {
      if (mutation.kind === 'slot') current = setAt(current, mutation.slot, mutation.value);
      else if (mutation.kind === 'unslot') current = setAt(current, mutation.slot, undefined);
      else {
        const paths = pathsOf(current);
        if (paths.length === 0) continue;
        const path = paths[mutation.pick % paths.length]!;
        current = setAt(current, path, mutation.kind === 'drop' ? undefined : mutation.value);
      }
    }
    return current;
  });

// ---- the property -----------------------------------------------------------------------------

function verdicts(value: unknown): { hot: boolean; zod: boolean } {
  // acceptEvent sets timeMs on what it accepts: give each validator its own copy.
  const hot = acceptEvent(structuredClone(value)) !== undefined;
  const zod = eventSchema.safeParse(structuredClone(value)).success;
  return { hot, zod };
}

function agree(value: unknown): void {
  const { hot, zod } = verdicts(value);
  expect({ hot, zod, value }).toEqual({ hot: zod, zod, value });
}

describe('acceptEvent agrees with eventSchema', () => {
  it('accepts every generated valid event of each type, as the schema does, and sets timeMs', () => {
    fc.assert(
      fc.property(validEvent, (event) => {
        const { hot, zod } = verdicts(event);
        expect(zod).toBe(true);
        expect(hot).toBe(true);
        const accepted = acceptEvent(structuredClone(event))!;
        const expected = typeof event.time === 'number' ? event.time : Date.parse(event.time as string);
        expect(accepted.timeMs).toBe(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it('gives the same verdict on mutated events (dropped fields, wrong types, bad enums, times, lengths, nulls)', () => {
    fc.assert(fc.property(mutatedEvent, agree), { numRuns: RUNS * 5 });
  });

  it('gives the same verdict on mutated events after a JSON round trip (what a decoder sees)', () => {
    fc.assert(
      fc.property(mutatedEvent, (event) => agree(JSON.parse(JSON.stringify(event)))),
      { numRuns: RUNS * 2 },
    );
  });

  it('gives the same verdict on arbitrary JSON values', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 3 }), agree), { numRuns: RUNS });
  });

  // Named cases from the contract, so a regression names the rule it broke.
  const valid = {
    v: 1,
    id: 'e1',
    time: '2026-11-02T12:00:00Z',
    type: 'tool_use',
    agent: { id: 'invoice-bot' },
    tool: 'erp.read_invoices',
    system: 'erp-prod',
    action: 'read',
  } satisfies JsonObject;
  const token = {
    v: 1,
    id: 't1',
    time: 1_793_620_800_000,
    type: 'token_issued',
    agent: { id: 'invoice-bot' },
    token: { fingerprint: 'sha256:0123456789abcdef0123' },
  } satisfies JsonObject;
  const named: [string, JsonObject, boolean][] = [
    ['a minimal tool_use', valid, true],
    ['a minimal token_issued with epoch ms', token, true],
    ['v omitted (defaults to 1)', (({ v: _, ...rest }) => rest)(valid), true],
    ['v: 2', { ...valid, v: 2 }, false],
    ['v: "1"', { ...valid, v: '1' }, false],
    ['v: null', { ...valid, v: null }, false],
    ['id missing', (({ id: _, ...rest }) => rest)(valid), false],
    ['id empty', { ...valid, id: '' }, false],
    ['id over-long', { ...valid, id: 'x'.repeat(MAX_FIELD_LENGTH + 1) }, false],
    ['id at the limit', { ...valid, id: 'x'.repeat(MAX_FIELD_LENGTH) }, true],
    // The limit counts characters (code points), as zod does: one outside the BMP is two UTF-16 units.
    ['id of 513 characters outside the BMP (1,026 UTF-16 units)', { ...valid, id: '\u{1D7D8}'.repeat(513) }, true],
    ['id of MAX_FIELD_LENGTH characters outside the BMP', { ...valid, id: '\u{1D7D8}'.repeat(MAX_FIELD_LENGTH) }, true],
    ['id of MAX_FIELD_LENGTH + 1 characters outside the BMP', { ...valid, id: '\u{1D7D8}'.repeat(MAX_FIELD_LENGTH + 1) }, false],
    ['agent.id of mixed characters, over the limit by one', { ...valid, agent: { id: 'a\u{1F600}'.repeat(MAX_FIELD_LENGTH / 2) + 'b' } }, false],
    ['agent.id of mixed characters at the limit', { ...valid, agent: { id: 'a\u{1F600}'.repeat(MAX_FIELD_LENGTH / 2) } }, true],
    ['id a number', { ...valid, id: 7 }, false],
    ['agent missing', (({ agent: _, ...rest }) => rest)(valid), false],
    ['agent.id missing', { ...valid, agent: {} }, false],
    ['agent an array', { ...valid, agent: ['invoice-bot'] }, false],
    ['agent a string', { ...valid, agent: 'invoice-bot' }, false],
    ['agent with extra nested fields', { ...valid, agent: { id: 'a', runtime: { pod: 'p-1', labels: ['x'] } } }, true],
    ['agent.session null', { ...valid, agent: { id: 'a', session: null } }, false],
    ['unknown extra top-level fields', { ...valid, trace_id: 'abc', nested: { deep: [1, 2, { x: null }] } }, true],
    ['type unknown', { ...valid, type: 'tool_call' }, false],
    ['type missing', (({ type: _, ...rest }) => rest)(valid), false],
    ['action not in the enum', { ...valid, action: 'steal' }, false],
    ['action upper case', { ...valid, action: 'READ' }, false],
    ['outcome not in the enum', { ...valid, outcome: 'failure' }, false],
    ['time date only', { ...valid, time: '2026-11-02' }, false],
    ['time without zone', { ...valid, time: '2026-11-02T12:00:00' }, false],
    ['time with +hhmm zone', { ...valid, time: '2026-11-02T12:00:00+0100' }, false],
    ['time month 13', { ...valid, time: '2026-13-02T12:00:00Z' }, false],
    ['time ten fraction digits', { ...valid, time: '2026-11-02T12:00:00.1234567890Z' }, true],
    ['time February 30', { ...valid, time: '2026-02-30T12:00:00Z' }, false],
    ['time hour 24', { ...valid, time: '2026-11-02T24:00:00Z' }, false],
    ['time leap second', { ...valid, time: '2026-12-31T23:59:60Z' }, true],
    ['time epoch beyond year 9999', { ...valid, time: 9_000_000_000_000_000 }, false],
    ['time nine fraction digits', { ...valid, time: '2026-11-02T12:00:00.123456789Z' }, true],
    ['time lower-case t and z', { ...valid, time: '2026-11-02t12:00:00z' }, true],
    ['time RFC 2822', { ...valid, time: 'Mon, 02 Nov 2026 12:00:00 GMT' }, false],
    ['time negative epoch', { ...valid, time: -1 }, false],
    ['time fractional epoch', { ...valid, time: 1.5 }, false],
    ['time beyond safe integers', { ...valid, time: Number.MAX_SAFE_INTEGER + 2 }, false],
    ['time epoch as a string', { ...valid, time: '1793620800000' }, false],
    ['time null', { ...valid, time: null }, false],
    ['bytes negative', { ...valid, bytes: -1 }, false],
    ['bytes zero', { ...valid, bytes: 0 }, true],
    ['bytes fractional', { ...valid, bytes: 0.5 }, true],
    ['bytes a string', { ...valid, bytes: '10' }, false],
    ['records negative', { ...valid, records: -3 }, false],
    ['bytes null', { ...valid, bytes: null }, false],
    ['bytes the largest safe integer', { ...valid, bytes: Number.MAX_SAFE_INTEGER }, true],
    ['bytes beyond safe integers', { ...valid, bytes: 1e308 }, false],
    ['records beyond safe integers', { ...valid, records: Number.MAX_SAFE_INTEGER + 2 }, false],
    ['tool_use token a raw JWT', { ...valid, token: JWT }, false],
    ['tool_use token a short fingerprint', { ...valid, token: 'sha256:abc' }, false],
    ['tool_use token a bearer string', { ...valid, token: 'Bearer abcdefghijklmnopqrstuvwxyz' }, false],
    ['tool_use token 16 hex digits', { ...valid, token: 'abcdef0123456789' }, true],
    ['tool_use token eyJ-prefixed digest', { ...valid, token: 'eyJabcdefghijklmnop' }, false],
    ['token.fingerprint a raw JWT', { ...token, token: { fingerprint: JWT } }, false],
    ['token.fingerprint short', { ...token, token: { fingerprint: 'abc123' } }, false],
    ['token.fingerprint missing', { ...token, token: { issuer: 'idp' } }, false],
    ['token null', { ...token, token: null }, false],
    ['token.ttl_s negative', { ...token, token: { fingerprint: 'sha256:0123456789abcdef0123', ttl_s: -60 } }, false],
    ['token.ttl_s 317 years', { ...token, token: { fingerprint: 'sha256:0123456789abcdef0123', ttl_s: 10_000_000_000 } }, true],
    ['token.ttl_s an int64 "never"', { ...token, token: { fingerprint: 'sha256:0123456789abcdef0123', ttl_s: 9223372036854775807 } }, false],
    ['token.scopes too many', { ...token, token: { fingerprint: 'sha256:0123456789abcdef0123', scopes: Array.from({ length: MAX_SCOPES + 1 }, (_, i) => `s${i}`) } }, false],
    ['token.scopes with an empty scope', { ...token, token: { fingerprint: 'sha256:0123456789abcdef0123', scopes: [''] } }, false],
    ['token with extra fields', { ...token, token: { fingerprint: 'sha256:0123456789abcdef0123', kid: 'k1' } }, true],
    ['chain at its limit', { ...valid, chain: Array.from({ length: MAX_CHAIN_LENGTH }, (_, i) => `a${i}`) }, true],
    ['chain too long', { ...valid, chain: Array.from({ length: MAX_CHAIN_LENGTH + 1 }, (_, i) => `a${i}`) }, false],
    ['chain with a number', { ...valid, chain: ['alice', 3] }, false],
    ['chain null', { ...valid, chain: null }, false],
    ['principal null', { ...valid, principal: null }, false],
    ['access_denied without system', { v: 1, id: 'd', time: 1_772_323_200_000, type: 'access_denied', agent: { id: 'a' } }, false],
    ['access_denied with free-text action', { v: 1, id: 'd', time: 1_772_323_200_000, type: 'access_denied', agent: { id: 'a' }, system: 's', action: 'anything' }, true],
  ];

  it.each(named)('%s', (_name, value, expected) => {
    const { hot, zod } = verdicts(value);
    expect(zod).toBe(expected);
    expect(hot).toBe(expected);
  });

  it('parseEventTime matches Date.parse for zoned strings and refuses the rest', () => {
    expect(parseEventTime('2026-11-02T13:00:00+01:00')).toBe(Date.parse('2026-11-02T12:00:00Z'));
    expect(parseEventTime(1_793_620_800_000)).toBe(1_793_620_800_000);
    expect(parseEventTime('2026-11-02T12:00:00')).toBeNaN();
    expect(parseEventTime(-5)).toBeNaN();
    expect(parseEventTime(null)).toBeNaN();
  });
});
