import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  categoryCount,
  categoryCountsOther,
  categoryCountsTotal,
  categoryDivergence,
  createCategoryCounts,
  halveCategoryCounts,
  jsDivergence,
  jsDivergenceOfMaps,
  resetCategoryCounts,
  updateCategoryCounts,
  type CategoryCountsState,
} from '../../../src/stats/index.js';
import { jsonBytes, roundTrip } from './support.js';

/** Batch JSD through entropies: H(M) − (H(P) + H(Q)) / 2, base 2. */
function batchJsd(p: readonly number[], q: readonly number[]): number {
  const sp = p.reduce((a, b) => a + b, 0);
  const sq = q.reduce((a, b) => a + b, 0);
  const entropy = (xs: number[]): number => xs.reduce((h, x) => (x > 0 ? h - x * Math.log2(x) : h), 0);
  const pn = p.map((x) => x / sp);
  const qn = q.map((x) => x / sq);
  const mn = pn.map((x, i) => (x + (qn[i] ?? 0)) / 2);
  return entropy(mn) - (entropy(pn) + entropy(qn)) / 2;
}

const counts = (length: number) => fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: length, maxLength: length });
const pairs = fc
  .integer({ min: 1, max: 12 })
  .chain((n) => fc.tuple(counts(n), counts(n)))
  .filter(([p, q]) => p.some((x) => x > 0) && q.some((x) => x > 0));

describe('jsDivergence', () => {
  it('has the known values: identical 0, disjoint 1, half overlap', () => {
    expect(jsDivergence([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(jsDivergence([1, 2, 3], [10, 20, 30])).toBeCloseTo(0, 12);
    expect(jsDivergence([5, 0], [0, 7])).toBe(1);
    expect(jsDivergence([1, 1, 0, 0], [0, 0, 3, 1])).toBe(1);
    // P = (1, 0), Q = (½, ½): ½·log2(4/3) + ¼·log2(2/3) + ¼·log2(2) = 0.31128…
    expect(jsDivergence([1, 0], [1, 1])).toBeCloseTo(0.5 * Math.log2(4 / 3) + 0.25 * Math.log2(2 / 3) + 0.25, 12);
  });

  it('equals the batch entropy computation, is symmetric and lies in [0, 1]', () => {
    fc.assert(
      fc.property(pairs, ([p, q]) => {
        const d = jsDivergence(p, q);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(1);
        expect(Math.abs(d - batchJsd(p, q))).toBeLessThan(1e-9);
        expect(Math.abs(d - jsDivergence(q, p))).toBeLessThan(1e-12);
      }),
    );
  });

  it('treats missing indices and keys as zero and agrees between vectors and maps', () => {
    fc.assert(
      fc.property(pairs, ([p, q]) => {
        const toMap = (xs: number[]): Record<string, number> => Object.fromEntries(xs.map((x, i) => [`c${i}`, x] as const).filter(([, x]) => x > 0));
        expect(Math.abs(jsDivergenceOfMaps(toMap(p), toMap(q)) - jsDivergence(p, q))).toBeLessThan(1e-12);
      }),
    );
    expect(jsDivergence([1], [1, 0, 0])).toBe(0);
    expect(jsDivergenceOfMaps({ read: 3 }, { write: 1 })).toBe(1);
  });

  it('returns NaN for an empty side and rejects negative counts', () => {
    expect(jsDivergence([], [1])).toBeNaN();
    expect(jsDivergence([0, 0], [0, 0])).toBeNaN();
    expect(jsDivergenceOfMaps({}, { a: 1 })).toBeNaN();
    expect(() => jsDivergence([-1, 2], [1, 1])).toThrow(RangeError);
  });
});

const OTHER = '\u0000other';

function asMap(state: CategoryCountsState): Record<string, number> {
  const map: Record<string, number> = Object.fromEntries(state.names.map((name, i) => [name, state.counts[i] as number]));
  if (state.other > 0) map[OTHER] = state.other;
  return map;
}

const categoryStreams = fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 5 })), { maxLength: 300 });

describe('category counts', () => {
  it('counts exactly up to K categories and puts the rest in "other"', () => {
    const state = createCategoryCounts({ k: 2 });
    updateCategoryCounts(state, 'read');
    updateCategoryCounts(state, 'read', 4);
    updateCategoryCounts(state, 'send');
    updateCategoryCounts(state, 'delete', 2);
    expect(categoryCount(state, 'read')).toBe(5);
    expect(categoryCount(state, 'delete')).toBeUndefined();
    expect(categoryCountsOther(state)).toBe(2);
    expect(categoryCountsTotal(state)).toBe(8);
  });

  it('halves on reaching the cap, dropping categories that reach zero', () => {
    const state = createCategoryCounts({ k: 3, cap: 10 });
    for (let i = 0; i < 8; i++) updateCategoryCounts(state, 'read');
    updateCategoryCounts(state, 'send');
    updateCategoryCounts(state, 'write');
    updateCategoryCounts(state, 'admin');
    expect(state.names).toEqual(['read']);
    expect(state.counts).toEqual([4]);
    expect(categoryCountsTotal(state)).toBe(4);
    updateCategoryCounts(state, 'admin');
    expect(categoryCount(state, 'admin')).toBe(1);
    halveCategoryCounts(state);
    resetCategoryCounts(state);
    expect(state).toEqual(createCategoryCounts({ k: 3, cap: 10 }));
  });

  it('keeps total equal to the sum of counts and other, and stays bounded', () => {
    fc.assert(
      fc.property(categoryStreams, fc.integer({ min: 0, max: 200 }), (stream, cap) => {
        const state = createCategoryCounts({ k: 8, cap });
        for (const [c, w] of stream) updateCategoryCounts(state, `tool.${c}`, w);
        expect(state.names.length).toBeLessThanOrEqual(8);
        expect(state.total).toBe(state.counts.reduce((a, b) => a + b, 0) + state.other);
        if (cap > 0) expect(state.total).toBeLessThanOrEqual(cap);
      }),
    );
    const attacked = createCategoryCounts();
    for (let i = 0; i < 100_000; i++) updateCategoryCounts(attacked, `${'x'.repeat(i % 300)}${i}`);
    expect(attacked.names).toHaveLength(16);
    for (const name of attacked.names) expect(name.length).toBeLessThanOrEqual(48);
    expect(jsonBytes(attacked)).toBeLessThanOrEqual(1_100);
  });

  it('survives a JSON round trip and continues identically', () => {
    fc.assert(
      fc.property(categoryStreams, fc.integer({ min: 0, max: 300 }), (stream, cut) => {
        const state = createCategoryCounts({ k: 6, cap: 50 });
        for (const [c, w] of stream.slice(0, cut)) updateCategoryCounts(state, `c${c}`, w);
        const restored = roundTrip(state);
        expect(restored).toEqual(state);
        for (const [c, w] of stream.slice(cut)) {
          updateCategoryCounts(state, `c${c}`, w);
          updateCategoryCounts(restored, `c${c}`, w);
        }
        expect(restored).toEqual(state);
      }),
    );
  });
});

describe('categoryDivergence', () => {
  it('equals the map divergence over the union of named categories plus "other"', () => {
    fc.assert(
      fc.property(categoryStreams, categoryStreams, (a, b) => {
        const baseline = createCategoryCounts({ k: 6 });
        const recent = createCategoryCounts({ k: 6 });
        for (const [c, w] of a) updateCategoryCounts(baseline, `c${c}`, w);
        for (const [c, w] of b) updateCategoryCounts(recent, `c${(c * 7) % 31}`, w);
        const expected = jsDivergenceOfMaps(asMap(baseline), asMap(recent));
        const actual = categoryDivergence(baseline, recent);
        if (Number.isNaN(expected)) expect(actual).toBeNaN();
        else expect(Math.abs(actual - expected)).toBeLessThan(1e-12);
      }),
    );
  });

  it('is 0 for the same mix and 1 for a completely new mix', () => {
    const baseline = createCategoryCounts();
    const same = createCategoryCounts();
    const changed = createCategoryCounts();
    for (let i = 0; i < 100; i++) {
      updateCategoryCounts(baseline, i % 4 === 0 ? 'send' : 'read');
      if (i < 20) updateCategoryCounts(same, i % 4 === 0 ? 'send' : 'read');
      updateCategoryCounts(changed, i % 2 === 0 ? 'delete' : 'transfer');
    }
    expect(categoryDivergence(baseline, same)).toBeCloseTo(0, 12);
    expect(categoryDivergence(baseline, changed)).toBe(1);
    expect(categoryDivergence(baseline, createCategoryCounts())).toBeNaN();
  });
});
