import fc from 'fast-check';
import { mean, sampleStandardDeviation, sampleVariance, standardDeviation, variance } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import {
  createWelford,
  mergeWelford,
  updateWelford,
  welfordCount,
  welfordMean,
  welfordSampleStdDev,
  welfordSampleVariance,
  welfordStdDev,
  welfordVariance,
  type WelfordState,
} from '../../../src/stats/index.js';
import { close, roundTrip, seededRandom } from './support.js';

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((x) => x + 0);

function stateOf(xs: readonly number[]): WelfordState {
  const state = createWelford();
  for (const x of xs) updateWelford(state, x);
  return state;
}

function varianceClose(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= 1e-7 * Math.max(1, expected);
}

describe('welford', () => {
  it('matches simple-statistics mean, variance and standard deviation', () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 2, maxLength: 200 }), (xs) => {
        const state = stateOf(xs);
        expect(welfordCount(state)).toBe(xs.length);
        expect(close(welfordMean(state), mean(xs), 1e-9)).toBe(true);
        expect(varianceClose(welfordVariance(state), variance(xs))).toBe(true);
        expect(varianceClose(welfordSampleVariance(state), sampleVariance(xs))).toBe(true);
        expect(Math.abs(welfordStdDev(state) - standardDeviation(xs))).toBeLessThanOrEqual(1e-6 * Math.max(1, standardDeviation(xs)));
        expect(Math.abs(welfordSampleStdDev(state) - sampleStandardDeviation(xs))).toBeLessThanOrEqual(1e-6 * Math.max(1, standardDeviation(xs)));
      }),
    );
  });

  it('stays accurate with a large offset (where the naive sum-of-squares formula fails)', () => {
    const random = seededRandom(7);
    const xs = Array.from({ length: 10_000 }, () => 1e9 + random());
    const state = stateOf(xs);
    expect(Math.abs(welfordVariance(state) - variance(xs)) / variance(xs)).toBeLessThan(1e-6);
    expect(welfordVariance(state)).toBeGreaterThan(0.07);
  });

  it('merging two states equals processing the concatenation', () => {
    fc.assert(
      fc.property(fc.array(finite, { maxLength: 100 }), fc.array(finite, { maxLength: 100 }), (left, right) => {
        const merged = stateOf(left);
        const other = stateOf(right);
        const otherBefore = structuredClone(other);
        mergeWelford(merged, other);
        expect(other).toEqual(otherBefore);
        const whole = stateOf([...left, ...right]);
        expect(welfordCount(merged)).toBe(whole.n);
        if (whole.n === 0) return;
        expect(close(welfordMean(merged), welfordMean(whole), 1e-9)).toBe(true);
        expect(varianceClose(welfordVariance(merged), welfordVariance(whole))).toBe(true);
      }),
    );
  });

  it('reports NaN when there is not enough data', () => {
    const state = createWelford();
    expect(welfordMean(state)).toBeNaN();
    expect(welfordVariance(state)).toBeNaN();
    updateWelford(state, 3);
    expect(welfordVariance(state)).toBe(0);
    expect(welfordSampleVariance(state)).toBeNaN();
  });

  it('survives a JSON round trip and continues identically', () => {
    fc.assert(
      fc.property(fc.array(finite, { maxLength: 50 }), fc.array(finite, { maxLength: 50 }), (before, after) => {
        const state = stateOf(before);
        const restored = roundTrip(state);
        expect(restored).toEqual(state);
        for (const x of after) {
          updateWelford(state, x);
          updateWelford(restored, x);
        }
        expect(restored).toEqual(state);
      }),
    );
  });
});
