/**
 * Smallest epoch-milliseconds `time` the contract accepts (1973-03-03). Epoch *seconds* of any
 * date since then are below it: an exporter that sends seconds would otherwise have every event
 * dated January 1970, accepted without a word.
 */
export const MIN_EPOCH_MS = 100_000_000_000;

/** Latest event time the contract accepts: the end of year 9999, the last an RFC 3339 date can name (and within Date's range). */
export const MAX_EVENT_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

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

/** Whether `day` of `month` (1–12) exists in `year`. */
function isDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!);
}

/**
 * Epoch ms of the common RFC 3339 form `YYYY-MM-DDTHH:MM:SS[.fff]Z`, computed directly (about ten
 * times cheaper than Date.parse); undefined for anything else, which then takes the general path.
 * Only in-range fields are accepted here, so the result always equals parseRfc3339's.
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
  if (year < 1970 || !isDate(year, month, day)) return undefined;
  lastDate = text.slice(0, 10);
  lastDayStart = Date.UTC(year, month - 1, day);
  return lastDayStart;
}

/** RFC 3339 `date-time` (section 5.6): any number of fraction digits, a zone Z or ±hh:mm, `T` or a space. */
export const RFC3339_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * Epoch ms of any RFC 3339 date-time, or NaN. Every field is range-checked (Date.parse would turn
 * 2026-02-30 into March 2 and 24:00 into the next day); a leap second (:60) counts as the next
 * second's start; fraction digits past milliseconds are dropped.
 */
function parseRfc3339(text: string): number {
  const match = RFC3339_PATTERN.exec(text);
  if (match === null) return Number.NaN;
  const [, y, mo, d, h, mi, s, fraction, sign, oh, om] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (!isDate(year, month, day) || hour > 23 || minute > 59 || second > 60) return Number.NaN;
  let time = Date.UTC(year, month - 1, day, hour, minute, second, fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0')));
  if (sign !== undefined) {
    const offsetHours = Number(oh);
    const offsetMinutes = Number(om);
    if (offsetHours > 23 || offsetMinutes > 59) return Number.NaN;
    time -= (sign === '+' ? 1 : -1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  // Years 0000–0099 would be 1900–1999 to Date.UTC: they are before the epoch either way.
  return year >= 1970 && time >= 0 && time <= MAX_EVENT_TIME_MS ? time : Number.NaN;
}

/** Epoch ms of a contract `time` value (RFC 3339 with a zone, or epoch ms from MIN_EPOCH_MS to MAX_EVENT_TIME_MS), or NaN when it is not one. */
export function parseEventTime(value: unknown): number {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= MIN_EPOCH_MS && value <= MAX_EVENT_TIME_MS ? value : Number.NaN;
  }
  if (typeof value !== 'string') return Number.NaN;
  const fast = parseCommonUtc(value);
  if (fast !== undefined) return fast;
  return parseRfc3339(value);
}

const FULL_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** The form parseDateOrDateTime reads, as one pattern (for schemas; whether the day exists is checked by parsing). */
export const DATE_OR_DATE_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/;

/** Epoch ms of an RFC 3339 full-date `YYYY-MM-DD` (the start of that day, UTC) that exists, 1970 to 9999; NaN for anything else. */
export function parseFullDate(text: string): number {
  return FULL_DATE.test(text) ? parseRfc3339(`${text}T00:00:00Z`) : Number.NaN;
}

/**
 * Epoch ms of an RFC 3339 full-date (see parseFullDate) or date-time with a zone, checked like an
 * event time (a day that exists, 1970 to 9999); NaN for anything else.
 */
export function parseDateOrDateTime(text: string): number {
  return FULL_DATE.test(text) ? parseFullDate(text) : parseRfc3339(text);
}
