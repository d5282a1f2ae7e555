import type { AgentEvent } from '../events/contract.js';

/**
 * An agent's last events, to recognise an event delivered twice (a producer's retry, a file
 * replayed over a stream) and process it once, as the event contract promises.
 *
 * An event is a repeat when its id *and its content* are those of one of the agent's last events:
 * an id reused for another event (a gateway's request id shared by a token issuance and the call
 * that used it) is processed. A repeat carries the time of its first delivery, so only an event
 * not newer than the agent's clock is looked up.
 *
 * Kept as 52-bit keys of the event's id and the fields detectors judge (two 32-bit FNV-1a-style
 * hashes over an unambiguous sequence of symbols: tags, lengths, whole UTF-16 code units, numbers
 * as two 32-bit words), seeded per engine at random, so that two events made offline to share a
 * key do not share it in a running engine. The ring holds the 16 keys with the latest event times: a retried batch of more than 16
 * events of one agent is recognised from its 16 latest events on, the earlier ones are processed
 * again (an event older than every key held is not written over them).
 */

export const RECENT_EVENTS_CAPACITY = 16;

export interface RecentEvents {
  keys: number[];
  /** Event time of each key. */
  times: number[];
}

export function createRecentEvents(): RecentEvents {
  return { keys: [], times: [] };
}

/** Per-engine hash seeds; the ring is not checkpointed, so they need not survive a restart. */
export interface EventKeySeeds {
  readonly a: number;
  readonly b: number;
}

export function randomSeeds(): EventKeySeeds {
  const [a, b] = crypto.getRandomValues(new Uint32Array(2));
  return { a: a as number, b: b as number };
}

const FNV_PRIME = 0x01000193;
const numberBits = new Float64Array(1);
const numberWords = new Uint32Array(numberBits.buffer);
/** Tags (above any code unit), so that no two kinds of field encode alike. */
const STRING = 0x10001;
const INTEGER = 0x10002;
const FLOAT = 0x10003;
const LIST = 0x10004;
const ABSENT = 0x10005;

/** The two hash states, shared by the helpers below: no allocation per event. */
let ha = 0;
let hb = 0;

/** Mixes one symbol: a UTF-16 code unit (16 bits), a tag (17 bits) or a 32-bit word. */
function mix(x: number): void {
  ha = Math.imul(ha ^ x, FNV_PRIME);
  hb = Math.imul(hb ^ x, FNV_PRIME);
}

function mixText(s: string): void {
  mix(STRING);
  mix(s.length);
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    ha = Math.imul(ha ^ u, FNV_PRIME);
    hb = Math.imul(hb ^ u, FNV_PRIME);
  }
}

/** A field of the contract: a string, a number, a list of strings, or absent. */
function mixField(v: string | number | readonly string[] | undefined): void {
  if (typeof v === 'string') mixText(v);
  else if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) {
      mix(INTEGER);
      mix(v >>> 0);
      mix(Math.floor(v / 2 ** 32) >>> 0);
    } else {
      numberBits[0] = v;
      mix(FLOAT);
      mix(numberWords[0] as number);
      mix(numberWords[1] as number);
    }
  } else if (v === undefined) mix(ABSENT);
  else {
    mix(LIST);
    mix(v.length);
    for (let i = 0; i < v.length; i++) mixText(v[i] as string);
  }
}

/**
 * The key of an event: its id, type and time and the fields the built-in detectors judge (who,
 * on whose behalf, which tool, system and action, how much, approved or not, with which
 * credential). Free text (resource, session, instance, policy, reason) is left out, because hashing
 * costs as much per character as parsing the JSON: an id reused for an event that differs only
 * there is taken for a repeat.
 */
export function eventKey(event: AgentEvent, seeds: EventKeySeeds): number {
  ha = seeds.a | 0;
  hb = seeds.b | 0;
  mixField(event.id);
  mixField(event.type);
  mixField(event.timeMs);
  mixField(event.principal);
  mixField(event.chain);
  if (event.type === 'tool_use') {
    mixField(event.tool);
    mixField(event.system);
    mixField(event.action);
    mixField(event.bytes);
    mixField(event.records);
    mixField(event.outcome);
    mixField(event.approval);
    mixField(event.token);
  } else if (event.type === 'token_issued') {
    const token = event.token;
    mixField(token.fingerprint);
    mixField(token.audience);
    mixField(token.scopes);
    mixField(token.ttl_s);
    mixField(token.grant);
  } else {
    mixField(event.system);
    mixField(event.action);
    mixField(event.tool);
  }
  // 52 bits (an exact number), each state finalised so that its high bits depend on every symbol.
  const a = Math.imul(ha ^ (ha >>> 16), 0x85ebca6b) >>> 0;
  const b = Math.imul(hb ^ (hb >>> 13), 0xc2b2ae35) >>> 0;
  return a * 2 ** 20 + (b >>> 12);
}

export function hasRecentEvent(recent: RecentEvents, key: number): boolean {
  return recent.keys.includes(key);
}

/** Keeps `key` unless the ring is full of later events; it replaces the earliest one. */
export function rememberEvent(recent: RecentEvents, key: number, time: number): void {
  const { keys, times } = recent;
  if (keys.length < RECENT_EVENTS_CAPACITY) {
    keys.push(key);
    times.push(time);
    return;
  }
  let earliest = 0;
  for (let i = 1; i < times.length; i++) if ((times[i] as number) < (times[earliest] as number)) earliest = i;
  if (time < (times[earliest] as number)) return;
  keys[earliest] = key;
  times[earliest] = time;
}
