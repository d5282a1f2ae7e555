import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILTIN_DETECTORS } from '../../../detectors/index.js';
import type { Alert } from '../../../src/alerts/alert.js';
import { checkDefinition, type AnyDetector } from '../../../src/sdk/detector.js';
import type { Registry } from '../../../src/registry/registry.js';
import {
  CASES_DIR,
  compareWithExpected,
  describeComparison,
  events,
  loadCaseRegistry,
  runDetector,
  runDetectorCases,
} from '../../helpers/engine.js';

/** What every alert of a built-in detector must carry, whatever the detector. */
function checkAlert(alert: Alert, detector: AnyDetector, registry: Registry): void {
  const where = `${detector.id} alert ${alert.key} on ${alert.event.id}`;
  const entry = registry.get(alert.agent.id);
  expect(alert.agent.registered, where).toBe(entry !== undefined);
  if (entry !== undefined) {
    // Accountability comes from the registry: present whenever the registry has it.
    expect(alert.agent.owner, where).toBe(entry.owner);
    expect(alert.agent.custodian, where).toBe(entry.custodian);
    expect(alert.agent.status, where).toBe(entry.status);
  }
  expect(alert.title.length, where).toBeGreaterThan(10);
  expect(alert.summary.length, where).toBeGreaterThan(alert.title.length / 2);
  expect(alert.summary, where).not.toMatch(/undefined|\[object Object\]|NaN/);
  expect(alert.title, where).not.toMatch(/undefined|\[object Object\]|NaN/);
  expect(alert.recommendation.length, where).toBeGreaterThan(20);
  expect(alert.recommendation, where).not.toMatch(/undefined|\[object Object\]|NaN/);
  expect(alert.score, where).toBeGreaterThan(0);
  expect(alert.score, where).toBeLessThanOrEqual(100);
  expect(Object.keys(alert.observed).length, where).toBeGreaterThan(0);
  expect(Object.keys(alert.expected).length, where).toBeGreaterThan(0);
  expect(alert.evidence[0], where).toBe(alert.event.id);
  if (detector.techniques.length > 0) expect(alert.techniques.length, where).toBeGreaterThan(0);
  if (entry !== undefined) expect(alert.scope, where).toBeDefined();
  // Everything in an alert is plain JSON: what the sinks render.
  expect(JSON.parse(JSON.stringify(alert)), where).toEqual(JSON.parse(JSON.stringify(alert)));
}

describe('built-in detectors', () => {
  it('are listed once each, with valid metadata', () => {
    const ids = BUILTIN_DETECTORS.map((detector) => detector.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual([
      'delegation-violation',
      'denial-burst',
      'excessive-token-ttl',
      'first-seen-system',
      'first-seen-tool',
      'inactive-agent',
      'rate-spike',
      'scope-violation',
      'slow-drift',
      'stale-review',
      'token-burst',
      'token-escalation',
      'token-misuse',
      'tool-mix-drift',
      'unapproved-high-consequence',
      'unregistered-agent',
      'unusual-time',
      'volume-spike',
    ]);
    for (const detector of BUILTIN_DETECTORS) {
      expect(checkDefinition(detector), detector.id).toEqual([]);
      // The rule detectors need no learning and are stable; statistical ones earn it on eval.
      if (detector.learn === undefined && !('learning_period' in (detector.options.parse({}) as object))) {
        expect(detector.maturity, detector.id).toBe('stable');
      }
      expect(detector.description.length, detector.id).toBeGreaterThan(80);
      expect(detector.techniques.length, detector.id).toBeGreaterThan(0);
    }
  });

  it('have a case directory for each of them and none for anything else', () => {
    const dirs = readdirSync(CASES_DIR, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(dirs).toEqual(BUILTIN_DETECTORS.map((detector) => detector.id).sort());
  });

  for (const detector of BUILTIN_DETECTORS) {
    describe(detector.id, () => {
      it('options: strict, every field defaulted', () => {
        expect(detector.options.safeParse({}).success).toBe(true);
        expect(detector.options.safeParse({ no_such_option: true }).success).toBe(false);
      });

      it('state: plain JSON', () => {
        const state = detector.createState(detector.options.parse({}));
        expect(JSON.parse(JSON.stringify(state))).toEqual(state);
      });

      it('recorded cases: emits exactly the expected alerts', () => {
        const run = runDetectorCases(detector.id);
        expect(run.failures).toEqual([]);
        const comparison = compareWithExpected(run.alerts, run.expected);
        expect(comparison, describeComparison(detector.id, comparison)).toEqual({ missing: [], unexpected: [] });
        // Both kinds of case are recorded: some events raise an alert, others do not.
        expect(run.expected.length).toBeGreaterThan(0);
        const triggering = new Set(run.alerts.map((alert) => alert.event.id));
        expect(run.events.some((event) => !triggering.has(event.id))).toBe(true);
        for (const alert of run.alerts) checkAlert(alert, detector, run.registry);
      });

      it('needs no optional event field: minimal events raise no error', () => {
        const minimal = events(
          { id: 'm-1', time: 1_781_514_000_000, type: 'tool_use', agent: { id: 'invoice-bot' }, tool: 'hr.export', system: 'hr-prod', action: 'transfer' },
          { id: 'm-2', time: 1_781_514_001_000, type: 'token_issued', agent: { id: 'invoice-bot' }, token: { fingerprint: 'sha256:0011223344556677' } },
          { id: 'm-3', time: 1_781_514_002_000, type: 'access_denied', agent: { id: 'invoice-bot' }, system: 'hr-prod' },
          { id: 'm-4', time: 1_781_514_003_000, type: 'tool_use', agent: { id: 'nobody' }, tool: 't', system: 's', action: 'read', token: 'sha256:0011223344556677' },
          { id: 'm-5', time: 1_781_514_004_000, type: 'token_issued', agent: { id: 'legacy-bot' }, token: { fingerprint: 'sha256:8899aabbccddeeff' } },
          { id: 'm-6', time: 1_781_514_005_000, type: 'access_denied', agent: { id: 'orphan-bot' }, system: 'docs', chain: [] },
        );
        const registry = loadCaseRegistry();
        const run = runDetector(detector, minimal, registry);
        expect(run.failures).toEqual([]);
        for (const alert of run.alerts) checkAlert(alert, detector, registry);
      });
    });
  }
});
