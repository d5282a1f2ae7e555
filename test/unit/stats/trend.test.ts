import fc from 'fast-check';
import { linearRegression } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  createCusum,
  createDailyTotals,
  createWindowRing,
  cusumNext,
  cusumValue,
  resetCusum,
  updateCusum,
  updateWindowRing,
  windowRingCount,
  windowRingSlope,
  windowRingTrend,
  windowRingValues,
} from '../../../src/stats/index.js';
import { close, jsonBytes, normal, roundTrip, seededRandom } from './support.js';

const finite = fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }).map((x) => x + 0);

describe('cusum', () => {
  it('equals the cumulative sum minus its running minimum (Page), restarting after each alarm', () => {
    fc.assert(
      fc.property(fc.array(finite, { maxLength: 200 }), fc.double({ min: 0, max: 2, noNaN: true }), (xs, k) => {
        const state = createCusum({ k, h: 4 });
        let cumulative = 0;
        let runningMin = 0;
        for (const x of xs) {
          const alarm = updateCusum(state, x);
          cumulative += x - k;
          runningMin = Math.min(runningMin, cumulative);
          const expected = cumulative - runningMin;
          // Rounding may decide either way when the sum is within 1e-9 of h.
          if (Math.abs(expected - 4) > 1e-9) expect(alarm).toBe(expected > 4);
          if (alarm) {
            cumulative = 0;
            runningMin = 0;
            expect(cusumValue(state)).toBe(0);
          } else {
            expect(Math.abs(cusumValue(state) - expected)).toBeLessThan(1e-9);
          }
        }
      }),
    );
  });

  it('stays quiet on in-control data and catches a one-sigma shift within a few dozen observations', () => {
    const random = seededRandom(3);
    const state = createCusum({ k: 0.5, h: 5 });
    let falseAlarms = 0;
    for (let i = 0; i < 500; i++) if (updateCusum(state, normal(random))) falseAlarms++;
    expect(falseAlarms).toBeLessThanOrEqual(2); // in-control average run length ≈ 930
    resetCusum(state);
    let delay = 0;
    while (!updateCusum(state, 1 + normal(random))) delay++;
    expect(delay).toBeLessThan(40); // expected ≈ 10
  });

  it('watches the chosen direction only, and scores without changing the state', () => {
    const down = createCusum({ k: 0, h: 3, direction: 'down' });
    expect(cusumNext(down, -2)).toBe(2);
    expect(cusumValue(down)).toBe(0);
    expect(updateCusum(down, 5)).toBe(false);
    expect(updateCusum(down, -2)).toBe(false);
    expect(updateCusum(down, -2)).toBe(true);
    const up = createCusum({ k: 0, h: 3 });
    expect(cusumNext(up, 10, 8)).toBe(2);
    expect(() => createCusum({ h: 0 })).toThrow(RangeError);
  });

  it('survives a JSON round trip', () => {
    const state = createCusum();
    updateCusum(state, 2.25);
    const restored = roundTrip(state);
    expect(restored).toEqual(state);
    expect(updateCusum(restored, 3)).toBe(updateCusum(state, 3));
    expect(restored).toEqual(state);
    expect(jsonBytes(state)).toBeLessThanOrEqual(50);
  });
});

describe('daily totals and slope', () => {
  const START = Date.UTC(2025, 0, 1);

  it('matches simple-statistics linearRegression over the completed days', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { maxLength: 4 }), { minLength: 1, maxLength: 60 }), (days) => {
        const state = createDailyTotals();
        days.forEach((values, day) => {
          if (values.length === 0) return;
          values.forEach((value, i) => updateWindowRing(state, START + day * DAY_MS + i * 3_600_000, value));
        });
        const ys = windowRingValues(state);
        const trend = windowRingTrend(state);
        expect(trend.windows).toBe(ys.length);
        expect(windowRingCount(state)).toBeLessThanOrEqual(28);
        if (ys.length === 0) {
          expect(trend.slope).toBeNaN();
          return;
        }
        const expected = linearRegression(ys.map((y, x) => [x, y]));
        expect(close(trend.slope, expected.m, 1e-9)).toBe(true);
        expect(close(trend.intercept, expected.b, 1e-9)).toBe(true);
      }),
    );
  });

  it('finds a steady daily growth exactly, counting silent days as zero', () => {
    const state = createDailyTotals({ days: 14 });
    for (let day = 0; day <= 30; day++) updateWindowRing(state, START + day * DAY_MS + 1, 1_000 + 250 * day);
    expect(windowRingSlope(state)).toBeCloseTo(250, 9);
    expect(windowRingTrend(state).intercept).toBeCloseTo(1_000 + 250 * 16, 6);
    const gappy = createWindowRing({ windowMs: DAY_MS, windows: 3 });
    updateWindowRing(gappy, START, 9);
    updateWindowRing(gappy, START + 3 * DAY_MS, 1);
    expect(windowRingValues(gappy)).toEqual([9, 0, 0]);
    expect(windowRingSlope(gappy)).toBeCloseTo(-4.5, 12);
  });

  it('survives a JSON round trip and stays small', () => {
    const state = createDailyTotals();
    for (let day = 0; day < 40; day++) updateWindowRing(state, START + day * DAY_MS, 12_345_678 + day);
    const restored = roundTrip(state);
    expect(restored).toEqual(state);
    expect(windowRingTrend(restored)).toEqual(windowRingTrend(state));
    expect(jsonBytes(state)).toBeLessThanOrEqual(380);
  });
});
