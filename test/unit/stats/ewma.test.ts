import fc from 'fast-check';
import { mean, variance, weightedMean, weightedVariance } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import {
  createEwma,
  ewmaCount,
  ewmaMean,
  ewmaStdDev,
  ewmaVariance,
  ewmaZScore,
  updateEwma,
} from '../../../src/stats/index.js';
import { close, roundTrip } from './support.js';

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((x) => x + 0);

/** Batch weights of each observation after all of them: α_i = max(α, 1/i), w_i = α_i·Π_{j>i}(1 − α_j). */
function batchWeights(n: number, alpha: number): number[] {
  const weights = new Array<number>(n).fill(0);
  for (let i = n; i >= 1; i--) {
    const a = Math.max(alpha, 1 / i);
    let w = a;
    for (let j = i + 1; j <= n; j++) w *= 1 - Math.max(alpha, 1 / j);
    weights[i - 1] = w;
  }
  return weights;
}

describe('ewma', () => {
  it('equals the plain mean and population variance during the first 1/alpha observations', () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 20 }), (xs) => {
        const state = createEwma({ alpha: 0.05 });
        for (const x of xs) updateEwma(state, x);
        expect(ewmaCount(state)).toBe(xs.length);
        expect(close(ewmaMean(state), mean(xs), 1e-9)).toBe(true);
        expect(Math.abs(ewmaVariance(state) - variance(xs))).toBeLessThanOrEqual(1e-7 * Math.max(1, variance(xs)));
      }),
    );
  });

  it('equals the batch exponentially weighted mean and variance on longer sequences', () => {
    fc.assert(
      fc.property(
        fc.array(finite, { minLength: 1, maxLength: 120 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (xs, alpha) => {
          const state = createEwma({ alpha });
          for (const x of xs) updateEwma(state, x);
          const weights = batchWeights(xs.length, alpha);
          const expectedMean = weightedMean(xs, weights);
          const expectedVariance = weightedVariance(xs, weights);
          expect(close(ewmaMean(state), expectedMean, 1e-7)).toBe(true);
          expect(Math.abs(ewmaVariance(state) - expectedVariance)).toBeLessThanOrEqual(1e-6 * Math.max(1, expectedVariance));
          expect(ewmaStdDev(state)).toBeCloseTo(Math.sqrt(ewmaVariance(state)), 12);
        },
      ),
    );
  });

  it('forgets: after a level shift the mean follows the new level', () => {
    const state = createEwma({ alpha: 0.1 });
    for (let i = 0; i < 200; i++) updateEwma(state, 10);
    for (let i = 0; i < 100; i++) updateEwma(state, 50);
    // 0.9^100 of the old level is left.
    expect(ewmaMean(state)).toBeCloseTo(50 - 40 * 0.9 ** 100, 9);
  });

  it('reports NaN before data and a floored z-score after', () => {
    const state = createEwma();
    expect(ewmaMean(state)).toBeNaN();
    expect(ewmaZScore(state, 1, 1)).toBeNaN();
    for (let i = 0; i < 10; i++) updateEwma(state, 5);
    expect(ewmaZScore(state, 7, 0.5)).toBeCloseTo(4, 12);
  });

  it('survives a JSON round trip and continues identically', () => {
    fc.assert(
      fc.property(fc.array(finite, { maxLength: 50 }), fc.array(finite, { maxLength: 50 }), (before, after) => {
        const state = createEwma({ alpha: 0.2 });
        for (const x of before) updateEwma(state, x);
        const restored = roundTrip(state);
        expect(restored).toEqual(state);
        for (const x of after) {
          updateEwma(state, x);
          updateEwma(restored, x);
        }
        expect(restored).toEqual(state);
        expect(ewmaMean(restored)).toBe(ewmaMean(state));
      }),
    );
  });

  it('rejects an alpha outside (0, 1]', () => {
    expect(() => createEwma({ alpha: 0 })).toThrow(RangeError);
    expect(() => createEwma({ alpha: 1.5 })).toThrow(RangeError);
  });
});
