/**
 * Deterministic string hashing for the sketches (Bloom filter, HyperLogLog) and for bounding
 * the length of stored keys. No randomness: the same string always gives the same hash, in
 * every process, so checkpointed sketches stay valid after a restore.
 *
 * FNV-1a 32-bit over the string's UTF-16 code units (one byte for code units < 256, two
 * bytes otherwise, low byte first: identical to byte-wise FNV-1a for ASCII/Latin-1 text),
 * followed by the MurmurHash3 finaliser (fmix32) because raw FNV-1a mixes its low bits
 * poorly for short keys, and the sketches index with the low bits.
 */

import { redactSecrets } from '../redaction.js';

const FNV_PRIME = 0x01000193;
/** Standard FNV-1a 32-bit offset basis. */
export const FNV_OFFSET_BASIS = 0x811c9dc5;
/** Second seed (offset basis) for the independent second hash used by double hashing. */
export const FNV_SECOND_SEED = 0x9747b28c;

/** Plain FNV-1a 32-bit (unsigned), no finaliser. `fnv1a32('a') === 0xe40c292c`. */
export function fnv1a32(text: string, seed: number = FNV_OFFSET_BASIS): number {
  let h = seed | 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h = Math.imul(h ^ (c & 0xff), FNV_PRIME);
    if (c > 0xff) h = Math.imul(h ^ (c >>> 8), FNV_PRIME);
  }
  return h >>> 0;
}

/** MurmurHash3 32-bit finaliser: full avalanche of a 32-bit value (unsigned result). */
export function fmix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Two independent well-mixed 32-bit hashes of `text` in one pass, written into `out[0]` and
 * `out[1]` (unsigned) so the hot path allocates nothing. Used for Kirsch–Mitzenmacher double
 * hashing (position i = h1 + i·h2) and for HyperLogLog.
 */
export function hashTwice(text: string, out: number[]): void {
  let a = FNV_OFFSET_BASIS | 0;
  let b = FNV_SECOND_SEED | 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const lo = c & 0xff;
    a = Math.imul(a ^ lo, FNV_PRIME);
    b = Math.imul(b ^ lo, FNV_PRIME);
    if (c > 0xff) {
      const hi = c >>> 8;
      a = Math.imul(a ^ hi, FNV_PRIME);
      b = Math.imul(b ^ hi, FNV_PRIME);
    }
  }
  out[0] = fmix32(a);
  out[1] = fmix32(b);
}

/**
 * The key under which a value is stored in a bounded structure: the value itself when it has
 * at most `maxLength` UTF-16 code units, otherwise the first `maxLength - 9` code units of the
 * value with its credentials redacted, `~` and the 8 hex digits of the FNV-1a hash of the whole
 * value. Distinct long values stay distinct (up to hash collisions) while the stored string
 * length is bounded, so an attacker cannot grow a state with very long names. Redacted before it
 * is cut: a credential cut short is no longer recognised where the key is stored or shown, and
 * would leave most of its characters there. `maxLength` must be ≥ 16.
 */
export function boundedKey(value: string, maxLength: number): string {
  if (value.length <= maxLength) return value;
  const hex = fnv1a32(value).toString(16).padStart(8, '0');
  return `${redactSecrets(value).slice(0, maxLength - 9)}~${hex}`;
}
