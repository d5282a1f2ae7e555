/**
 * Order statistics over short numeric arrays, shared by the window readers. Sorting happens
 * in a module-level scratch buffer (never part of any state), so readers allocate nothing but
 * a typed-array view.
 */

let scratch = new Float64Array(64);

/**
 * A view of `count` slots of the shared scratch buffer. The caller fills it and sorts it with
 * `sortSmall`. Valid until the next call.
 */
export function scratchView(count: number): Float64Array {
  if (scratch.length < count) scratch = new Float64Array(Math.max(count, scratch.length * 2));
  return scratch.subarray(0, count);
}

/**
 * Sorts numbers ascending in place and returns them: insertion sort for short arrays (the rings
 * here hold ≈ 50 values, where it is several times faster than the built-in typed-array sort),
 * the built-in numeric sort beyond.
 */
export function sortSmall(values: Float64Array): Float64Array {
  const n = values.length;
  if (n > 96) return values.sort();
  for (let i = 1; i < n; i++) {
    const x = values[i] as number;
    let j = i - 1;
    while (j >= 0 && (values[j] as number) > x) {
      values[j + 1] = values[j] as number;
      j--;
    }
    values[j + 1] = x;
  }
  return values;
}

/**
 * Quantile of sorted data with linear interpolation between order statistics (R type 7, the
 * numpy default, as simple-statistics `quantile`). NaN for empty data or p outside [0, 1].
 */
export function quantileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0 || !(p >= 0 && p <= 1)) return Number.NaN;
  const index = (n - 1) * p;
  const lower = Math.floor(index);
  const lowerValue = sorted[lower] as number;
  if (lower === index || lower + 1 >= n) return lowerValue;
  const upperValue = sorted[lower + 1] as number;
  return lowerValue + (index - lower) * (upperValue - lowerValue);
}

/** Median of sorted data (interpolated between the two middle values for an even count). */
export function medianOfSorted(sorted: ArrayLike<number>): number {
  return quantileOfSorted(sorted, 0.5);
}

/** Median absolute deviation (unscaled) of sorted data around `median`, sorting in the scratch buffer. */
export function madOfSorted(sorted: ArrayLike<number>, median: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const deviations = scratchView(n);
  // `sorted` may itself be the scratch view: overwrite in place, which is safe element by element.
  for (let i = 0; i < n; i++) deviations[i] = Math.abs((sorted[i] as number) - median);
  return medianOfSorted(sortSmall(deviations));
}
