/**
 * Welford's running mean and variance, with the parallel merge of Chan, Golub & LeVeque
 * (so per-partition or per-period states can be combined).
 *
 * State size: 19 bytes of JSON when new, ≈ 56 bytes once in use (`{"n":10000,"m":…,"s":…}`),
 * ≤ 70 bytes; constant.
 */

export interface WelfordState {
  /** Number of observations. */
  n: number;
  /** Running mean. */
  m: number;
  /** Sum of squared deviations from the mean (M2). */
  s: number;
}

export function createWelford(): WelfordState {
  return { n: 0, m: 0, s: 0 };
}

/** Adds one finite observation (mutates `state`). */
export function updateWelford(state: WelfordState, x: number): void {
  const n = state.n + 1;
  const d = x - state.m;
  state.n = n;
  state.m += d / n;
  state.s += d * (x - state.m);
}

/** Merges `other` into `into` (mutates `into`; `other` is unchanged). */
export function mergeWelford(into: WelfordState, other: WelfordState): void {
  if (other.n === 0) return;
  if (into.n === 0) {
    into.n = other.n;
    into.m = other.m;
    into.s = other.s;
    return;
  }
  const n = into.n + other.n;
  const d = other.m - into.m;
  into.m += (d * other.n) / n;
  into.s += other.s + (d * d * into.n * other.n) / n;
  into.n = n;
}

export function welfordCount(state: WelfordState): number {
  return state.n;
}

/** Mean; NaN when empty. */
export function welfordMean(state: WelfordState): number {
  return state.n === 0 ? Number.NaN : state.m;
}

/** Population variance (divides by n, like simple-statistics `variance`); NaN when empty. */
export function welfordVariance(state: WelfordState): number {
  return state.n === 0 ? Number.NaN : state.s > 0 ? state.s / state.n : 0;
}

/** Sample variance (divides by n − 1); NaN below two observations. */
export function welfordSampleVariance(state: WelfordState): number {
  return state.n < 2 ? Number.NaN : state.s > 0 ? state.s / (state.n - 1) : 0;
}

/** Population standard deviation; NaN when empty. */
export function welfordStdDev(state: WelfordState): number {
  return Math.sqrt(welfordVariance(state));
}

/** Sample standard deviation; NaN below two observations. */
export function welfordSampleStdDev(state: WelfordState): number {
  return Math.sqrt(welfordSampleVariance(state));
}
