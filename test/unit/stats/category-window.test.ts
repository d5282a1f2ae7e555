import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  categoryWindowCount,
  categoryWindowRecentCount,
  categoryWindowValues,
  createCategoryWindow,
  pushCategoryWindow,
  resetCategoryWindow,
} from '../../../src/stats/category-window.js';
import { jsonBytes, roundTrip } from './support.js';

/** Batch reference: counts of each category over the last `size` and the last `recent` values. */
function reference(values: readonly number[], size: number, recent: number): { window: number[]; counts: number[]; recentCounts: number[] } {
  const window = values.slice(Math.max(0, values.length - size));
  const last = recent > 0 ? values.slice(Math.max(0, values.length - recent)) : [];
  const counts = Array.from({ length: 16 }, (_, c) => window.filter((v) => v === c).length);
  const recentCounts = Array.from({ length: 16 }, (_, c) => last.filter((v) => v === c).length);
  return { window, counts, recentCounts };
}

describe('category window', () => {
  it('matches a batch count over the last `size` and `recent` values, through JSON checkpoints', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 0, max: 89 }),
        fc.array(fc.integer({ min: 0, max: 15 }), { maxLength: 300 }),
        fc.integer({ min: 0, max: 300 }),
        (size, recentRaw, values, checkpointAt) => {
          const recent = recentRaw % size;
          let state = createCategoryWindow(size, recent);
          values.forEach((value, i) => {
            if (i === checkpointAt) state = roundTrip(state);
            pushCategoryWindow(state, value);
          });
          const expected = reference(values, size, recent);
          expect(categoryWindowValues(state)).toEqual(expected.window);
          for (let c = 0; c < 16; c++) {
            expect(categoryWindowCount(state, c)).toBe(expected.counts[c]);
            expect(categoryWindowRecentCount(state, c)).toBe(expected.recentCounts[c]);
          }
          expect(state.f).toBe(Math.min(size, values.length));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reset empties it, keeping its lengths', () => {
    const state = createCategoryWindow(10, 4);
    for (let i = 0; i < 25; i++) pushCategoryWindow(state, i % 16);
    resetCategoryWindow(state);
    expect(categoryWindowValues(state)).toEqual([]);
    expect(state.c.every((count) => count === 0) && (state.d ?? []).every((count) => count === 0)).toBe(true);
    pushCategoryWindow(state, 3);
    expect(categoryWindowCount(state, 3)).toBe(1);
    expect(categoryWindowRecentCount(state, 3)).toBe(1);
  });

  it('rejects categories outside 0–15 and bad lengths', () => {
    expect(() => pushCategoryWindow(createCategoryWindow(4), 16)).toThrow(RangeError);
    expect(() => pushCategoryWindow(createCategoryWindow(4), -1)).toThrow(RangeError);
    expect(() => createCategoryWindow(0)).toThrow(RangeError);
    expect(() => createCategoryWindow(8, 8)).toThrow(RangeError);
  });

  it('checkpoints a full window of 79 with a nested 39 in under 260 bytes', () => {
    const state = createCategoryWindow(79, 39);
    for (let i = 0; i < 500; i++) pushCategoryWindow(state, (i * 7) % 16);
    expect(jsonBytes(state)).toBeLessThan(260);
  });

  it('leaves the nested fields out without a nested window (a full window of 79 in under 200 bytes)', () => {
    const state = createCategoryWindow(79);
    for (let i = 0; i < 500; i++) pushCategoryWindow(state, (i * 7) % 16);
    expect('h' in state || 'd' in state).toBe(false);
    expect(jsonBytes(state)).toBeLessThan(200);
    resetCategoryWindow(state);
    expect(categoryWindowRecentCount(state, 3)).toBe(0);
  });
});
