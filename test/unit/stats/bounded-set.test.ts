import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  boundedSetDistinct,
  boundedSetEntry,
  boundedSetFalsePositiveRate,
  boundedSetFillRatio,
  boundedSetHasSeen,
  boundedSetIsTracked,
  boundedSetTop,
  boundedSetTotal,
  createBoundedSet,
  createHllRegisters,
  hashTwice,
  hllAdd,
  hllEstimate,
  updateBoundedSet,
} from '../../../src/stats/index.js';
import { jsonBytes, roundTrip, seededRandom } from './support.js';

const T0 = 1_700_000_000_000;

/** Streams of (value, time) over a small skewed alphabet, times mostly increasing. */
const streams = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 39 }), fc.integer({ min: -5_000, max: 60_000 })), { maxLength: 400 })
  .map((steps) => {
    let cursor = T0;
    return steps.map(([v, dt]) => {
      cursor += Math.max(dt, 0);
      // Square the index for skew: low values are much more frequent.
      return { value: `sys-${Math.floor((v * v) / 40)}`, time: cursor + Math.min(dt, 0) };
    });
  });

describe('bounded set: exact top-K', () => {
  it('is exact while there are at most K distinct values', () => {
    const state = createBoundedSet();
    expect(updateBoundedSet(state, 'erp-prod', T0 + 1_500)).toBe(false);
    expect(updateBoundedSet(state, 'erp-prod', T0 + 61_700)).toBe(true);
    updateBoundedSet(state, 'mail-internal', T0 + 2_000);
    updateBoundedSet(state, 'erp-prod', T0 + 500); // late event: first seen moves earlier
    expect(boundedSetEntry(state, 'erp-prod')).toEqual({
      value: 'erp-prod',
      count: 3,
      error: 0,
      firstSeenMs: T0,
      lastSeenMs: T0 + 61_000,
    });
    expect(boundedSetTop(state).map((e) => e.value)).toEqual(['erp-prod', 'mail-internal']);
    expect(boundedSetTotal(state)).toBe(4);
    expect(boundedSetHasSeen(state, 'mail-internal')).toBe(true);
    expect(boundedSetHasSeen(state, 'crm-prod')).toBe(false);
    expect(boundedSetEntry(state, 'crm-prod')).toBeUndefined();
    expect(boundedSetDistinct(state)).toBe(2);
  });

  it('keeps the Space-Saving guarantees against an exact count', () => {
    fc.assert(
      fc.property(streams, fc.integer({ min: 1, max: 16 }), (stream, k) => {
        const state = createBoundedSet({ k });
        const truth = new Map<string, number>();
        for (const { value, time } of stream) {
          updateBoundedSet(state, value, time);
          truth.set(value, (truth.get(value) ?? 0) + 1);
        }
        const entries = boundedSetTop(state);
        expect(entries.length).toBe(Math.min(k, truth.size));
        expect(entries.reduce((sum, e) => sum + e.count, 0)).toBe(stream.length);
        for (const e of entries) {
          const exact = truth.get(e.value) ?? 0;
          expect(e.count - e.error).toBeLessThanOrEqual(exact);
          expect(exact).toBeLessThanOrEqual(e.count);
        }
        for (const [value, count] of truth) {
          if (count > stream.length / k) expect(boundedSetIsTracked(state, value)).toBe(true);
          // Every value ever added is reported as seen: no false negatives.
          expect(boundedSetHasSeen(state, value)).toBe(true);
        }
      }),
    );
  });

  it('bounds the length of stored values', () => {
    const state = createBoundedSet();
    const long = `https://files.example/${'a'.repeat(10_000)}`;
    updateBoundedSet(state, long, T0);
    updateBoundedSet(state, long, T0);
    expect(state.v[0]).toHaveLength(48);
    expect(boundedSetEntry(state, long)?.count).toBe(2);
    expect(boundedSetHasSeen(state, `${long}b`)).toBe(false);
  });
});

describe('bounded set: Bloom filter and distinct count', () => {
  it('has a false-positive rate within expectation', () => {
    for (const n of [50, 100]) {
      const state = createBoundedSet();
      for (let i = 0; i < n; i++) updateBoundedSet(state, `system-${i}.corp.example`, T0 + i);
      const trials = 20_000;
      let falsePositives = 0;
      for (let i = 0; i < trials; i++) if (boundedSetHasSeen(state, `never-${i}`)) falsePositives++;
      const measured = falsePositives / trials;
      const theory = (1 - Math.exp((-3 * n) / 512)) ** 3; // 1.6% at 50, 8.7% at 100
      expect(Math.abs(measured - theory)).toBeLessThan(0.35 * theory);
      expect(Math.abs(measured - boundedSetFalsePositiveRate(state))).toBeLessThan(0.25 * measured);
      for (let i = 0; i < n; i++) expect(boundedSetHasSeen(state, `system-${i}.corp.example`)).toBe(true);
    }
  });

  it('estimates the distinct count within a few percent while the Bloom filter is not saturated', () => {
    for (const n of [10, 50, 100, 200, 300]) {
      const state = createBoundedSet();
      for (let i = 0; i < 3 * n; i++) updateBoundedSet(state, `tool-${i % n}`, T0 + i);
      expect(Math.abs(boundedSetDistinct(state) - n) / n).toBeLessThan(0.12);
    }
  });

  it('keeps a usable HyperLogLog estimate after saturation', () => {
    const registers = createHllRegisters(1024);
    const hashes = [0, 0];
    for (let i = 0; i < 100_000; i++) {
      hashTwice(`v${i}`, hashes);
      hllAdd(registers, hashes[1] as number);
    }
    expect(Math.abs(hllEstimate(registers) - 100_000) / 100_000).toBeLessThan(0.1); // σ ≈ 3.3%
    const small = createHllRegisters(1024);
    for (let i = 0; i < 300; i++) {
      hashTwice(`v${i}`, hashes);
      hllAdd(small, hashes[1] as number);
    }
    expect(Math.abs(hllEstimate(small) - 300) / 300).toBeLessThan(0.1);
  });

  it('does not grow under a cardinality attack, and keeps the real heavy hitters', () => {
    const state = createBoundedSet();
    const random = seededRandom(42);
    const legit = ['erp-prod', 'mail-internal', 'crm-prod'];
    let time = T0;
    let maxBytes = 0;
    for (let i = 0; i < 1_000_000; i++) {
      time += 10;
      const value = random() < 0.3 ? (legit[i % 3] as string) : `attacker-${i}-${'z'.repeat(i % 200)}`;
      updateBoundedSet(state, value, time);
      if (i % 10_000 === 0) maxBytes = Math.max(maxBytes, jsonBytes(state));
    }
    expect(state.v).toHaveLength(16);
    expect(state.bloom).toHaveLength(16);
    expect(state.hll).toHaveLength(16);
    // Sizes vary with the stored values but never exceed the documented bound.
    maxBytes = Math.max(maxBytes, jsonBytes(state));
    expect(maxBytes).toBeLessThanOrEqual(1_300);
    for (const value of legit) {
      expect(boundedSetIsTracked(state, value)).toBe(true);
      expect(boundedSetHasSeen(state, value)).toBe(true);
    }
    expect(boundedSetFillRatio(state)).toBe(1);
    const distinct = boundedSetDistinct(state);
    expect(distinct).toBeGreaterThan(350_000);
    expect(distinct).toBeLessThan(1_400_000);
  });
});

describe('bounded set: checkpoints', () => {
  it('survives a JSON round trip and continues identically', () => {
    fc.assert(
      fc.property(streams, fc.integer({ min: 0, max: 400 }), (stream, cut) => {
        const state = createBoundedSet({ k: 4, bloomBits: 128 });
        for (const { value, time } of stream.slice(0, cut)) updateBoundedSet(state, value, time);
        const restored = roundTrip(state);
        expect(restored).toEqual(state);
        for (const { value, time } of stream.slice(cut)) {
          expect(updateBoundedSet(restored, value, time)).toBe(updateBoundedSet(state, value, time));
        }
        expect(restored).toEqual(state);
        expect(boundedSetTop(restored)).toEqual(boundedSetTop(state));
        expect(boundedSetDistinct(restored)).toBe(boundedSetDistinct(state));
      }),
    );
  });

  it('rejects invalid parameters', () => {
    expect(() => createBoundedSet({ k: 0 })).toThrow(RangeError);
    expect(() => createBoundedSet({ bloomBits: 100 })).toThrow(RangeError);
    expect(() => createBoundedSet({ hllRegisters: 12 })).toThrow(RangeError);
    expect(createBoundedSet({ hllRegisters: 0 }).hll).toEqual([]);
  });
});
