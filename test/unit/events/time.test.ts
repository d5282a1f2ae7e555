import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RFC3339_PATTERN } from '../../../src/events/contract.js';
import { parseEventTime } from '../../../src/events/time.js';

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** The reference: what the contract says, through the regex and Date.parse. */
const reference = (text: string) => (RFC3339_PATTERN.test(text) ? Date.parse(text) : Number.NaN);

describe('parseEventTime', () => {
  it('equals the regex + Date.parse reference on generated timestamps, valid and out of range', () => {
    const stamp = fc
      .record({
        year: fc.integer({ min: 1960, max: 2100 }),
        month: fc.integer({ min: 0, max: 13 }),
        day: fc.integer({ min: 0, max: 32 }),
        hour: fc.integer({ min: 0, max: 25 }),
        minute: fc.integer({ min: 0, max: 61 }),
        second: fc.integer({ min: 0, max: 61 }),
        fraction: fc.oneof(fc.constant(''), fc.stringMatching(/^\.\d{1,9}$/), fc.constant('.')),
        zone: fc.constantFrom('Z', 'z', '+00:00', '+05:30', '-08:00', ''),
        separator: fc.constantFrom('T', 't', ' '),
      })
      .map((p) => `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}${p.separator}${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}${p.fraction}${p.zone}`);
    fc.assert(
      fc.property(stamp, (text) => {
        expect(parseEventTime(text)).toEqual(reference(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('reads epoch milliseconds and refuses what is not a time', () => {
    expect(parseEventTime(1793614500000)).toBe(1793614500000);
    expect(parseEventTime(-1)).toBeNaN();
    expect(parseEventTime(1.5)).toBeNaN();
    expect(parseEventTime('2026-02-29T00:00:00Z')).toEqual(reference('2026-02-29T00:00:00Z'));
    expect(parseEventTime('2028-02-29T00:00:00.5Z')).toBe(Date.UTC(2028, 1, 29, 0, 0, 0, 500));
    expect(parseEventTime('yesterday')).toBeNaN();
    expect(parseEventTime(null)).toBeNaN();
  });

  it('equals the reference along a stream of times on few days (the day of the previous time is reused)', () => {
    const sameDays = fc.array(
      fc.record({
        day: fc.constantFrom('2026-03-01', '2026-03-02', '2024-02-29', '2026-02-29', '2026-13-01'),
        time: fc.stringMatching(/^[0-2][0-9]:[0-6][0-9]:[0-6][0-9]$/),
        fraction: fc.constantFrom('', '.1', '.25', '.999'),
      }),
      { minLength: 1, maxLength: 50 },
    );
    fc.assert(
      fc.property(sameDays, (stamps) => {
        for (const { day, time, fraction } of stamps) {
          const text = `${day}T${time}${fraction}Z`;
          expect(parseEventTime(text)).toEqual(reference(text));
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
