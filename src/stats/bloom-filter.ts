/**
 * Bloom filter over an array of 32-bit words (plain numbers, JSON-safe), with k positions from
 * Kirsch–Mitzenmacher double hashing: position_i = (h1 + i·h2) mod m, h2 forced odd.
 * The caller supplies the two hashes (see `hashTwice`), so one hashing pass serves several
 * sketches. Words hold signed 32-bit values (`| 0`), which round-trip through JSON unchanged.
 *
 * Size: m/32 words; 512 bits = 16 words ≈ 120–180 bytes of JSON once filled.
 */

/** An all-zero filter of `bits` bits (a positive multiple of 32). */
export function createBloomWords(bits: number): number[] {
  if (!(Number.isInteger(bits) && bits >= 32 && bits % 32 === 0)) {
    throw new RangeError(`bloom: bits must be a positive multiple of 32, got ${bits}`);
  }
  return new Array<number>(bits / 32).fill(0);
}

/** Sets the k positions of (h1, h2); returns true when all of them were already set (probably seen). */
export function bloomAdd(words: number[], hashes: number, h1: number, h2: number): boolean {
  const bits = words.length * 32;
  const step = h2 | 1;
  let present = true;
  for (let i = 0; i < hashes; i++) {
    const position = ((h1 + Math.imul(i, step)) >>> 0) % bits;
    const index = position >>> 5;
    const mask = 1 << (position & 31);
    const word = words[index] as number;
    if ((word & mask) === 0) {
      present = false;
      words[index] = word | mask;
    }
  }
  return present;
}

/** Whether all k positions of (h1, h2) are set: false means certainly never added. */
export function bloomHas(words: number[], hashes: number, h1: number, h2: number): boolean {
  const bits = words.length * 32;
  const step = h2 | 1;
  for (let i = 0; i < hashes; i++) {
    const position = ((h1 + Math.imul(i, step)) >>> 0) % bits;
    if (((words[position >>> 5] as number) & (1 << (position & 31))) === 0) return false;
  }
  return true;
}

function popcount32(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Number of set bits. */
export function bloomSetBits(words: number[]): number {
  let set = 0;
  for (let i = 0; i < words.length; i++) set += popcount32(words[i] as number);
  return set;
}

/**
 * Linear-counting estimate of the number of distinct values added (Swamidass & Baldi):
 * n ≈ −(m / k)·ln(1 − X / m) for X set bits out of m. Infinity when every bit is set.
 */
export function bloomDistinctEstimate(words: number[], hashes: number): number {
  const bits = words.length * 32;
  const set = bloomSetBits(words);
  if (set >= bits) return Number.POSITIVE_INFINITY;
  return (-bits / hashes) * Math.log(1 - set / bits);
}

/** Current false-positive probability of `bloomHas` for a never-added value: (X / m)^k. */
export function bloomFalsePositiveRate(words: number[], hashes: number): number {
  return (bloomSetBits(words) / (words.length * 32)) ** hashes;
}
