/**
 * A tiny HyperLogLog (Flajolet et al. 2007) over a 32-bit hash: 2^p registers of small
 * integers in a plain array. With 16 registers the standard error is ≈ 26% (1.04/√16); it is
 * meant to keep a distinct-count estimate meaningful after a Bloom filter saturates (millions
 * of distinct values), not to be precise.
 *
 * Size: 16 registers ≈ 35–50 bytes of JSON.
 */

/** `registers` zeroed registers (a power of two from 16 to 4096). */
export function createHllRegisters(registers: number): number[] {
  if (!(Number.isInteger(registers) && registers >= 16 && registers <= 4096 && (registers & (registers - 1)) === 0)) {
    throw new RangeError(`hyperloglog: registers must be a power of two in [16, 4096], got ${registers}`);
  }
  return new Array<number>(registers).fill(0);
}

/** Records a value by its 32-bit hash. */
export function hllAdd(registers: number[], hash: number): void {
  const p = 31 - Math.clz32(registers.length);
  const index = hash >>> (32 - p);
  const rest = hash << p;
  // Rank = position of the first 1-bit in the remaining 32 − p bits (32 − p + 1 when all zero).
  const rank = rest === 0 ? 33 - p : Math.clz32(rest) + 1;
  if (rank > (registers[index] as number)) registers[index] = rank;
}

/** Estimated number of distinct values, with the small-range (linear counting) correction. */
export function hllEstimate(registers: number[]): number {
  const m = registers.length;
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < m; i++) {
    const r = registers[i] as number;
    sum += 2 ** -r;
    if (r === 0) zeros++;
  }
  const alpha = m === 16 ? 0.673 : m === 32 ? 0.697 : m === 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
  const estimate = (alpha * m * m) / sum;
  if (estimate <= 2.5 * m && zeros > 0) return m * Math.log(m / zeros);
  return estimate;
}
