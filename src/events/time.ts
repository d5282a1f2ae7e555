import { RFC3339_PATTERN } from './contract.js';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) return -1;
    value = value * 10 + code;
  }
  return value;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Epoch ms of the common RFC 3339 form `YYYY-MM-DDTHH:MM:SS[.fff]Z`, computed directly (about ten
 * times cheaper than Date.parse); undefined for anything else, which then takes the general path.
 * Only in-range fields are accepted here, so the result always equals Date.parse's.
 */
function parseCommonUtc(text: string): number | undefined {
  const length = text.length;
  if (length < 20 || text.charCodeAt(length - 1) !== 90 /* Z */) return undefined;
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return undefined;
  const dayStart = dayStartOf(text);
  if (dayStart === undefined) return undefined;
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  let millis = 0;
  if (length !== 20) {
    // `.f` to `.fff` only: longer fractions go through Date.parse, which truncates them.
    if (text[19] !== '.' || length > 24) return undefined;
    const fraction = digits(text, 20, length - 21);
    if (fraction < 0 || length === 21) return undefined;
    millis = fraction * 10 ** (3 - (length - 21));
  }
  return dayStart + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
}

/** The last date seen and its epoch ms: events come in time order, mostly many per day. */
let lastDate = '';
let lastDayStart = 0;

/** Epoch ms of the start of the `YYYY-MM-DD` day that `text` begins with, or undefined when it is not a valid date. */
function dayStartOf(text: string): number | undefined {
  if (lastDate !== '' && text.startsWith(lastDate)) return lastDayStart;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1) return undefined;
  if (day > (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!)) return undefined;
  lastDate = text.slice(0, 10);
  lastDayStart = Date.UTC(year, month - 1, day);
  return lastDayStart;
}

/** Epoch ms of a contract `time` value (RFC 3339 with a zone, or epoch ms), or NaN when it is not one. */
export function parseEventTime(value: unknown): number {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? value : Number.NaN;
  }
  if (typeof value !== 'string') return Number.NaN;
  const fast = parseCommonUtc(value);
  if (fast !== undefined) return fast;
  return RFC3339_PATTERN.test(value) ? Date.parse(value) : Number.NaN;
}
