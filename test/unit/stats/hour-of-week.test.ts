import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HOURS_PER_WEEK,
  createHourOfWeek,
  hourOfWeek,
  hourOfWeekActiveNear,
  hourOfWeekBucket,
  hourOfWeekCount,
  hourOfWeekShare,
  hourOfWeekTotal,
  updateHourOfWeek,
} from '../../../src/stats/index.js';
import { jsonBytes, roundTrip } from './support.js';

const HOUR = 3_600_000;
const MONDAY = Date.UTC(2024, 0, 1); // 2024-01-01 was a Monday

describe('hourOfWeek', () => {
  it('puts Monday 00:00 UTC in bucket 0 and Sunday 23:00 in bucket 167', () => {
    expect(hourOfWeek(MONDAY)).toBe(0);
    expect(hourOfWeek(MONDAY + 30 * 60_000)).toBe(0);
    expect(hourOfWeek(Date.UTC(2024, 0, 7, 23, 59))).toBe(167);
    expect(hourOfWeek(0)).toBe(72); // 1970-01-01 was a Thursday
    expect(hourOfWeek(-HOUR)).toBe(71);
  });

  it('applies the offset in minutes', () => {
    expect(hourOfWeek(MONDAY + 30 * 60_000, -60)).toBe(167);
    expect(hourOfWeek(MONDAY, 120)).toBe(2);
    expect(hourOfWeek(MONDAY, 330)).toBe(5); // +05:30
  });

  it('agrees with Date for any time and offset', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.integer({ min: -720, max: 840 }), (time, offset) => {
        const local = new Date(time + offset * 60_000);
        const expected = ((local.getUTCDay() + 6) % 7) * 24 + local.getUTCHours();
        expect(hourOfWeek(time, offset)).toBe(expected);
      }),
    );
  });
});

/** Reference: a plain 168-array with the same rules (once per hour, ceil-halving at 15). */
function referenceCounts(times: readonly number[]): number[] {
  const counts = new Array<number>(HOURS_PER_WEEK).fill(0);
  let last = -1;
  for (const time of times) {
    const hour = Math.floor(time / HOUR);
    if (hour === last) continue;
    const bucket = hourOfWeek(time);
    if (hour < last) {
      if (counts[bucket] !== 0) continue;
    } else {
      last = hour;
    }
    if (counts[bucket] === 15) for (let b = 0; b < HOURS_PER_WEEK; b++) counts[b] = Math.ceil(counts[b]! / 2);
    counts[bucket]! += 1;
  }
  return counts;
}

const times = fc
  .array(
    fc.record({
      // Week-sized steps revisit the same few buckets, so halving happens too.
      gap: fc.oneof(fc.integer({ min: 0, max: 30 * HOUR }), fc.constantFrom(167 * HOUR, 168 * HOUR, 169 * HOUR + 5)),
      late: fc.option(fc.integer({ min: 1, max: 48 * HOUR }), { freq: 8 }),
    }),
    { maxLength: 400 },
  )
  .map((steps) => {
    let cursor = MONDAY;
    return steps.map(({ gap, late }) => {
      cursor += gap;
      return late === null ? cursor : cursor - late;
    });
  });

describe('hour-of-week histogram', () => {
  it('matches a plain 168-bucket reference, including decay', () => {
    fc.assert(
      fc.property(times, (stream) => {
        const state = createHourOfWeek();
        for (const time of stream) updateHourOfWeek(state, time);
        const expected = referenceCounts(stream);
        const actual = Array.from({ length: HOURS_PER_WEEK }, (_, b) => hourOfWeekCount(state, b));
        expect(actual).toEqual(expected);
        expect(hourOfWeekTotal(state)).toBe(expected.reduce((a, b) => a + b, 0));
      }),
    );
  });

  it('counts an hour once however many events it holds', () => {
    const state = createHourOfWeek();
    for (let i = 0; i < 1000; i++) updateHourOfWeek(state, MONDAY + 9 * HOUR + i * 1000);
    expect(hourOfWeekCount(state, 9)).toBe(1);
    expect(hourOfWeekTotal(state)).toBe(1);
    expect(hourOfWeekShare(state, 9)).toBe(1);
  });

  it('learns a weekly pattern, decays it, and never forgets that an hour was active', () => {
    const state = createHourOfWeek();
    const week = 168 * HOUR;
    updateHourOfWeek(state, MONDAY + 3 * HOUR); // once, Monday 03:00
    for (let w = 0; w < 100; w++) {
      for (let day = 0; day < 5; day++) {
        for (let h = 9; h < 17; h++) updateHourOfWeek(state, MONDAY + w * week + (day * 24 + h) * HOUR + 17);
      }
    }
    const working = hourOfWeekCount(state, 10);
    expect(working).toBeGreaterThanOrEqual(8);
    expect(working).toBeLessThanOrEqual(15);
    expect(hourOfWeekCount(state, 3)).toBe(1);
    expect(hourOfWeekShare(state, 10)).toBeGreaterThan(0.02);
    expect(hourOfWeekShare(state, 3)).toBeLessThan(0.01);
    expect(hourOfWeekActiveNear(state, 3, 0)).toBe(true);
    expect(hourOfWeekActiveNear(state, 5 * 24 + 10)).toBe(false); // Saturday 10:00
    expect(hourOfWeekActiveNear(state, 17)).toBe(true); // Monday 17:00, next to 16:00
    expect(hourOfWeekActiveNear(state, 18)).toBe(false);
    expect(hourOfWeekShare(createHourOfWeek(), 0)).toBeNaN();
  });

  it('wraps the ±1 h neighbourhood around the end of the week', () => {
    const state = createHourOfWeek();
    updateHourOfWeek(state, Date.UTC(2024, 0, 7, 23, 10)); // Sunday 23:00
    expect(hourOfWeekActiveNear(state, 0)).toBe(true);
    expect(hourOfWeekActiveNear(state, 1)).toBe(false);
  });

  it('uses the offset given at creation', () => {
    const state = createHourOfWeek({ offsetMinutes: 60 });
    updateHourOfWeek(state, MONDAY + 8 * HOUR);
    expect(hourOfWeekBucket(state, MONDAY + 8 * HOUR)).toBe(9);
    expect(hourOfWeekCount(state, 9)).toBe(1);
    expect(() => createHourOfWeek({ offsetMinutes: 1000 })).toThrow(RangeError);
  });

  it('survives a JSON round trip, continues identically, and stays small', () => {
    fc.assert(
      fc.property(times, fc.integer({ min: 0, max: 400 }), (stream, cut) => {
        const state = createHourOfWeek();
        for (const time of stream.slice(0, cut)) updateHourOfWeek(state, time);
        const restored = roundTrip(state);
        expect(restored).toEqual(state);
        for (const time of stream.slice(cut)) {
          updateHourOfWeek(state, time);
          updateHourOfWeek(restored, time);
        }
        expect(restored).toEqual(state);
        expect(jsonBytes(state)).toBeLessThanOrEqual(290);
      }),
    );
    const full = createHourOfWeek();
    for (let h = 0; h < 168 * 40; h++) updateHourOfWeek(full, MONDAY + h * HOUR);
    expect(jsonBytes(full)).toBeLessThanOrEqual(290);
    for (const word of full.w) expect(word).toBeLessThan(2 ** 28);
  });
});
