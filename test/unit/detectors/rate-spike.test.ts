// rate-spike's sustained path: consecutive 5-minute windows above the agent's busiest window for
// this time of day, judged against the baseline as it was before the run began (the run's own
// first windows raise the hour peak; judged against that, a ramping loop would never alert).
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/alerts/alert.js';
import { builtinDetector, events, runDetector } from '../../helpers/engine.js';
import { formatPeak, windowSpikePeakText, type Spike } from '../../../src/sdk/index.js';
import * as T from '../../helpers/traffic.js';

const MINUTE = T.MINUTE;
const { at } = T;

const LOOKUP: T.Tool = { tool: 'crm.lookup', system: 'crm', action: 'read' };
const NOTES: T.Tool = { tool: 'notes.append', system: 'notes', action: 'write' };
/** An office-hours agent: a few calls per active 5-minute window. */
const office = (days: number): T.NativeEvent[] => T.businessHours({ agent: 'ops-bot', prefix: 'ops-bot-n', days, tools: [LOOKUP, NOTES], bytes: 20_000 });

/** `windows` consecutive 5-minute windows of `perWindow` calls each, from `from`. */
function run(tag: string, from: number, windows: number, perWindow: number): T.NativeEvent[] {
  return Array.from({ length: windows }, (_, i) => T.burst(`${tag}-${i}`, 'ops-bot', from + i * 5 * MINUTE, perWindow, LOOKUP, 20_000)).flat();
}

function alertsOf(stream: T.NativeEvent[], options?: Record<string, unknown>): Alert[] {
  const result = runDetector(builtinDetector('rate-spike'), events(...stream), undefined, options === undefined ? {} : { options });
  expect(result.failures).toEqual([]);
  return result.alerts;
}

describe('rate-spike: sustained path', () => {
  it('three windows in a row of 40 calls (below min_events) alert once, on the third, with the run in the alert', () => {
    const alerts = alertsOf(T.merge(office(9), run('late', at(8, 14), 4, 40)));
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    expect(alert!.key).toBe('rate');
    // It alerts as soon as the third window qualifies (at sustained_min_events), not when it closes.
    expect(alert!.observed).toMatchObject({ window_events: 15, consecutive_windows: 3 });
    expect(alert!.window.start).toBe(new Date(at(8, 14)).toISOString());
    expect(alert!.summary).toMatch(/3 windows in a row/);
    expect(alert!.summary).not.toMatch(/undefined|NaN/);
    // Every event type counts (a token issued is not a call), and the peak is said to be a faded one.
    expect(alert!.title).toMatch(/^ops-bot has kept up \d+ events per 5 minutes/);
    expect(alert!.summary).toMatch(/its faded peak for a 5-min window around \d\d:\d\d UTC is [\d.]+ \(a peak loses about 16% a day/);
  });

  it('a run that ramps up is judged without the window just before it (12 calls, then three windows of 30)', () => {
    const ramp = T.burst('ramp', 'ops-bot', at(8, 14), 12, LOOKUP, 20_000);
    const alerts = alertsOf(T.merge(office(9), ramp, run('ramped', at(8, 14, 5), 3, 30)));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.observed).toMatchObject({ consecutive_windows: 3 });
  });

  it('two windows in a row raise nothing; nor does the run inside the learning period', () => {
    expect(alertsOf(T.merge(office(9), run('short', at(8, 14), 2, 40)))).toEqual([]);
    expect(alertsOf(T.merge(office(9), run('early', at(1, 14), 4, 40)))).toEqual([]);
  });

  it('a gap breaks the run', () => {
    const stream = T.merge(office(9), run('a', at(8, 14), 2, 40), run('b', at(8, 14, 15), 2, 40));
    expect(alertsOf(stream)).toEqual([]);
  });

  it('sustained_windows 0 turns the path off', () => {
    expect(alertsOf(T.merge(office(9), run('off', at(8, 14), 4, 40)), { sustained_windows: 0 })).toEqual([]);
  });
});

describe('window-spike peak text', () => {
  it('says a faded peak with a decimal below 10, as the baseline holds it', () => {
    expect(formatPeak(0.19)).toBe('0.2');
    expect(formatPeak(6)).toBe('6');
    expect(formatPeak(37.4)).toBe('37');
    const text = windowSpikePeakText({ peakScope: 'hour', peak: 0.19, windowStart: at(3, 9, 10) } as Spike, 'none');
    expect(text).toBe('a faded peak of 0.2 in a 5-min window around 09:10 UTC (a peak loses about 16% a day until the agent reaches it again)');
  });
});
