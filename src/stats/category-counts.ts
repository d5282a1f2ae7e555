/**
 * Bounded category counts: exact counts for up to K named categories plus one "other" count
 * for everything that arrived while all K slots were taken. This is the distribution that
 * `categoryDivergence` compares (e.g. an agent's action mix now vs. its baseline).
 *
 * Optional decay: with `cap` > 0, when the total passes `cap` every count is halved (rounded
 * down, repeatedly if one large weight requires it) and categories that reach 0 free their
 * slot, so a baseline follows slow change and new categories can take a slot. Counts are meant
 * to be integers (weights default to 1).
 *
 * Size with defaults (K = 16, names ≤ 48 chars), measured: 68 bytes of JSON when new; ≈ 310 bytes
 * with 16 short names and 4–5 digit counts; ≈ 920 bytes with names at the 48-character cap.
 * Bound ≈ 1 100 bytes with ASCII names. Constant whatever the number of distinct categories.
 */

import { boundedKey } from './hash.js';
import { intern } from './intern.js';

export interface CategoryCountsState {
  /** K, maximum number of named categories. */
  k: number;
  /** Maximum stored name length (longer names are stored as prefix~hash). */
  len: number;
  /** Halve all counts when the total exceeds this (0 = never). */
  cap: number;
  /** Category names (≤ K). */
  names: string[];
  /** Count per named category. */
  counts: number[];
  /** Count of everything not named. */
  other: number;
  /** Sum of `counts` and `other`. */
  total: number;
}

export interface CategoryCountsParams {
  /** Named categories kept; default 16. */
  k?: number;
  /** Total above which all counts are halved; default 0 (no decay). */
  cap?: number;
  /** Maximum stored name length (≥ 16); default 48. */
  maxNameLength?: number;
}

export function createCategoryCounts(params: CategoryCountsParams = {}): CategoryCountsState {
  const k = params.k ?? 16;
  const cap = params.cap ?? 0;
  const len = params.maxNameLength ?? 48;
  if (!(Number.isInteger(k) && k >= 1 && k <= 1024)) throw new RangeError(`category-counts: k must be an integer in [1, 1024], got ${k}`);
  if (!(Number.isInteger(cap) && cap >= 0)) throw new RangeError(`category-counts: cap must be a non-negative integer, got ${cap}`);
  if (!(Number.isInteger(len) && len >= 16)) throw new RangeError(`category-counts: maxNameLength must be an integer ≥ 16, got ${len}`);
  return { k, len, cap, names: [], counts: [], other: 0, total: 0 };
}

/** Adds `weight` (default 1, ≥ 0) to `category`. O(K). Mutates `state`. */
export function updateCategoryCounts(state: CategoryCountsState, category: string, weight = 1): void {
  if (!(weight >= 0 && weight < Number.POSITIVE_INFINITY)) throw new RangeError(`category-counts: weight must be finite and ≥ 0, got ${weight}`);
  const name = category.length <= state.len ? category : boundedKey(category, state.len);
  const i = state.names.indexOf(name);
  if (i >= 0) {
    state.counts[i] = (state.counts[i] as number) + weight;
  } else if (state.names.length < state.k) {
    state.names.push(intern(name));
    state.counts.push(weight);
  } else {
    state.other += weight;
  }
  state.total += weight;
  if (state.cap > 0) while (state.total > state.cap) halveCategoryCounts(state);
}

/** Halves every count (rounded down) and drops named categories that reach 0. Mutates `state`. */
export function halveCategoryCounts(state: CategoryCountsState): void {
  const { names, counts } = state;
  let kept = 0;
  let total = 0;
  for (let i = 0; i < names.length; i++) {
    const halved = Math.floor((counts[i] as number) / 2);
    if (halved > 0) {
      names[kept] = names[i] as string;
      counts[kept] = halved;
      kept++;
      total += halved;
    }
  }
  names.length = kept;
  counts.length = kept;
  state.other = Math.floor(state.other / 2);
  state.total = total + state.other;
}

/** Empties the counts (e.g. at the start of a new comparison window), keeping the parameters. */
export function resetCategoryCounts(state: CategoryCountsState): void {
  state.names.length = 0;
  state.counts.length = 0;
  state.other = 0;
  state.total = 0;
}

/** Count of `category`; undefined when it is not named (its mass, if any, is in `other`). */
export function categoryCount(state: CategoryCountsState, category: string): number | undefined {
  const i = state.names.indexOf(category.length <= state.len ? category : boundedKey(category, state.len));
  return i < 0 ? undefined : (state.counts[i] as number);
}

export function categoryCountsTotal(state: CategoryCountsState): number {
  return state.total;
}

export function categoryCountsOther(state: CategoryCountsState): number {
  return state.other;
}
