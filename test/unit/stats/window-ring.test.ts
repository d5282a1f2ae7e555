import fc from 'fast-check';
import { mean, median, medianAbsoluteDeviation, quantile } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import {
  MAD_TO_SIGMA,
  advanceWindowRing,
  createWindowRing,
  robustZ,
  updateWindowRing,
  windowRingCompleted,
  windowRingCount,
  windowRingCurrent,
  windowRingMad,
  windowRingMean,
  windowRingMedian,
  windowRingQuantile,
  windowRingValues,
  type WindowRingState,
} from '../../../src/stats/index.js';
import { close, roundTrip } from './support.js';

const MS = 1000;
const N = 8;
const START = 1_700_000_000_000;

interface Event {
  time: number;
  value: number;
}

/** Event streams: mostly forward in time, with gaps of all sizes and some late events. */
const events = fc
  .array(
    fc.record({
      gap: fc.oneof(fc.integer({ min: 0, max: MS / 2 }), fc.integer({ min: 0, max: 3 * MS }), fc.integer({ min: 0, max: 30 * MS })),
      late: fc.option(fc.integer({ min: 1, max: 12 * MS }), { freq: 5 }),
      value: fc.integer({ min: 0, max: 1_000_000 }),
    }),
    { maxLength: 150 },
  )
  .map((steps) => {
    let cursor = START;
    return steps.map(({ gap, late, value }): Event => {
      cursor += gap;
      return { time: late === null ? cursor : cursor - late, value };
    });
  });

/** Straightforward reference: totals per window in a Map, acceptance rule applied directly. */
function reference(stream: readonly Event[]): { completed: number[]; current: number; accepted: boolean[]; windows: number } {
  const totals = new Map<number, number>();
  let first = -1;
  let current = -1;
  const accepted: boolean[] = [];
  for (const { time, value } of stream) {
    const w = Math.floor(time / MS);
    if (current < 0) {
      first = w;
      current = w;
    }
    if (w < current && (w < first || current - w > N)) {
      accepted.push(false);
      continue;
    }
    accepted.push(true);
    if (w > current) current = w;
    totals.set(w, (totals.get(w) ?? 0) + value);
  }
  if (current < 0) return { completed: [], current: 0, accepted, windows: 0 };
  const completed: number[] = [];
  for (let w = Math.max(first, current - N); w < current; w++) completed.push(totals.get(w) ?? 0);
  return { completed, current: totals.get(current) ?? 0, accepted, windows: current - first };
}

function feed(state: WindowRingState, stream: readonly Event[]): boolean[] {
  return stream.map(({ time, value }) => updateWindowRing(state, time, value));
}

describe('window ring', () => {
  it('matches batch window totals and simple-statistics median, MAD, mean, quantile', () => {
    fc.assert(
      fc.property(events, (stream) => {
        const state = createWindowRing({ windowMs: MS, windows: N });
        const accepted = feed(state, stream);
        const expected = reference(stream);
        expect(accepted).toEqual(expected.accepted);
        expect(windowRingValues(state)).toEqual(expected.completed);
        expect(windowRingCurrent(state)).toBe(expected.current);
        expect(windowRingCompleted(state)).toBe(expected.windows);
        expect(windowRingCount(state)).toBe(expected.completed.length);
        const xs = expected.completed;
        if (xs.length === 0) {
          expect(windowRingMedian(state)).toBeNaN();
          expect(windowRingMad(state)).toBeNaN();
          expect(windowRingMean(state)).toBeNaN();
          expect(windowRingQuantile(state, 0.9)).toBeNaN();
          return;
        }
        expect(close(windowRingMedian(state), median(xs))).toBe(true);
        expect(close(windowRingMad(state), medianAbsoluteDeviation(xs))).toBe(true);
        expect(close(windowRingMad(state, true), MAD_TO_SIGMA * medianAbsoluteDeviation(xs))).toBe(true);
        expect(close(windowRingMean(state), mean(xs))).toBe(true);
        for (const p of [0, 0.1, 0.25, 0.5, 0.9, 0.99, 1]) {
          expect(close(windowRingQuantile(state, p), quantile(xs, p))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('matches simple-statistics on rings longer than the insertion-sort threshold', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 1, maxLength: 400 }), (totals) => {
        const state = createWindowRing({ windowMs: MS, windows: 300 });
        totals.forEach((total, w) => updateWindowRing(state, START + w * MS, total));
        advanceWindowRing(state, START + totals.length * MS);
        const xs = totals.slice(-300);
        expect(windowRingValues(state)).toEqual(xs);
        expect(close(windowRingMedian(state), median(xs))).toBe(true);
        expect(close(windowRingMad(state), medianAbsoluteDeviation(xs))).toBe(true);
        expect(close(windowRingQuantile(state, 0.95), quantile(xs, 0.95))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('counts empty windows as zeros and does bounded work after a long gap', () => {
    const state = createWindowRing({ windowMs: MS, windows: N });
    updateWindowRing(state, START, 5);
    updateWindowRing(state, START + MS, 7);
    updateWindowRing(state, START + 4 * MS, 1);
    expect(windowRingValues(state)).toEqual([5, 7, 0, 0]);
    // A gap of ten million windows: the ring is simply all zeros afterwards.
    updateWindowRing(state, START + 10_000_000 * MS, 3);
    expect(windowRingValues(state)).toEqual(new Array(N).fill(0));
    expect(windowRingCompleted(state)).toBe(10_000_000);
    expect(windowRingMedian(state)).toBe(0);
    expect(windowRingMad(state)).toBe(0);
    expect(windowRingCurrent(state)).toBe(3);
  });

  it('advances time without adding and reports the open total as of a time', () => {
    const state = createWindowRing({ windowMs: MS, windows: N });
    updateWindowRing(state, START, 10);
    expect(windowRingCurrent(state, START + 10)).toBe(10);
    expect(windowRingCurrent(state, START + 2 * MS)).toBe(0);
    expect(windowRingCurrent(state)).toBe(10);
    advanceWindowRing(state, START + 2 * MS);
    expect(windowRingValues(state)).toEqual([10, 0]);
    expect(windowRingCurrent(state)).toBe(0);
  });

  it('ignores events with a negative time and late events older than the ring', () => {
    const state = createWindowRing({ windowMs: MS, windows: N });
    expect(updateWindowRing(state, -5, 1)).toBe(false);
    updateWindowRing(state, START, 1);
    updateWindowRing(state, START + 20 * MS, 1);
    expect(updateWindowRing(state, START + 5 * MS, 99)).toBe(false);
    expect(updateWindowRing(state, START + 15 * MS, 2)).toBe(true);
    expect(windowRingValues(state)).toEqual([0, 0, 0, 2, 0, 0, 0, 0]);
  });

  it('survives a JSON round trip and continues identically', () => {
    fc.assert(
      fc.property(events, fc.integer({ min: 0, max: 150 }), (stream, cut) => {
        const state = createWindowRing({ windowMs: MS, windows: N });
        feed(state, stream.slice(0, cut));
        const restored = roundTrip(state);
        expect(restored).toEqual(state);
        expect(feed(restored, stream.slice(cut))).toEqual(feed(state, stream.slice(cut)));
        expect(restored).toEqual(state);
        expect(windowRingMedian(restored)).toBe(windowRingMedian(state));
      }),
    );
  });

  it('keeps its JSON size constant once the ring is full', () => {
    const state = createWindowRing();
    let time = START;
    const sizes = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      time += 60_000;
      updateWindowRing(state, time, 1_000_000 + (i % 7));
      if (i > 48 * 5) sizes.add(JSON.stringify(state).length);
    }
    expect(state.ring).toHaveLength(48);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(8);
  });
});

describe('robustZ', () => {
  it('divides the distance from the median by the MAD, floored', () => {
    expect(robustZ(10, 4, 2, 0.5)).toBe(3);
    expect(robustZ(10, 4, 0, 0.5)).toBe(12);
    expect(robustZ(0, 4, 1, 0.5)).toBe(-4);
    expect(robustZ(4, 4, 0, 0)).toBe(0);
    expect(robustZ(5, 4, 0, 0)).toBe(Number.POSITIVE_INFINITY);
  });
});
