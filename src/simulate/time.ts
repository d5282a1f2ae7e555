/** Time arithmetic and the daily activity shapes of the simulated company. */

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * Office-hours activity by local hour (0–23), relative to the late-morning peak: a ramp from 7,
 * a lunch dip, a slow evening tail and almost nothing at night.
 */
const OFFICE_CURVE = [
  0.004, 0.002, 0.002, 0.002, 0.002, 0.004, 0.02, 0.1, 0.5, 0.92, 1.0, 0.95, 0.62, 0.8, 0.95, 0.9, 0.74, 0.46, 0.22, 0.11, 0.07, 0.045, 0.025, 0.01,
];

/** Sum of the office curve over a weekday: turns a daily count into an hourly rate. */
export const OFFICE_DAY_WEIGHT = OFFICE_CURVE.reduce((sum, value) => sum + value, 0);

/** Local hour (fractional, 0–24) of a UTC time at a fixed offset. */
export function localHour(timeMs: number, offsetMin: number): number {
  const local = timeMs + offsetMin * MINUTE;
  return (((local % DAY) + DAY) % DAY) / HOUR;
}

/** Local day of the week, 0 = Sunday. */
export function localWeekday(timeMs: number, offsetMin: number): number {
  return new Date(timeMs + offsetMin * MINUTE).getUTCDay();
}

export function isWeekend(timeMs: number, offsetMin: number): boolean {
  const day = localWeekday(timeMs, offsetMin);
  return day === 0 || day === 6;
}

/** Office activity at a local hour, interpolated; `shift` moves the working day earlier (<0) or later (>0). */
export function officeCurve(hour: number, shift = 0): number {
  const h = (((hour - shift) % 24) + 24) % 24;
  const low = Math.floor(h);
  const frac = h - low;
  return OFFICE_CURVE[low]! * (1 - frac) + OFFICE_CURVE[(low + 1) % 24]! * frac;
}

let cachedDay = Number.NaN;
let cachedPrefix = '';
const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;
const pad3 = (n: number): string => (n < 10 ? '00' : n < 100 ? '0' : '') + n;

/** RFC 3339 in UTC with milliseconds, as Date#toISOString, without a Date per call (the simulator's hot path). */
export function iso(timeMs: number): string {
  const ms = Math.floor(timeMs);
  const day = Math.floor(ms / DAY);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedPrefix = new Date(day * DAY).toISOString().slice(0, 11);
  }
  let rest = ms - day * DAY;
  const hours = Math.floor(rest / HOUR);
  rest -= hours * HOUR;
  const minutes = Math.floor(rest / MINUTE);
  rest -= minutes * MINUTE;
  const seconds = Math.floor(rest / SECOND);
  return `${cachedPrefix}${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${pad3(rest - seconds * SECOND)}Z`;
}

/** `YYYY-MM-DD` of a time (UTC). */
export const isoDate = (timeMs: number): string => iso(timeMs).slice(0, 10);
