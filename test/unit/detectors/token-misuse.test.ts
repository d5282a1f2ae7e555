import { describe, expect, it } from 'vitest';
import detector from '../../../detectors/token-misuse.js';
import { MAX_TTL_S } from '../../../src/events/contract.js';
import { builtinDetector, events, runDetector } from '../../helpers/engine.js';

const T0 = Date.parse('2026-06-15T09:00:00Z');
const FP = 'sha256:4f1c9e07a2b35d8e6c10';
const OTHER = 'sha256:b7d2e9f0134a6c58e2f1';

const issue = (overrides: { agent?: string; ttl_s?: number; task?: string; fingerprint?: string } = {}) => ({
  id: 'issue-1',
  time: T0,
  type: 'token_issued',
  agent: { id: overrides.agent ?? 'invoice-bot' },
  token: {
    fingerprint: overrides.fingerprint ?? FP,
    issuer: 'https://idp.corp.example',
    ...(overrides.ttl_s === undefined ? {} : { ttl_s: overrides.ttl_s }),
    ...(overrides.task === undefined ? {} : { task: overrides.task }),
  },
});

let seq = 0;
const use = (agent: string, atMs: number, extra: { session?: string; token?: string | null } = {}) => ({
  id: `use-${++seq}`,
  time: atMs,
  type: 'tool_use',
  agent: { id: agent, ...(extra.session === undefined ? {} : { session: extra.session }) },
  tool: 'erp.read_invoices',
  system: 'erp-prod',
  action: 'read',
  ...(extra.token === null ? {} : { token: extra.token ?? FP }),
});

const run = (input: object[], options?: Record<string, unknown>) => runDetector(builtinDetector(detector.id), events(...input), undefined, { options });

describe('token-misuse', () => {
  it('still recognises a stolen token after another agent had 200,001 tokens issued to itself (the ledger keeps each agent to 10,000)', () => {
    const flood = Array.from({ length: 200_001 }, (_, i) => ({
      ...issue({ agent: 'report-writer', ttl_s: 60, fingerprint: `sha256:${i.toString(16).padStart(20, '0')}` }),
      id: `flood-${i}`,
      time: T0 + 1000 + i,
    }));
    const input = [issue({ ttl_s: 3600 }), ...flood, use('report-writer', T0 + 300_000)].flatMap((event) => events(event));
    const result = runDetector(builtinDetector(detector.id), input);
    expect(result.failures).toEqual([]);
    expect(result.alerts.map((alert) => [alert.agent.id, alert.key])).toEqual([['report-writer', expect.stringContaining(FP)]]);
    expect(result.engine.stats.tokenGrantsEvicted).toBe(200_001 - 10_000);
  });

  it('accepts the owner using its token for its task before expiry', () => {
    const result = run([issue({ ttl_s: 900, task: 'task-42' }), use('invoice-bot', T0 + 60_000, { session: 'task-42' })]);
    expect(result.failures).toEqual([]);
    expect(result.alerts).toEqual([]);
  });

  it('ignores tool calls without a token and tokens the ledger does not know', () => {
    const result = run([issue({ ttl_s: 900 }), use('report-writer', T0 + 1000, { token: null }), use('report-writer', T0 + 2000, { token: OTHER })]);
    expect(result.alerts).toEqual([]);
  });

  describe('another agent', () => {
    it('is critical, names the issuing agent and carries the issuance event as evidence', () => {
      const result = run([issue({ ttl_s: 900, task: 'task-42' }), use('report-writer', T0 + 60_000)]);
      expect(result.alerts).toHaveLength(1);
      const alert = result.alerts[0]!;
      expect(alert.key).toBe(`foreign-token:${FP}`);
      expect(alert.severity).toBe('critical');
      expect(alert.evidence).toEqual([alert.event.id, 'issue-1']);
      expect(alert.summary).toContain('issued to invoice-bot, not to report-writer');
      expect(alert.expected).toMatchObject({ used_by: 'invoice-bot' });
      expect(alert.scope).toMatchObject({ token: { issued_to: 'invoice-bot', issuance_event: 'issue-1', task: 'task-42' } });
      expect(alert.recommendation).toContain(`Revoke token fingerprint ${FP}`);
      // The issuing agent's accountability, from the registry.
      expect(alert.recommendation).toContain('alice@corp.example');
    });

    it('is raised for a token of the longest lifetime the contract admits (its expiry is still a date)', () => {
      const result = run([issue({ ttl_s: MAX_TTL_S }), use('report-writer', T0 + 60_000)]);
      expect(result.failures).toEqual([]);
      expect(result.alerts.map((alert) => alert.key)).toEqual([`foreign-token:${FP}`]);
    });

    it('applies to an unregistered agent replaying a registered agent\'s token', () => {
      const result = run([issue(), use('shadow-exporter', T0 + 1000)]);
      expect(result.alerts.map((alert) => alert.key)).toEqual([`foreign-token:${FP}`]);
    });

    it('reports every problem in one finding, keyed by the foreign use', () => {
      const result = run([issue({ ttl_s: 60, task: 'task-42' }), use('report-writer', T0 + 3_600_000, { session: 'task-7' })]);
      expect(result.alerts).toHaveLength(1);
      const alert = result.alerts[0]!;
      expect(alert.key).toBe(`foreign-token:${FP}`);
      expect(alert.observed).toMatchObject({ used_by: 'report-writer', session: 'task-7' });
      expect(alert.summary).toContain('not for session task-7');
      expect(alert.summary).toContain('expired at 2026-06-15T09:01:00.000Z');
    });
  });

  describe('task', () => {
    it('fires when the token was issued for another task than the session', () => {
      const result = run([issue({ task: 'task-42' }), use('invoice-bot', T0 + 1000, { session: 'task-43' })]);
      expect(result.alerts.map((alert) => [alert.key, alert.severity])).toEqual([[`task-mismatch:${FP}`, 'high']]);
      expect(result.alerts[0]!.evidence).toContain('issue-1');
    });

    it('is not judged unless both the token task and the session are known', () => {
      expect(run([issue({ task: 'task-42' }), use('invoice-bot', T0 + 1000)]).alerts).toEqual([]);
      expect(run([issue(), use('invoice-bot', T0 + 1000, { session: 'task-43' })]).alerts).toEqual([]);
    });

    it('can be switched off', () => {
      expect(run([issue({ task: 'task-42' }), use('invoice-bot', T0 + 1000, { session: 'task-43' })], { check_task: false }).alerts).toEqual([]);
    });
  });

  describe('expiry', () => {
    it('accepts a use at the expiry instant and fires one millisecond later', () => {
      expect(run([issue({ ttl_s: 900 }), use('invoice-bot', T0 + 900_000)]).alerts).toEqual([]);
      const late = run([issue({ ttl_s: 900 }), use('invoice-bot', T0 + 900_001)]);
      expect(late.alerts.map((alert) => alert.key)).toEqual([`expired-token:${FP}`]);
      expect(late.alerts[0]!.evidence).toContain('issue-1');
    });

    it('says how long after expiry the token was used', () => {
      const result = run([issue({ ttl_s: 900 }), use('invoice-bot', T0 + 900_000 + 2 * 3_600_000)]);
      expect(result.alerts[0]!.summary).toContain('2h before this use');
      expect(result.alerts[0]!.expected).toMatchObject({ used_before: '2026-06-15T09:15:00.000Z' });
    });

    it('tolerates expiry_grace_s of clock skew', () => {
      expect(run([issue({ ttl_s: 900 }), use('invoice-bot', T0 + 930_000)], { expiry_grace_s: 30 }).alerts).toEqual([]);
      expect(run([issue({ ttl_s: 900 }), use('invoice-bot', T0 + 930_001)], { expiry_grace_s: 30 }).alerts).toHaveLength(1);
    });

    it('never expires a token issued without a lifetime', () => {
      expect(run([issue(), use('invoice-bot', T0 + 30 * 86_400_000)]).alerts).toEqual([]);
    });
  });

  it('judges the latest issuance of a fingerprint', () => {
    const reissued = { ...issue({ agent: 'report-writer', ttl_s: 900 }), id: 'issue-2', time: T0 + 1000 };
    const result = run([issue({ ttl_s: 900 }), reissued, use('report-writer', T0 + 2000), use('invoice-bot', T0 + 3000)]);
    expect(result.alerts.map((alert) => [alert.agent.id, alert.key, alert.evidence[1]])).toEqual([['invoice-bot', `foreign-token:${FP}`, 'issue-2']]);
  });
});
