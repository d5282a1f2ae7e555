/** Shared helpers for the stats tests: seeded data, JSON round trip, JSON size. */

/** Mulberry32: a tiny seeded PRNG so test data is reproducible. Returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal sample (Box–Muller) from a uniform source. */
export function normal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Checkpoint and restore exactly as the engine does. */
export function roundTrip<T>(state: T): T {
  return JSON.parse(JSON.stringify(state)) as T;
}

/** Size of a state as checkpointed (UTF-8 bytes of its JSON). */
export function jsonBytes(state: unknown): number {
  return Buffer.byteLength(JSON.stringify(state), 'utf8');
}

/** Relative-or-absolute closeness for comparing online and batch results. */
export function close(actual: number, expected: number, tolerance = 1e-9): boolean {
  if (Number.isNaN(actual) || Number.isNaN(expected)) return Number.isNaN(actual) && Number.isNaN(expected);
  return Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected));
}
