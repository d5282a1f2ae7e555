/**
 * A sliding window over the last `size` observations of a small category (an integer 0–15, e.g.
 * the slot of a tool in a bounded category-counts state), with the count of each category in the
 * window and, optionally, in its most recent `recent` observations (a nested shorter window read
 * from the same ring). The categories are packed four bits each, eight to a 32-bit word, so a
 * window of 80 calls checkpoints as ten numbers; the counts are kept alongside, so reading one is
 * O(1) and a push is O(1) with no allocation (evicted observations are read back from their
 * packed slots).
 *
 * Size, JSON: ≈ 120 bytes new at size 80 with a nested window; ≤ ≈ 260 bytes full (ten 10-digit
 * words, 2 × 16 small counts); without a nested window its fields are left out (≈ 200 bytes full).
 */

/** Categories are 0 … CATEGORY_WINDOW_MAX. */
export const CATEGORY_WINDOW_MAX = 15;
const PER_WORD = 8;

export interface CategoryWindowState {
  /** Window length (observations). */
  n: number;
  /** Packed categories, 4 bits each, slot s in word ⌊s / 8⌋ at bits 4·(s mod 8). */
  r: number[];
  /** Count per category (16) over the window. */
  c: number[];
  /** Slot the next observation is written to. */
  i: number;
  /** Observations in the window (≤ n). */
  f: number;
  /** Length of the nested recent window (< n); absent without one. */
  h?: number;
  /** Count per category (16) over the nested recent window; absent without one. */
  d?: number[];
}

/** A window of `size` observations, with counts over its last `recent` ones too when `recent` > 0 (< size). */
export function createCategoryWindow(size: number, recent = 0): CategoryWindowState {
  if (!(Number.isInteger(size) && size >= 1 && size <= 4096)) throw new RangeError(`category-window: size must be an integer in [1, 4096], got ${size}`);
  if (!(Number.isInteger(recent) && recent >= 0 && recent < size)) throw new RangeError(`category-window: recent must be an integer in [0, size), got ${recent}`);
  const counts = (): number[] => new Array<number>(CATEGORY_WINDOW_MAX + 1).fill(0);
  const state: CategoryWindowState = { n: size, r: new Array<number>(Math.ceil(size / PER_WORD)).fill(0), c: counts(), i: 0, f: 0 };
  if (recent > 0) {
    state.h = recent;
    state.d = counts();
  }
  return state;
}

function slotValue(state: CategoryWindowState, slot: number): number {
  return ((state.r[slot >> 3] as number) >>> ((slot & 7) << 2)) & 15;
}

/** Appends `category` (0–15), evicting the oldest observation once the window is full. O(1). Mutates `state`. */
export function pushCategoryWindow(state: CategoryWindowState, category: number): void {
  if (!(Number.isInteger(category) && category >= 0 && category <= CATEGORY_WINDOW_MAX)) {
    throw new RangeError(`category-window: category must be an integer in [0, ${CATEGORY_WINDOW_MAX}], got ${category}`);
  }
  const slot = state.i;
  const h = state.h ?? 0;
  const recent = state.d;
  if (h > 0 && recent !== undefined) {
    // The observation `h` pushes old leaves the recent window (it is still in the ring: h < n).
    if (state.f >= h) {
      const gone = slotValue(state, slot >= h ? slot - h : slot - h + state.n);
      recent[gone] = (recent[gone] as number) - 1;
    }
    recent[category] = (recent[category] as number) + 1;
  }
  const word = slot >> 3;
  const shift = (slot & 7) << 2;
  const packed = state.r[word] as number;
  if (state.f === state.n) {
    const old = (packed >>> shift) & 15;
    state.c[old] = (state.c[old] as number) - 1;
  } else {
    state.f += 1;
  }
  state.r[word] = ((packed & ~(15 << shift)) | (category << shift)) >>> 0;
  state.c[category] = (state.c[category] as number) + 1;
  state.i = slot + 1 === state.n ? 0 : slot + 1;
}

/** Observations of `category` in the window. */
export function categoryWindowCount(state: CategoryWindowState, category: number): number {
  return state.c[category] ?? 0;
}

/** Observations of `category` among the most recent `h` (the nested window; 0 without one). */
export function categoryWindowRecentCount(state: CategoryWindowState, category: number): number {
  return state.d?.[category] ?? 0;
}

/** The window's observations, oldest first (allocates: for reports and tests, not the hot path). */
export function categoryWindowValues(state: CategoryWindowState): number[] {
  const out: number[] = [];
  let slot = state.f === state.n ? state.i : 0;
  for (let k = 0; k < state.f; k++) {
    out.push(slotValue(state, slot));
    slot = slot + 1 === state.n ? 0 : slot + 1;
  }
  return out;
}

/** Empties the window, keeping its length. Mutates `state`. */
export function resetCategoryWindow(state: CategoryWindowState): void {
  state.r.fill(0);
  state.c.fill(0);
  state.d?.fill(0);
  state.i = 0;
  state.f = 0;
}
