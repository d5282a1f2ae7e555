import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  categoryWindowCount,
  categoryWindowValues,
  createCategoryWindow,
  pushCategoryWindow,
  resetCategoryWindow,
} from '../../../src/stats/category-window.js';
import { jsonBytes, roundTrip } from './support.js';

/** Batch reference: counts of each category over the last `size` values. */
function reference(values: readonly number[], size: number): { window: number[]; counts: number[] } {
  const window = values.slice(Math.max(0, values.length - size));
  const counts = Array.from({ length: 16 }, (_, c) => window.filter((v) => v === c).length);
  return { window, counts };
}

describe('category window', () => {
  it('matches a batch count over the last `size` values, through JSON checkpoints', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 90 }),
        fc.array(fc.integer({ min: 0, max: 15 }), { maxLength: 300 }),
        fc.integer({ min: 0, max: 300 }),
        (size, values, checkpointAt) => {
          let state = createCategoryWindow(size);
          values.forEach((value, i) => {
            if (i === checkpointAt) state = roundTrip(state);
            pushCategoryWindow(state, value);
          });
          const expected = reference(values, size);
          expect(categoryWindowValues(state)).toEqual(expected.window);
          for (let c = 0; c < 16; c++) expect(categoryWindowCount(state, c)).toBe(expected.counts[c]);
          expect(state.f).toBe(Math.min(size, values.length));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reset empties it, keeping its lengths', () => {
    const state = createCategoryWindow(10);
    for (let i = 0; i < 25; i++) pushCategoryWindow(state, i % 16);
    resetCategoryWindow(state);
    expect(categoryWindowValues(state)).toEqual([]);
    expect(state.c.every((count) => count === 0)).toBe(true);
    pushCategoryWindow(state, 3);
    expect(categoryWindowCount(state, 3)).toBe(1);
    expect(state.n).toBe(10);
  });

  it('rejects categories outside 0–15 and bad lengths', () => {
    expect(() => pushCategoryWindow(createCategoryWindow(4), 16)).toThrow(RangeError);
    expect(() => pushCategoryWindow(createCategoryWindow(4), -1)).toThrow(RangeError);
    expect(() => createCategoryWindow(0)).toThrow(RangeError);
    expect(() => createCategoryWindow(4097)).toThrow(RangeError);
  });

  it('checkpoints a full window of 79 in under 200 bytes', () => {
    const state = createCategoryWindow(79);
    for (let i = 0; i < 500; i++) pushCategoryWindow(state, (i * 7) % 16);
    expect(jsonBytes(state)).toBeLessThan(200);
  });
});
