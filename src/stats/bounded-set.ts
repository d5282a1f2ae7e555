/**
 * Bounded set of seen values (systems, tools, token audiences, …) that an attacker cannot grow:
 *
 * - exact top-K entries by count (Space-Saving, Metwally et al. 2005) in parallel arrays, each
 *   with count, over-count bound, first seen and last seen. A value that is not tracked replaces
 *   the entry with the lowest count (ties: least recently seen) and inherits that count as its
 *   over-count bound, so any value seen more than total/K times is guaranteed to be tracked;
 * - a Bloom filter recording every value ever added, so `boundedSetHasSeen` answers for values
 *   evicted from the top-K (no false negatives, false positives at rate ≈ (set bits / m)^k);
 * - a distinct-count estimate: linear counting over the Bloom bits while the filter is below
 *   90% full, then a 16-register HyperLogLog (which keeps working for millions of values).
 *
 * Stored values are bounded in length (`boundedKey`: long values keep a prefix plus a hash), and
 * times are whole `timeUnitMs` units relative to the first update, so they stay small integers.
 *
 * Size with defaults (K = 16, 512-bit Bloom filter, k = 3, 16 HLL registers, 1 s time unit),
 * measured: 174 bytes of JSON when new; ≈ 830 bytes with 16 tracked 15-character values after
 * 200 000 updates; ≈ 1 450 bytes under a cardinality attack with values at the 48-character cap
 * (large counts and over-count bounds). Bound: ≈ 1 900 bytes with ASCII values (16 × 51 for the
 * values, ≤ 11 per number). Constant whatever the number of distinct values added; values with
 * control characters cost up to 6 bytes per character in JSON. Use a smaller K where a detector
 * needs several sets.
 */

import { bloomAdd, bloomHas, bloomSetBits, createBloomWords } from './bloom-filter.js';
import { boundedKey, hashTwice } from './hash.js';
import { createHllRegisters, hllAdd, hllEstimate } from './hyperloglog.js';
import { intern } from './intern.js';

export interface BoundedSetState {
  /** K, capacity of the exact top-K. */
  k: number;
  /** Number of Bloom hash functions. */
  h: number;
  /** Time unit of `first`/`last`/`t0`, in ms. */
  unit: number;
  /** Maximum stored value length (longer values are stored as prefix~hash). */
  len: number;
  /** Time base: ⌊first update time / unit⌋. */
  t0: number;
  /** Total number of updates. */
  n: number;
  /** Tracked values (≤ K). */
  v: string[];
  /** Count per tracked value (an over-estimate by at most `err`). */
  c: number[];
  /** Space-Saving over-count bound per tracked value (0 = exact count since first seen). */
  err: number[];
  /** First seen (units since t0) per tracked value: when it (re-)entered the top-K. */
  first: number[];
  /** Last seen (units since t0) per tracked value. */
  last: number[];
  /** Bloom filter words (32 bits each). */
  bloom: number[];
  /** HyperLogLog registers (empty when disabled). */
  hll: number[];
}

export interface BoundedSetParams {
  /** Exact top-K capacity; default 16. */
  k?: number;
  /** Bloom filter size in bits (multiple of 32); default 512. */
  bloomBits?: number;
  /** Bloom hash functions; default 3. */
  bloomHashes?: number;
  /** HyperLogLog registers (power of two ≥ 16), or 0 to disable; default 16. */
  hllRegisters?: number;
  /** Resolution of first/last seen times, in ms; default 1000. */
  timeUnitMs?: number;
  /** Maximum stored value length (≥ 16); default 48. */
  maxValueLength?: number;
}

export interface BoundedSetEntry {
  /** The stored value (a prefix~hash form for values longer than the cap). */
  value: string;
  count: number;
  /** Upper bound of the over-count: the true count since first seen is in [count − error, count]. */
  error: number;
  /** Epoch ms (truncated to the time unit) when the value entered the top-K. */
  firstSeenMs: number;
  lastSeenMs: number;
}

/** Above this Bloom fill ratio the distinct-count estimate switches to the HyperLogLog. */
const LINEAR_COUNTING_MAX_FILL = 0.9;

const hashes = [0, 0];

export function createBoundedSet(params: BoundedSetParams = {}): BoundedSetState {
  const k = params.k ?? 16;
  const h = params.bloomHashes ?? 3;
  const unit = params.timeUnitMs ?? 1000;
  const len = params.maxValueLength ?? 48;
  const hllRegisters = params.hllRegisters ?? 16;
  if (!(Number.isInteger(k) && k >= 1 && k <= 1024)) throw new RangeError(`bounded-set: k must be an integer in [1, 1024], got ${k}`);
  if (!(Number.isInteger(h) && h >= 1 && h <= 16)) throw new RangeError(`bounded-set: bloomHashes must be an integer in [1, 16], got ${h}`);
  if (!(Number.isInteger(unit) && unit >= 1)) throw new RangeError(`bounded-set: timeUnitMs must be a positive integer, got ${unit}`);
  if (!(Number.isInteger(len) && len >= 16)) throw new RangeError(`bounded-set: maxValueLength must be an integer ≥ 16, got ${len}`);
  return {
    k,
    h,
    unit,
    len,
    t0: 0,
    n: 0,
    v: [],
    c: [],
    err: [],
    first: [],
    last: [],
    bloom: createBloomWords(params.bloomBits ?? 512),
    hll: hllRegisters === 0 ? [] : createHllRegisters(hllRegisters),
  };
}

/**
 * Records one occurrence of `value` at `timeMs` (epoch ms). Returns whether the value had
 * (probably) been seen before: exact for tracked values, Bloom answer otherwise. O(K) string
 * comparisons, plus one hashing pass over the value when it is not tracked.
 * Mutates `state`.
 */
export function updateBoundedSet(state: BoundedSetState, value: string, timeMs: number): boolean {
  const units = Math.floor(timeMs / state.unit);
  if (state.n === 0) state.t0 = units;
  const time = units - state.t0;
  state.n += 1;

  const key = value.length <= state.len ? value : boundedKey(value, state.len);
  const values = state.v;
  const size = values.length;
  for (let i = 0; i < size; i++) {
    if (values[i] === key) {
      // A tracked value is already in the Bloom filter and the HLL (both were updated when it
      // entered, and adding again changes neither), so the common case skips hashing.
      state.c[i] = (state.c[i] as number) + 1;
      if (time > (state.last[i] as number)) state.last[i] = time;
      if (time < (state.first[i] as number)) state.first[i] = time;
      return true;
    }
  }

  hashTwice(value, hashes);
  const h2 = hashes[1] as number;
  const inBloom = bloomAdd(state.bloom, state.h, hashes[0] as number, h2);
  if (state.hll.length > 0) hllAdd(state.hll, h2);

  if (size < state.k) {
    values.push(intern(key));
    state.c.push(1);
    state.err.push(0);
    state.first.push(time);
    state.last.push(time);
    return inBloom;
  }
  // Space-Saving: replace the entry with the lowest count (ties: least recently seen).
  const counts = state.c;
  const lasts = state.last;
  let victim = 0;
  let victimCount = counts[0] as number;
  let victimLast = lasts[0] as number;
  for (let i = 1; i < size; i++) {
    const count = counts[i] as number;
    if (count < victimCount || (count === victimCount && (lasts[i] as number) < victimLast)) {
      victim = i;
      victimCount = count;
      victimLast = lasts[i] as number;
    }
  }
  values[victim] = intern(key);
  counts[victim] = victimCount + 1;
  state.err[victim] = victimCount;
  state.first[victim] = time;
  lasts[victim] = time;
  return inBloom;
}

function indexOfValue(state: BoundedSetState, value: string): number {
  return state.v.indexOf(value.length <= state.len ? value : boundedKey(value, state.len));
}

/**
 * Whether `value` was ever added: exact for tracked values; otherwise the Bloom filter's answer
 * (false means certainly never added; true is wrong with probability `boundedSetFalsePositiveRate`).
 */
export function boundedSetHasSeen(state: BoundedSetState, value: string): boolean {
  if (indexOfValue(state, value) >= 0) return true;
  hashTwice(value, hashes);
  return bloomHas(state.bloom, state.h, hashes[0] as number, hashes[1] as number);
}

/** Whether `value` is currently in the exact top-K. */
export function boundedSetIsTracked(state: BoundedSetState, value: string): boolean {
  return indexOfValue(state, value) >= 0;
}

function entryAt(state: BoundedSetState, i: number): BoundedSetEntry {
  return {
    value: state.v[i] as string,
    count: state.c[i] as number,
    error: state.err[i] as number,
    firstSeenMs: ((state.first[i] as number) + state.t0) * state.unit,
    lastSeenMs: ((state.last[i] as number) + state.t0) * state.unit,
  };
}

/** The top-K entry for `value`, or undefined when it is not tracked (allocates the result). */
export function boundedSetEntry(state: BoundedSetState, value: string): BoundedSetEntry | undefined {
  const i = indexOfValue(state, value);
  return i < 0 ? undefined : entryAt(state, i);
}

/** Tracked entries by decreasing count (ties: most recently seen first); allocates. */
export function boundedSetTop(state: BoundedSetState): BoundedSetEntry[] {
  const entries = state.v.map((_, i) => entryAt(state, i));
  return entries.sort((a, b) => b.count - a.count || b.lastSeenMs - a.lastSeenMs);
}

/** Total number of updates. */
export function boundedSetTotal(state: BoundedSetState): number {
  return state.n;
}

/** Fraction of Bloom bits set; near 1 the filter answers "seen" for almost everything. */
export function boundedSetFillRatio(state: BoundedSetState): number {
  return bloomSetBits(state.bloom) / (state.bloom.length * 32);
}

/** Probability that `boundedSetHasSeen` says "seen" for a never-added, untracked value. */
export function boundedSetFalsePositiveRate(state: BoundedSetState): number {
  return boundedSetFillRatio(state) ** state.h;
}

/**
 * Estimated number of distinct values ever added: linear counting over the Bloom bits while the
 * filter is below 90% full (a few % error up to ≈ 390 values with defaults), then the
 * HyperLogLog (≈ 26% error with 16 registers), never below the linear-counting value at 90%;
 * rounded and clamped to [tracked values, total updates]. Without HLL a saturated filter gives that lower bound.
 */
export function boundedSetDistinct(state: BoundedSetState): number {
  const bits = state.bloom.length * 32;
  const set = bloomSetBits(state.bloom);
  const linear = (fill: number): number => (-bits / state.h) * Math.log(1 - fill);
  let estimate: number;
  if (set < LINEAR_COUNTING_MAX_FILL * bits) {
    estimate = linear(set / bits);
  } else {
    const floor = linear(LINEAR_COUNTING_MAX_FILL);
    estimate = state.hll.length > 0 ? Math.max(hllEstimate(state.hll), floor) : floor;
  }
  estimate = Math.round(estimate);
  if (estimate > state.n) estimate = state.n;
  if (estimate < state.v.length) estimate = state.v.length;
  return estimate;
}
