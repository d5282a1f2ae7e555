/**
 * When an agent is usually active: a 168-bucket hour-of-week histogram (bucket 0 = Monday
 * 00:00–01:00, bucket 167 = Sunday 23:00–24:00).
 *
 * What is counted: *active hours*, not events. A bucket gains at most 1 per calendar hour in
 * which the agent did anything, so a bucket's count is "in how many recent weeks was the agent
 * active at this hour". Counting events instead, with a cap on the total, would make the memory
 * of a busy agent only a few thousand events long (a few hours), i.e. a recency histogram
 * rather than a weekly pattern; counting active hours makes memory a number of weeks whatever
 * the event rate.
 *
 * Compact storage: each count is 4 bits (0–15), seven buckets packed per integer (28 bits, so
 * every word is a V8 small integer), 24 words in all. Decay: when a bucket would pass 15, every
 * bucket is halved, rounding up (1 stays 1). Memory is therefore 8–15 weeks for an hour active
 * every week, and a bucket that was ever active never returns to 0, which is what
 * `hourOfWeekActiveNear` ("has this hour, or an adjacent one, ever been active") relies on.
 *
 * Time zone: buckets are computed in UTC by default, because agents are machines, their
 * schedules (cron, batch windows) are usually UTC, and UTC has no daylight-saving jumps. An
 * agent acting for people in one place can take a fixed `offsetMinutes` (e.g. 60 for CET); a
 * fixed offset ignores DST, which the ±1 h neighbourhood of `hourOfWeekActiveNear` absorbs.
 *
 * State size, measured: 82 bytes of JSON when new, ≈ 190 bytes for a weekday office-hours agent,
 * 281 bytes with every bucket populated (≤ 290); constant.
 */

export interface HourOfWeekState {
  /** Offset from UTC in minutes added to event time before bucketing. */
  tz: number;
  /** Last counted hour (⌊(time + offset) / 1 h⌋); −1 before the first update. */
  last: number;
  /** Sum of all bucket counts. */
  total: number;
  /** 24 words of seven 4-bit counts: bucket b at bits 4·(b mod 7) of word ⌊b / 7⌋. */
  w: number[];
}

export interface HourOfWeekParams {
  /** Minutes added to UTC before bucketing (−720…840); default 0 (UTC). */
  offsetMinutes?: number;
}

export const HOURS_PER_WEEK = 168;
const HOUR_MS = 3_600_000;
const BUCKETS_PER_WORD = 7;
const WORDS = HOURS_PER_WEEK / BUCKETS_PER_WORD;
const MAX_COUNT = 15;
/** Epoch hour 0 (1970-01-01 00:00 UTC) was a Thursday: 3 days after the Monday of its week. */
const EPOCH_HOUR_OF_WEEK = 72;

export function createHourOfWeek(params: HourOfWeekParams = {}): HourOfWeekState {
  const tz = params.offsetMinutes ?? 0;
  if (!(Number.isInteger(tz) && tz >= -720 && tz <= 840)) {
    throw new RangeError(`hour-of-week: offsetMinutes must be an integer in [-720, 840], got ${tz}`);
  }
  return { tz, last: -1, total: 0, w: new Array<number>(WORDS).fill(0) };
}

/** Hour of week (0 = Monday 00:00) of an epoch-ms time, shifted by `offsetMinutes` from UTC. */
export function hourOfWeek(timeMs: number, offsetMinutes = 0): number {
  const hour = Math.floor((timeMs + offsetMinutes * 60_000) / HOUR_MS);
  return (((hour + EPOCH_HOUR_OF_WEEK) % HOURS_PER_WEEK) + HOURS_PER_WEEK) % HOURS_PER_WEEK;
}

/** Bucket of `timeMs` with the state's offset. */
export function hourOfWeekBucket(state: HourOfWeekState, timeMs: number): number {
  return hourOfWeek(timeMs, state.tz);
}

function readCount(words: number[], bucket: number): number {
  const word = words[(bucket / BUCKETS_PER_WORD) | 0] as number;
  return (word >>> ((bucket % BUCKETS_PER_WORD) * 4)) & 0xf;
}

/** Halves every bucket, rounding up, and recomputes the total. */
function halve(state: HourOfWeekState): void {
  const words = state.w;
  let total = 0;
  for (let i = 0; i < WORDS; i++) {
    const word = words[i] as number;
    // Per nibble: ⌈x / 2⌉ = (x >> 1) + (x & 1); no carry can cross nibbles since x ≤ 15.
    const halved = ((word >>> 1) & 0x7777777) + (word & 0x1111111);
    words[i] = halved;
    for (let s = 0; s < 28; s += 4) total += (halved >>> s) & 0xf;
  }
  state.total = total;
}

/**
 * Records activity at `timeMs` (epoch ms; times before 1970 are ignored). Counts once per
 * calendar hour: further events in the same hour change nothing. A late event from an earlier hour only marks its bucket active if it
 * never was. Mutates `state`.
 */
export function updateHourOfWeek(state: HourOfWeekState, timeMs: number): void {
  const hour = Math.floor((timeMs + state.tz * 60_000) / HOUR_MS);
  if (!(hour >= 0) || hour === state.last) return;
  const bucket = (hour + EPOCH_HOUR_OF_WEEK) % HOURS_PER_WEEK;
  if (hour < state.last) {
    if (readCount(state.w, bucket) !== 0) return;
  } else {
    state.last = hour;
  }
  if (readCount(state.w, bucket) === MAX_COUNT) halve(state);
  const index = (bucket / BUCKETS_PER_WORD) | 0;
  state.w[index] = (state.w[index] as number) + (1 << ((bucket % BUCKETS_PER_WORD) * 4));
  state.total += 1;
}

/** Count of active hours recorded in `bucket` (0–15, decayed). */
export function hourOfWeekCount(state: HourOfWeekState, bucket: number): number {
  return readCount(state.w, bucket);
}

/** Sum of all bucket counts. */
export function hourOfWeekTotal(state: HourOfWeekState): number {
  return state.total;
}

/** Share of recorded activity in `bucket`, in [0, 1]; NaN while nothing is recorded. */
export function hourOfWeekShare(state: HourOfWeekState, bucket: number): number {
  return state.total === 0 ? Number.NaN : readCount(state.w, bucket) / state.total;
}

/**
 * Whether `bucket` or a bucket within ±`radius` hours of it (wrapping around the week) has ever
 * been active. `radius` defaults to 1.
 */
export function hourOfWeekActiveNear(state: HourOfWeekState, bucket: number, radius = 1): boolean {
  for (let d = -radius; d <= radius; d++) {
    const b = (((bucket + d) % HOURS_PER_WEEK) + HOURS_PER_WEEK) % HOURS_PER_WEEK;
    if (readCount(state.w, b) !== 0) return true;
  }
  return false;
}
