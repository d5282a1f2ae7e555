/**
 * A sliding window over the last `size` observations of a small category (an integer 0–15, e.g.
 * the slot of a tool in a bounded category-counts state), with the count of each category in the
 * window. The categories are packed four bits each, eight to a 32-bit word, so a window of 80
 * calls checkpoints as ten numbers; the counts are kept alongside, so reading one is O(1) and a
 * push is O(1) with no allocation (the evicted observation is read back from its packed slot).
 *
 * Size, JSON: ≤ ≈ 200 bytes full at size 80 (ten 10-digit words, 16 small counts).
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
}

/** An empty window of `size` observations. */
export function createCategoryWindow(size: number): CategoryWindowState {
  if (!(Number.isInteger(size) && size >= 1 && size <= 4096)) throw new RangeError(`category-window: size must be an integer in [1, 4096], got ${size}`);
  return { n: size, r: new Array<number>(Math.ceil(size / PER_WORD)).fill(0), c: new Array<number>(CATEGORY_WINDOW_MAX + 1).fill(0), i: 0, f: 0 };
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
  state.i = 0;
  state.f = 0;
}
