/** Scoring alerts against labels: recall, time to detect, precision, false alerts per agent-day. */
import { describe, expect, it } from 'vitest';
import { checkTargets, evaluate, median, type AlertLike } from '../../../src/eval/match.js';
import { formatDuration, formatReport } from '../../../src/eval/report.js';
import { labelSchema, type Label } from '../../../src/simulate/labels.js';

const label = (fields: Partial<Label> & Pick<Label, 'id' | 'scenario' | 'agent' | 'start' | 'end'>): Label => labelSchema.parse(fields);

const alert = (agent: string, time: string, detector: string, severity = 'high'): AlertLike => ({ agent: { id: agent }, time, detector, severity, id: `${detector}/${agent}/${time}` });

const LABELS: Label[] = [
  label({ id: 's1', scenario: 'scope-creep', agent: 'a1', start: '2026-03-09T10:00:00.000Z', end: '2026-03-09T11:00:00.000Z', expected_detectors: ['scope-violation', 'first-seen-system'] }),
  label({ id: 's2', scenario: 'scope-creep', agent: 'a2', start: '2026-03-10T10:00:00.000Z', end: '2026-03-10T10:30:00.000Z', expected_detectors: ['scope-violation'] }),
  label({ id: 's3', scenario: 'stolen-token', agent: 'thief', start: '2026-03-11T09:00:00.000Z', end: '2026-03-11T09:20:00.000Z', expected_detectors: ['token-misuse'], related_agents: ['victim'] }),
  label({ id: 's4', scenario: 'slow-drip-exfiltration', agent: 'a4', start: '2026-03-09T00:00:00.000Z', end: '2026-03-12T00:00:00.000Z', expected_detectors: ['slow-drift'] }),
  label({ id: 'd1', scenario: 'benign-drift', agent: 'a5', start: '2026-03-10T08:00:00.000Z', end: '2026-03-11T08:00:00.000Z', benign: true }),
];

const ALERTS: AlertLike[] = [
  // s1: detected 5 min after its start, by two detectors; the later one does not change the TTD.
  alert('a1', '2026-03-09T10:20:00.000Z', 'first-seen-system', 'low'),
  alert('a1', '2026-03-09T10:05:00.000Z', 'scope-violation'),
  // s2: an alert on a2 before its window is false and does not detect it.
  alert('a2', '2026-03-10T09:59:59.000Z', 'scope-violation'),
  // s3: the thief at its start; the victim inside the window is a true alert, not a detection of s3.
  alert('thief', '2026-03-11T09:00:00.000Z', 'token-misuse', 'critical'),
  alert('victim', '2026-03-11T09:10:00.000Z', 'token-misuse', 'critical'),
  // s4: 2 days in.
  alert('a4', '2026-03-11T00:00:00.000Z', 'slow-drift', 'medium'),
  // benign drift on a5, in its window: a false alert, reported with the benign drift.
  alert('a5', '2026-03-10T09:00:00.000Z', 'first-seen-system', 'low'),
  // noise elsewhere
  alert('a9', '2026-03-12T03:00:00.000Z', 'unusual-time', 'medium'),
  alert('a1', '2026-03-12T03:00:00.000Z', 'volume-spike', 'medium'),
];

describe('evaluate', () => {
  const report = evaluate(ALERTS, LABELS, { agentDays: 100 });

  it('reports recall and median time to detect per scenario class', () => {
    const scope = report.classes.find((result) => result.scenario === 'scope-creep')!;
    expect(scope).toMatchObject({ count: 2, detected: 1, recall: 0.5, median_ttd_ms: 5 * 60_000 });
    expect(scope.detectors).toEqual({ 'first-seen-system': 1, 'scope-violation': 1 });
    expect(scope.expected).toEqual({ 'scope-violation': { expected: 2, fired: 1 }, 'first-seen-system': { expected: 1, fired: 1 } });
    const stolen = report.classes.find((result) => result.scenario === 'stolen-token')!;
    expect(stolen).toMatchObject({ count: 1, detected: 1, recall: 1, median_ttd_ms: 0 });
    const drip = report.classes.find((result) => result.scenario === 'slow-drip-exfiltration')!;
    expect(drip.median_ttd_ms).toBe(2 * 86_400_000);
    expect(report.classes.some((result) => result.scenario === 'benign-drift')).toBe(false);
  });

  it('describes each scenario with its first alert and the expected detectors that stayed silent', () => {
    const s1 = report.scenarios.find((result) => result.id === 's1')!;
    expect(s1.first_alert).toMatchObject({ detector: 'scope-violation', time: '2026-03-09T10:05:00.000Z' });
    expect(s1.expected_missing).toEqual([]);
    const s2 = report.scenarios.find((result) => result.id === 's2')!;
    expect(s2).toMatchObject({ detected: false, time_to_detect_ms: null, first_alert: null, expected_missing: ['scope-violation'] });
  });

  it('counts alerts outside every attack window as false, per agent-day, and precision over all alerts', () => {
    // True: a1 ×2, thief, victim (related), a4. False: a2 early, a5 benign, a9, a1 later.
    expect(report.overall).toEqual({
      scenarios: 4,
      detected: 3,
      recall: 0.75,
      true_alerts: 5,
      false_alerts: 4,
      precision: 5 / 9,
      false_alerts_per_agent_day: 0.04,
    });
    expect(report.false_alerts_by_detector).toEqual([
      { detector: 'first-seen-system', alerts: 1, agents: 1 },
      { detector: 'scope-violation', alerts: 1, agents: 1 },
      { detector: 'unusual-time', alerts: 1, agents: 1 },
      { detector: 'volume-spike', alerts: 1, agents: 1 },
    ]);
    expect(report.false_alerts_by_severity).toEqual({ high: 1, low: 1, medium: 2 });
    expect(report.benign_drift).toEqual({ labels: 1, alerted: 1, alerts: 1, by_detector: { 'first-seen-system': 1 } });
  });

  it('lets a grace period extend every window', () => {
    const graced = evaluate([alert('a2', '2026-03-10T10:40:00.000Z', 'scope-violation')], LABELS, { agentDays: 100, graceMs: 15 * 60_000 });
    expect(graced.scenarios.find((result) => result.id === 's2')!.detected).toBe(true);
    expect(graced.overall.false_alerts).toBe(0);
    const strict = evaluate([alert('a2', '2026-03-10T10:40:00.000Z', 'scope-violation')], LABELS, { agentDays: 100 });
    expect(strict.scenarios.find((result) => result.id === 's2')!.detected).toBe(false);
    expect(strict.overall.false_alerts).toBe(1);
  });

  it('handles no alerts and no labels', () => {
    const empty = evaluate([], LABELS, { agentDays: 10 });
    expect(empty.overall).toMatchObject({ detected: 0, recall: 0, precision: null, false_alerts_per_agent_day: 0 });
    const none = evaluate(ALERTS, [], { agentDays: 10 });
    expect(none.overall).toMatchObject({ scenarios: 0, recall: null, false_alerts: ALERTS.length });
  });

  it('checks targets: per-class recall with overrides, and false alerts per agent-day', () => {
    expect(checkTargets(report, {})).toEqual([]);
    expect(checkTargets(report, { minRecall: 0.5 })).toEqual([]);
    expect(checkTargets(report, { minRecall: 0.95, minRecallByClass: { 'scope-creep': 0.5 } })).toEqual([]);
    expect(checkTargets(report, { minRecall: 0.95 })).toEqual(['recall of scope-creep is 0.50, below 0.95']);
    expect(checkTargets(report, { maxFalsePerAgentDay: 0.02 })).toEqual(['false alerts per agent-day are 0.0400, above 0.02']);
  });

  it('formats a table with every class, the totals and what was missed', () => {
    const text = formatReport(report, { events: 1234, agents: 10, days: 10, seconds: 1.5, detectors: ['scope-violation'] }, ['recall of scope-creep is 0.50, below 0.95']);
    expect(text).toContain('scope-creep');
    expect(text).toMatch(/scope-creep\s+2\s+1\s+0\.50\s+5m00s/);
    expect(text).toContain('precision            0.556');
    expect(text).toContain('false / agent-day    0.0400');
    expect(text).toContain('s2  scope-creep on a2');
    expect(text).toContain('targets missed:');
  });
});

describe('helpers', () => {
  it('median of odd and even counts, and of nothing', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('formats durations', () => {
    expect(formatDuration(null)).toBe('-');
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(192_000)).toBe('3m12s');
    expect(formatDuration(3_900_000)).toBe('1h05m');
    expect(formatDuration(2.3 * 86_400_000)).toBe('2.3d');
  });
});
