import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_TIME_MS, parseEventTime } from '../../../src/events/time.js';

const pad = (value: number, width: number) => String(value).padStart(width, '0');

interface Stamp {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  fraction: string;
  zone: string;
  separator: string;
}

const text = (p: Stamp) => `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}${p.separator}${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}${p.fraction}${p.zone}`;

/**
 * The reference, from RFC 3339 section 5.6 field by field: a zone is required, every field in its
 * range (the day within its month, :60 only as a leap second, which counts as the next second),
 * then Date.parse of the same instant written with at most millisecond digits.
 */
function reference(p: Stamp): number {
  const daysInMonth = new Date(Date.UTC(p.year, p.month, 0)).getUTCDate();
  if (p.zone === '' || p.fraction === '.' || p.year < 1970) return Number.NaN;
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > daysInMonth || p.hour > 23 || p.minute > 59 || p.second > 60) return Number.NaN;
  const leap = p.second === 60;
  const time = Date.parse(text({ ...p, second: leap ? 59 : p.second, fraction: p.fraction.slice(0, 4), separator: 'T' }));
  return leap ? time + 1000 : time;
}

describe('parseEventTime', () => {
  it('equals the RFC 3339 reference on generated timestamps, valid and out of range', () => {
    const stamp = fc.record({
      year: fc.integer({ min: 1960, max: 2100 }),
      month: fc.integer({ min: 0, max: 13 }),
      day: fc.integer({ min: 0, max: 32 }),
      hour: fc.integer({ min: 0, max: 25 }),
      minute: fc.integer({ min: 0, max: 61 }),
      second: fc.integer({ min: 0, max: 61 }),
      fraction: fc.oneof(fc.constant(''), fc.stringMatching(/^\.\d{1,12}$/), fc.constant('.')),
      zone: fc.constantFrom('Z', 'z', '+00:00', '+05:30', '-08:00', ''),
      separator: fc.constantFrom('T', 't', ' '),
    });
    fc.assert(
      fc.property(stamp, (p) => {
        expect(parseEventTime(text(p))).toEqual(reference(p));
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses dates and times that do not exist instead of rolling them over, and takes what RFC 3339 allows', () => {
    for (const invalid of ['2026-02-30T10:00:00Z', '2026-02-29T10:00:00Z', '2026-11-02T24:00:00Z', '2026-11-31T10:00:00Z', '2026-11-02T10:00:00+24:00', '1969-12-31T23:59:59Z']) {
      expect(parseEventTime(invalid), invalid).toBeNaN();
    }
    expect(parseEventTime('2026-12-31T23:59:60Z')).toBe(Date.UTC(2027, 0, 1));
    expect(parseEventTime('2026-11-02T12:00:00.1234567890Z')).toBe(Date.UTC(2026, 10, 2, 12, 0, 0, 123));
    expect(parseEventTime('2024-02-29T10:00:00+01:00')).toBe(Date.UTC(2024, 1, 29, 9));
  });

  it('refuses epoch milliseconds beyond the year 9999 (past them a Date cannot be written at all)', () => {
    expect(parseEventTime(MAX_EVENT_TIME_MS)).toBe(MAX_EVENT_TIME_MS);
    expect(parseEventTime(MAX_EVENT_TIME_MS + 1)).toBeNaN();
    expect(parseEventTime(9_000_000_000_000_000)).toBeNaN();
    expect(parseEventTime('9999-12-31T23:59:59.999-00:01')).toBeNaN();
  });

  it('reads epoch milliseconds and refuses what is not a time', () => {
    expect(parseEventTime(1793614500000)).toBe(1793614500000);
    expect(parseEventTime(-1)).toBeNaN();
    expect(parseEventTime(1.5)).toBeNaN();
    expect(parseEventTime('2026-02-29T00:00:00Z')).toBeNaN();
    expect(parseEventTime('2028-02-29T00:00:00.5Z')).toBe(Date.UTC(2028, 1, 29, 0, 0, 0, 500));
    expect(parseEventTime('yesterday')).toBeNaN();
    expect(parseEventTime(null)).toBeNaN();
  });

  it('equals the reference along a stream of times on few days (the day of the previous time is reused)', () => {
    const sameDays = fc.array(
      fc.record({
        day: fc.constantFrom('2026-03-01', '2026-03-02', '2024-02-29', '2026-02-29', '2026-13-01'),
        hour: fc.integer({ min: 0, max: 29 }),
        minute: fc.integer({ min: 0, max: 69 }),
        second: fc.integer({ min: 0, max: 69 }),
        fraction: fc.constantFrom('', '.1', '.25', '.999'),
      }),
      { minLength: 1, maxLength: 50 },
    );
    fc.assert(
      fc.property(sameDays, (stamps) => {
        for (const { day, hour, minute, second, fraction } of stamps) {
          const [year, month, dayOfMonth] = day.split('-').map(Number) as [number, number, number];
          const p = { year, month, day: dayOfMonth, hour, minute, second, fraction, zone: 'Z', separator: 'T' };
          expect(parseEventTime(text(p))).toEqual(reference(p));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a time of day that is not digits, also on a day just seen', () => {
    expect(parseEventTime('2026-03-01T10:00:00Z')).toBe(Date.UTC(2026, 2, 1, 10));
    for (const text of ['2026-03-01T1a:00:00Z', '2026-03-01T10:-1:00Z', '2026-03-01T10:00:0xZ', '2026-03-01T-1:00:00Z']) {
      expect(parseEventTime(text), text).toBeNaN();
    }
  });
});
