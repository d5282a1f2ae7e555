/**
 * Exponentially weighted moving mean and variance.
 *
 * Update (West 1979 / Finch 2009, "incremental EW variance"), with effective weight
 * `α_n = max(α, 1/n)` for the n-th observation:
 *
 *   d = x − m;  m ← m + α_n·d;  v ← (1 − α_n)·(v + α_n·d²)
 *
 * The `1/n` floor is a start-up correction: the first ⌈1/α⌉ observations are averaged
 * uniformly, so for them `m` and `v` are exactly the running mean and population variance,
 * instead of being biased towards the first value. Afterwards every observation's weight
 * decays by (1 − α) per later observation (half-life ≈ 0.693/α observations).
 *
 * State size with defaults: 28 bytes of JSON when new, ≈ 65 bytes once the mean and variance
 * are full-precision doubles (`{"a":0.05,"n":10000,"m":…,"v":…}`), ≤ 80 bytes; constant.
 */

export interface EwmaState {
  /** α, smoothing factor in (0, 1]. */
  a: number;
  /** Number of observations. */
  n: number;
  /** Weighted mean. */
  m: number;
  /** Weighted (population) variance. */
  v: number;
}

export interface EwmaParams {
  /** Smoothing factor α in (0, 1]; default 0.05 (half-life ≈ 14 observations). */
  alpha?: number;
}

export function createEwma(params: EwmaParams = {}): EwmaState {
  const alpha = params.alpha ?? 0.05;
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`ewma: alpha must be in (0, 1], got ${alpha}`);
  return { a: alpha, n: 0, m: 0, v: 0 };
}

/** Adds one finite observation (mutates `state`). */
export function updateEwma(state: EwmaState, x: number): void {
  const n = state.n + 1;
  const inverse = 1 / n;
  const alpha = inverse > state.a ? inverse : state.a;
  const d = x - state.m;
  const step = alpha * d;
  state.n = n;
  state.m += step;
  state.v = (1 - alpha) * (state.v + d * step);
}

export function ewmaCount(state: EwmaState): number {
  return state.n;
}

/** Weighted mean; NaN before the first observation. */
export function ewmaMean(state: EwmaState): number {
  return state.n === 0 ? Number.NaN : state.m;
}

/** Weighted population variance; NaN before the first observation. */
export function ewmaVariance(state: EwmaState): number {
  return state.n === 0 ? Number.NaN : state.v;
}

export function ewmaStdDev(state: EwmaState): number {
  return state.n === 0 ? Number.NaN : Math.sqrt(state.v);
}

/**
 * z-score of `x` against the baseline: (x − mean) / max(stddev, minStdDev). `minStdDev` (> 0)
 * keeps a near-constant baseline from turning tiny changes into huge scores. NaN before the
 * first observation.
 */
export function ewmaZScore(state: EwmaState, x: number, minStdDev: number): number {
  if (state.n === 0) return Number.NaN;
  const sd = Math.sqrt(state.v);
  return (x - state.m) / (sd > minStdDev ? sd : minStdDev);
}
