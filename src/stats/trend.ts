/**
 * Slow drift, two complementary tools:
 *
 * 1. CUSUM (Page 1954), one-sided: S ← max(0, S + d·(x − target) − k), alarm when S > h, with
 *    d = +1 to catch upward shifts (default) or −1 for downward ones. k (the slack, typically
 *    half the shift worth detecting) absorbs noise; h sets how much accumulated excess raises an
 *    alarm. Feed it standardised values (e.g. a z-score against a baseline, target 0) and
 *    k = 0.5, h = 5 detect a one-sigma shift after ≈ 10 observations while false alarms are rare.
 *    After an alarm S restarts at 0, so a persisting shift alarms again every few observations.
 *    State ≈ 30–50 bytes of JSON.
 *
 * 2. Daily totals: a window ring of 1-day windows (UTC days; see window-ring.ts) and the slope
 *    of the least-squares line through its completed days: "+3.1 MB per day over 28 days".
 *    Empty days count as zeros. State with 28 days, measured: 131 bytes of JSON when new, ≈ 200
 *    bytes with 3-digit daily totals, ≈ 355 bytes with 8-digit totals (≤ 380).
 */

import { createWindowRing, windowRingCount, type WindowRingState } from './window-ring.js';

export interface CusumState {
  /** Slack k (≥ 0), in the units of x. */
  k: number;
  /** Decision threshold h (> 0). */
  h: number;
  /** Direction: +1 detects increases, −1 decreases. */
  dir: 1 | -1;
  /** Cumulative sum S (≥ 0). */
  s: number;
}

export interface CusumParams {
  /** Slack; default 0.5. */
  k?: number;
  /** Threshold; default 5. */
  h?: number;
  /** 'up' (default) or 'down'. */
  direction?: 'up' | 'down';
}

export function createCusum(params: CusumParams = {}): CusumState {
  const k = params.k ?? 0.5;
  const h = params.h ?? 5;
  if (!(k >= 0 && k < Number.POSITIVE_INFINITY)) throw new RangeError(`cusum: k must be finite and ≥ 0, got ${k}`);
  if (!(h > 0 && h < Number.POSITIVE_INFINITY)) throw new RangeError(`cusum: h must be finite and > 0, got ${h}`);
  return { k, h, dir: params.direction === 'down' ? -1 : 1, s: 0 };
}

/** The cumulative sum after observing `x`, without changing the state (for scoring). */
export function cusumNext(state: CusumState, x: number, target = 0): number {
  const s = state.s + state.dir * (x - target) - state.k;
  return s > 0 ? s : 0;
}

/** Observes `x`; returns true on alarm (S > h), after which S restarts at 0. Mutates `state`. */
export function updateCusum(state: CusumState, x: number, target = 0): boolean {
  const s = cusumNext(state, x, target);
  if (s > state.h) {
    state.s = 0;
    return true;
  }
  state.s = s;
  return false;
}

/** Current cumulative sum S. */
export function cusumValue(state: CusumState): number {
  return state.s;
}

/** Restarts the sum (e.g. after the shift was acknowledged as the new normal). */
export function resetCusum(state: CusumState): void {
  state.s = 0;
}

export const DAY_MS = 86_400_000;

export interface DailyTotalsParams {
  /** Days kept; default 28. */
  days?: number;
}

/** A window ring of UTC-day totals; use `updateWindowRing` and the window-ring readers on it. */
export function createDailyTotals(params: DailyTotalsParams = {}): WindowRingState {
  return createWindowRing({ windowMs: DAY_MS, windows: params.days ?? 28 });
}

export interface LinearTrend {
  /** Change per window (per day for daily totals). */
  slope: number;
  /** Fitted value at the oldest completed window. */
  intercept: number;
  /** Number of completed windows the line was fitted to. */
  windows: number;
}

/**
 * Least-squares line through the completed windows of a ring, x = 0 for the oldest. Slope 0
 * for a single window; NaN slope and intercept when there is none. O(N), no allocation but the
 * result.
 */
export function windowRingTrend(state: WindowRingState): LinearTrend {
  const count = windowRingCount(state);
  if (count === 0) return { slope: Number.NaN, intercept: Number.NaN, windows: 0 };
  const { ring, n } = state;
  const oldest = (state.win - count) % n;
  let sumY = 0;
  for (let j = 0, slot = oldest; j < count; j++) {
    sumY += ring[slot] as number;
    if (++slot === n) slot = 0;
  }
  const meanY = sumY / count;
  if (count === 1) return { slope: 0, intercept: meanY, windows: 1 };
  const meanX = (count - 1) / 2;
  let sxy = 0;
  let sxx = 0;
  for (let j = 0, slot = oldest; j < count; j++) {
    const dx = j - meanX;
    sxy += dx * ((ring[slot] as number) - meanY);
    sxx += dx * dx;
    if (++slot === n) slot = 0;
  }
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX, windows: count };
}

/** Slope per window of the completed windows (see `windowRingTrend`); NaN when there is none. */
export function windowRingSlope(state: WindowRingState): number {
  return windowRingTrend(state).slope;
}
