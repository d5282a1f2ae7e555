/**
 * Online, bounded-memory statistics for per-agent baselines.
 *
 * Every state is plain JSON-serialisable data (numbers, strings, arrays of them; given finite
 * inputs never NaN or Infinity), so it is checkpointed with JSON.stringify and restored with
 * JSON.parse unchanged. `createX(params)` builds a state, `updateX(state, …)` mutates it in
 * place, readers are pure. Times are event times in epoch milliseconds. Nothing here uses
 * randomness or the clock.
 *
 * Checkpoint sizes at default parameters, bytes of JSON (test/unit/stats/sizes.test.ts):
 *
 * | primitive                         | new | typical | large                             |
 * |-----------------------------------|-----|---------|-----------------------------------|
 * | ewma                              |  28 |      63 | ≤ 80                              |
 * | welford                           |  19 |      56 | ≤ 70                              |
 * | window ring (48 × 5 min)          | 169 |     251 | 539 with 8-digit totals           |
 * | hour of week (168 × 4 bit)        |  82 |     190 | 281 with every hour active        |
 * | bounded set (K 16, 512-bit Bloom) | 174 |     826 | 1 447 under attack, ≤ ≈ 1 900     |
 * | category counts (K 16)            |  68 |     307 | 923 with 48-char names, ≤ ≈ 1 100 |
 * | cusum                             |  29 |      29 | ≤ 50                              |
 * | daily totals (28 days)            | 131 |     200 | 355 with 8-digit totals           |
 *
 * Typical: counts of a few digits and short values; the bounds assume ASCII values.
 */

export * from './hash.js';
export * from './ewma.js';
export * from './welford.js';
export * from './window-ring.js';
export * from './hour-of-week.js';
export * from './bloom-filter.js';
export * from './hyperloglog.js';
export * from './bounded-set.js';
export * from './category-counts.js';
export * from './divergence.js';
export * from './trend.js';
export * from './intern.js';
export { medianOfSorted, quantileOfSorted } from './order-statistics.js';
