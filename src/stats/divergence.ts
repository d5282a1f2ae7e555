/**
 * Jensen–Shannon divergence, base 2, so it lies in [0, 1]: 0 for identical distributions, 1
 * for distributions with disjoint support.
 *
 *   JSD(P, Q) = ½·KL(P ‖ M) + ½·KL(Q ‖ M),  M = ½(P + Q)
 *
 * Inputs are non-negative counts (or weights); each side is normalised by its own sum. An
 * empty side (sum 0) has no distribution: the result is NaN, which compares false against any
 * threshold, so "no data" never alerts by accident.
 *
 * Small samples inflate the divergence (a handful of recent events rarely matches a baseline
 * exactly): callers should require a minimum count before reading the result as drift.
 */

import type { CategoryCountsState } from './category-counts.js';

/** Contribution of one category with probabilities p (in P) and q (in Q). */
function jsTerm(p: number, q: number): number {
  const sum = p + q;
  let term = 0;
  if (p > 0) term += p * Math.log2((2 * p) / sum);
  if (q > 0) term += q * Math.log2((2 * q) / sum);
  return term / 2;
}

function clampUnit(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

function checkCount(x: number): void {
  if (!(x >= 0 && x < Number.POSITIVE_INFINITY)) throw new RangeError(`divergence: counts must be finite and ≥ 0, got ${x}`);
}

/** JSD between two count vectors aligned by index (a missing index counts as 0). */
export function jsDivergence(p: readonly number[], q: readonly number[]): number {
  const length = p.length > q.length ? p.length : q.length;
  let sumP = 0;
  let sumQ = 0;
  for (let i = 0; i < length; i++) {
    const a = p[i] ?? 0;
    const b = q[i] ?? 0;
    checkCount(a);
    checkCount(b);
    sumP += a;
    sumQ += b;
  }
  if (sumP === 0 || sumQ === 0) return Number.NaN;
  let divergence = 0;
  for (let i = 0; i < length; i++) divergence += jsTerm((p[i] ?? 0) / sumP, (q[i] ?? 0) / sumQ);
  return clampUnit(divergence);
}

/** JSD between two count maps keyed by category (a missing key counts as 0). */
export function jsDivergenceOfMaps(p: Readonly<Record<string, number>>, q: Readonly<Record<string, number>>): number {
  let sumP = 0;
  let sumQ = 0;
  for (const key in p) {
    if (!Object.hasOwn(p, key)) continue;
    checkCount(p[key] as number);
    sumP += p[key] as number;
  }
  for (const key in q) {
    if (!Object.hasOwn(q, key)) continue;
    checkCount(q[key] as number);
    sumQ += q[key] as number;
  }
  if (sumP === 0 || sumQ === 0) return Number.NaN;
  let divergence = 0;
  for (const key in p) {
    if (!Object.hasOwn(p, key)) continue;
    divergence += jsTerm((p[key] as number) / sumP, (Object.hasOwn(q, key) ? (q[key] as number) : 0) / sumQ);
  }
  for (const key in q) {
    if (!Object.hasOwn(q, key) || Object.hasOwn(p, key)) continue;
    divergence += jsTerm(0, (q[key] as number) / sumQ);
  }
  return clampUnit(divergence);
}

/**
 * JSD between a recent distribution and a baseline, both as bounded category counts. The
 * categories compared are the union of both sides' named categories plus "other" (compared
 * with "other"); a category named on one side only counts 0 on the other, although its mass
 * there may hide in "other". That errs towards reporting novelty, which is the point: a
 * category too rare to be named in the baseline but frequent now is drift. O(K²) string
 * comparisons, so read it once per comparison window rather than per event.
 */
export function categoryDivergence(baseline: CategoryCountsState, recent: CategoryCountsState): number {
  const sumP = baseline.total;
  const sumQ = recent.total;
  if (!(sumP > 0) || !(sumQ > 0)) return Number.NaN;
  let divergence = jsTerm(baseline.other / sumP, recent.other / sumQ);
  for (let i = 0; i < baseline.names.length; i++) {
    const j = recent.names.indexOf(baseline.names[i] as string);
    divergence += jsTerm((baseline.counts[i] as number) / sumP, j < 0 ? 0 : (recent.counts[j] as number) / sumQ);
  }
  for (let j = 0; j < recent.names.length; j++) {
    if (baseline.names.indexOf(recent.names[j] as string) < 0) divergence += jsTerm(0, (recent.counts[j] as number) / sumQ);
  }
  return clampUnit(divergence);
}
