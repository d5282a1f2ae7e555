import { describe, expect, it } from 'vitest';
import { boundedKey, fmix32, fnv1a32, hashTwice } from '../../../src/stats/index.js';

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors for ASCII', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('distinguishes code units above 255', () => {
    expect(fnv1a32('\u0101')).not.toBe(fnv1a32('\u0001'));
  });
});

describe('hashTwice', () => {
  it('is deterministic and gives two different unsigned 32-bit hashes', () => {
    const a = [0, 0];
    const b = [0, 0];
    hashTwice('erp-prod', a);
    hashTwice('erp-prod', b);
    expect(a).toEqual(b);
    expect(a[0]).not.toBe(a[1]);
    for (const h of a) expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
    expect(a[0]).toBe(fmix32(fnv1a32('erp-prod')));
  });

  it('spreads short keys evenly over the low bits', () => {
    const buckets = new Array<number>(64).fill(0);
    const out = [0, 0];
    for (let i = 0; i < 64_000; i++) {
      hashTwice(`sys-${i}`, out);
      buckets[(out[0] as number) & 63]! += 1;
    }
    for (const count of buckets) expect(Math.abs(count - 1000)).toBeLessThan(150);
  });
});

describe('boundedKey', () => {
  it('keeps short values and bounds long ones while keeping them distinct', () => {
    expect(boundedKey('erp-prod', 48)).toBe('erp-prod');
    const long1 = `${'x'.repeat(100)}1`;
    const long2 = `${'x'.repeat(100)}2`;
    expect(boundedKey(long1, 48)).toHaveLength(48);
    expect(boundedKey(long1, 48)).not.toBe(boundedKey(long2, 48));
    expect(boundedKey(long1, 48)).toBe(boundedKey(long1, 48));
  });
});
