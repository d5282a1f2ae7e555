/**
 * Checkpoint sizes at default parameters, against the bounds documented in each module. The
 * per-agent budget is 4 KB for about 15 detectors, so these numbers matter.
 */
import { describe, expect, it } from 'vitest';
import {
  createBoundedSet,
  createCategoryCounts,
  createCusum,
  createDailyTotals,
  createEwma,
  createHourOfWeek,
  createWelford,
  createWindowRing,
  updateBoundedSet,
  updateCategoryCounts,
  updateCusum,
  updateEwma,
  updateHourOfWeek,
  updateWelford,
  updateWindowRing,
} from '../../../src/stats/index.js';
import { jsonBytes, normal, seededRandom } from './support.js';

const T0 = Date.UTC(2025, 0, 6);
const HOUR = 3_600_000;

function measure(): Record<string, { empty: number; typical: number; worst: number }> {
  const random = seededRandom(11);

  const ewma = createEwma();
  const ewmaEmpty = jsonBytes(ewma);
  for (let i = 0; i < 10_000; i++) updateEwma(ewma, 1_000 + 100 * normal(random));

  const welford = createWelford();
  const welfordEmpty = jsonBytes(welford);
  for (let i = 0; i < 10_000; i++) updateWelford(welford, 1_000 + 100 * normal(random));

  const ringCounts = createWindowRing();
  const ringBytes = createWindowRing();
  const ringEmpty = jsonBytes(ringCounts);
  for (let i = 0; i < 60 * 24 * 3; i++) {
    updateWindowRing(ringCounts, T0 + i * 60_000, Math.floor(random() * 40));
    updateWindowRing(ringBytes, T0 + i * 60_000, 2_000_000 + Math.floor(random() * 8_000_000));
  }

  const hours = createHourOfWeek();
  const hoursEmpty = jsonBytes(hours);
  for (let h = 0; h < 168 * 12; h++) if (h % 168 >= 9 && h % 24 >= 8 && h % 24 < 18) updateHourOfWeek(hours, T0 + h * HOUR);
  const hoursFull = createHourOfWeek();
  for (let h = 0; h < 168 * 40; h++) updateHourOfWeek(hoursFull, T0 + h * HOUR);

  const set = createBoundedSet();
  const setEmpty = jsonBytes(set);
  const systems = Array.from({ length: 16 }, (_, i) => `system-${i}.prod`);
  for (let i = 0; i < 200_000; i++) updateBoundedSet(set, systems[Math.floor(random() ** 2 * 16)] as string, T0 + i * 5_000);
  const setAttacked = createBoundedSet();
  for (let i = 0; i < 200_000; i++) updateBoundedSet(setAttacked, `${'q'.repeat(60)}${i}`, T0 + i * 5_000);

  const categories = createCategoryCounts();
  const categoriesEmpty = jsonBytes(categories);
  for (let i = 0; i < 100_000; i++) updateCategoryCounts(categories, `tool.${Math.floor(random() ** 2 * 20)}`);
  const categoriesAttacked = createCategoryCounts();
  for (let i = 0; i < 100_000; i++) updateCategoryCounts(categoriesAttacked, `${'q'.repeat(60)}${i}`);

  const cusum = createCusum();
  const cusumEmpty = jsonBytes(cusum);
  for (let i = 0; i < 1_000; i++) updateCusum(cusum, normal(random));

  const daily = createDailyTotals();
  const dailyEmpty = jsonBytes(daily);
  const dailyBig = createDailyTotals();
  for (let d = 0; d < 60; d++) {
    updateWindowRing(daily, T0 + d * 86_400_000, Math.floor(500 + random() * 500));
    updateWindowRing(dailyBig, T0 + d * 86_400_000, 90_000_000 + Math.floor(random() * 9_000_000));
  }

  return {
    ewma: { empty: ewmaEmpty, typical: jsonBytes(ewma), worst: jsonBytes(ewma) },
    welford: { empty: welfordEmpty, typical: jsonBytes(welford), worst: jsonBytes(welford) },
    windowRing: { empty: ringEmpty, typical: jsonBytes(ringCounts), worst: jsonBytes(ringBytes) },
    hourOfWeek: { empty: hoursEmpty, typical: jsonBytes(hours), worst: jsonBytes(hoursFull) },
    boundedSet: { empty: setEmpty, typical: jsonBytes(set), worst: jsonBytes(setAttacked) },
    categoryCounts: { empty: categoriesEmpty, typical: jsonBytes(categories), worst: jsonBytes(categoriesAttacked) },
    cusum: { empty: cusumEmpty, typical: jsonBytes(cusum), worst: jsonBytes(cusum) },
    dailyTotals: { empty: dailyEmpty, typical: jsonBytes(daily), worst: jsonBytes(dailyBig) },
  };
}

/** Documented upper bounds (bytes of JSON at default parameters, ASCII values). */
const BOUNDS: Record<string, number> = {
  ewma: 80,
  welford: 70,
  windowRing: 560,
  hourOfWeek: 290,
  boundedSet: 1_900,
  categoryCounts: 1_100,
  cusum: 50,
  dailyTotals: 380,
};

describe('checkpoint sizes at default parameters', () => {
  it('stay within the documented bounds', () => {
    const sizes = measure();
    console.table(sizes);
    for (const [name, size] of Object.entries(sizes)) expect(size.worst, name).toBeLessThanOrEqual(BOUNDS[name] as number);
  });
});
