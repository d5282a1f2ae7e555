import { describe, expect, it } from 'vitest';
import detector from '../../../detectors/stale-review.js';
import { builtinDetector, events, parseCaseRegistry, runDetector } from '../../helpers/engine.js';

let seq = 0;
const act = (agent: string, time: string) => ({
  id: `sr-${++seq}`,
  time,
  type: 'tool_use',
  agent: { id: agent },
  tool: 'docs.read_page',
  system: 'docs',
  action: 'read',
});

const run = (input: object[], options?: Record<string, unknown>, registry = undefined as ReturnType<typeof parseCaseRegistry> | undefined) => {
  const result = runDetector(builtinDetector(detector.id), events(...input), registry, { options });
  expect(result.failures).toEqual([]);
  return result.alerts;
};

describe('stale-review', () => {
  it('raises at most one alert per agent per day', () => {
    const alerts = run([
      act('archive-bot', '2026-06-15T00:00:01Z'),
      act('archive-bot', '2026-06-15T12:00:00Z'),
      act('archive-bot', '2026-06-15T23:59:59Z'),
      act('archive-bot', '2026-06-16T00:00:00Z'),
      act('archive-bot', '2026-06-16T18:00:00Z'),
      act('archive-bot', '2026-06-18T09:00:00Z'),
    ]);
    expect(alerts.map((alert) => alert.time)).toEqual([
      '2026-06-15T00:00:01.000Z',
      '2026-06-16T00:00:00.000Z',
      '2026-06-18T09:00:00.000Z',
    ]);
    expect(new Set(alerts.map((alert) => alert.id)).size).toBe(3);
    expect(alerts.every((alert) => alert.key === 'access-review' && alert.window.end.endsWith('T00:00:00.000Z'))).toBe(true);
    expect(detector.suppressFor).toBe('1d');
  });

  it('keeps agents apart', () => {
    const alerts = run([act('archive-bot', '2026-06-15T09:00:00Z'), act('intern-bot', '2026-06-15T09:00:00Z'), act('archive-bot', '2026-06-15T10:00:00Z')]);
    expect(alerts.map((alert) => alert.agent.id)).toEqual(['archive-bot', 'intern-bot']);
  });

  it('judges the age at the event time: at the limit is fine, one second past is stale', () => {
    // quarterly-bot: reviewed 2026-05-01, review_max_age 30d → due at 2026-05-31T00:00:00Z.
    expect(run([act('quarterly-bot', '2026-05-31T00:00:00Z')])).toEqual([]);
    const alerts = run([act('quarterly-bot', '2026-05-31T00:00:01Z')]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.severity).toBe('low');
    expect(alerts[0]!.title).toBe("quarterly-bot's access review is overdue (30 days, limit 30d)");
    expect(alerts[0]!.observed).toMatchObject({ reviewed: '2026-05-01', review_age_days: 30 });
    expect(alerts[0]!.expected).toMatchObject({ review_max_age: '30d' });
    expect(alerts[0]!.recommendation).toContain('ivan@corp.example');
  });

  it('does not fire for a review dated after the event', () => {
    expect(run([act('payments-bot', '2026-05-15T00:00:00Z')])).toEqual([]);
  });

  it('reports an agent that was never reviewed', () => {
    const alerts = run([act('intern-bot', '2026-06-15T09:00:00Z')]);
    expect(alerts.map((alert) => [alert.severity, alert.title])).toEqual([['low', 'intern-bot has never had an access review']]);
    expect(alerts[0]!.observed).toMatchObject({ reviewed: null });
  });

  it('reports a missing owner at medium, unless accountability checks are off', () => {
    const alerts = run([act('orphan-bot', '2026-06-15T09:00:00Z')]);
    expect(alerts.map((alert) => [alert.severity, alert.title])).toEqual([['medium', 'orphan-bot has no owner in the registry']]);
    expect(alerts[0]!.recommendation).toContain('Name an accountable owner for orphan-bot');
    expect(run([act('orphan-bot', '2026-06-15T09:00:00Z')], { check_accountability: false })).toEqual([]);
  });

  it('puts every problem of an agent in one finding', () => {
    const registry = parseCaseRegistry(`
agents:
  - id: lone-bot
    status: active
    scope: { systems: [docs], tools: ["docs.*"], actions: [read] }
`, 'inline.yaml');
    const alerts = run([act('lone-bot', '2026-06-15T09:00:00Z')], undefined, registry);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.title).toBe('lone-bot has no owner or custodian in the registry');
    expect(alerts[0]!.summary).toContain('no owner is registered; no custodian is registered; it has never been reviewed');
    expect(alerts[0]!.agent.owner).toBeUndefined();
  });

  it('leaves retired, suspended and unregistered agents alone', () => {
    expect(run([act('legacy-bot', '2026-06-15T09:00:00Z'), act('paused-bot', '2026-06-15T09:00:00Z'), act('nobody', '2026-06-15T09:00:00Z')])).toEqual([]);
  });
});
