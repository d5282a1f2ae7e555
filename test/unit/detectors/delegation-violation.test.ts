import { describe, expect, it } from 'vitest';
import detector from '../../../detectors/delegation-violation.js';
import { builtinDetector, events, runDetector } from '../../helpers/engine.js';

const ALICE = 'alice@corp.example';
const T0 = Date.parse('2026-06-15T09:00:00Z');
let seq = 0;

interface Call {
  agent: string;
  chain?: string[];
  principal?: string;
  type?: 'tool_use' | 'token_issued' | 'access_denied';
  tool?: string;
  system?: string;
  action?: string;
}

function event({ agent, chain, principal, type = 'tool_use', tool = 'erp.read_invoices', system = 'erp-prod', action = 'read' }: Call): object {
  const common = { id: `dv-${++seq}`, time: T0 + seq * 1000, agent: { id: agent }, ...(chain ? { chain } : {}), ...(principal ? { principal } : {}) };
  if (type === 'token_issued') return { ...common, type, token: { fingerprint: 'sha256:0a9b8c7d6e5f40312233', grant: 'token_exchange' } };
  if (type === 'access_denied') return { ...common, type, system, action };
  return { ...common, type, tool, system, action };
}

const run = (calls: Call[], options?: Record<string, unknown>) => {
  const result = runDetector(builtinDetector(detector.id), events(...calls.map(event)), undefined, { options });
  expect(result.failures).toEqual([]);
  return result.alerts;
};
const keys = (calls: Call[], options?: Record<string, unknown>) => run(calls, options).map((alert) => alert.key);

describe('delegation-violation', () => {
  it('ignores events without a chain', () => {
    expect(keys([{ agent: 'invoice-bot' }])).toEqual([]);
  });

  it('accepts an agent acting directly for a human (depth 1), whatever its delegation settings', () => {
    expect(keys([{ agent: 'quarterly-bot', chain: [ALICE, 'quarterly-bot'], principal: ALICE, tool: 'erp.read_ledger' }])).toEqual([]);
  });

  describe('depth: agents below the root principal, the acting agent included', () => {
    it('accepts a chain at the limit and reports one agent more', () => {
      // invoice-bot: max_depth 2.
      expect(keys([{ agent: 'invoice-bot', chain: [ALICE, 'planner', 'invoice-bot'], principal: ALICE }])).toEqual([]);
      // payments-bot: max_depth 1; planner may delegate to it.
      const alerts = run([{ agent: 'payments-bot', chain: [ALICE, 'planner', 'payments-bot'], type: 'token_issued' }]);
      expect(alerts.map((alert) => alert.key)).toEqual(['depth:2']);
      expect(alerts[0]!.observed).toMatchObject({ depth: 2 });
      expect(alerts[0]!.expected).toMatchObject({ max_depth: 1 });
      expect(alerts[0]!.title).toBe('payments-bot acted 2 agents deep in a delegation chain (limit 1)');
    });

    it('counts the acting agent after a chain that does not end with it', () => {
      expect(keys([{ agent: 'payments-bot', chain: [ALICE, 'planner'], type: 'access_denied' }])).toEqual(['depth:2']);
      const alerts = run([{ agent: 'report-writer', chain: [ALICE, 'planner', 'invoice-bot', 'report-writer'], principal: ALICE }]);
      expect(alerts).toEqual([]);
    });

    it('is not checked for an agent without max_depth', () => {
      // quarterly-bot has no delegation section; only the hop is wrong here.
      expect(keys([{ agent: 'quarterly-bot', chain: [ALICE, 'planner', 'invoice-bot', 'report-writer', 'quarterly-bot'], tool: 'erp.read_ledger' }]))
        .toEqual(['hop:report-writer>quarterly-bot']);
    });
  });

  describe('hops', () => {
    it('does not judge the hop out of a human root', () => {
      expect(keys([{ agent: 'report-writer', chain: [ALICE, 'report-writer'], tool: 'docs.write', system: 'docs', action: 'write' }])).toEqual([]);
    });

    it('keeps a delegator named __proto__ in expected.may_delegate_to (a plain object dropped it)', () => {
      const alerts = run([{ agent: 'payments-bot', chain: [ALICE, '__proto__', 'payments-bot'] }]);
      const hop = alerts.find((alert) => alert.key.startsWith('hop:'));
      expect(hop, JSON.stringify(alerts.map((alert) => alert.key))).toBeDefined();
      expect(Object.keys(hop!.expected.may_delegate_to as object)).toEqual(['__proto__']);
    });

    it('reports a delegate missing from the delegator\'s may_delegate_to', () => {
      const alerts = run([{ agent: 'payments-bot', chain: [ALICE, 'invoice-bot', 'payments-bot'] }]);
      expect(alerts.map((alert) => alert.key)).toEqual(['hop:invoice-bot>payments-bot']);
      expect(alerts[0]!.expected).toMatchObject({ may_delegate_to: { 'invoice-bot': ['report-writer'] } });
      expect(alerts[0]!.recommendation).toContain("invoice-bot's owner alice@corp.example");
      // The depth (2 > 1) is reported in the same finding.
      expect(alerts[0]!.summary).toContain('above its max_depth of 1');
    });

    it('names the agent that acted in the title, also when the hop at fault is further up the chain', () => {
      expect(run([{ agent: 'payments-bot', chain: [ALICE, 'invoice-bot', 'payments-bot'] }])[0]!.title).toBe(
        'payments-bot acted on a delegation from invoice-bot that the registry does not allow',
      );
      const alerts = run([{ agent: 'quarterly-bot', chain: [ALICE, 'planner', 'invoice-bot', 'report-writer', 'quarterly-bot'], tool: 'erp.read_ledger' }]);
      expect(alerts.map((alert) => alert.key)).toEqual(['hop:report-writer>quarterly-bot']);
      const upstream = run([{ agent: 'report-writer', chain: [ALICE, 'shadow-planner', 'invoice-bot', 'report-writer'], principal: ALICE }]);
      expect(upstream.map((alert) => alert.key)).toEqual(['hop:shadow-planner>invoice-bot']);
      expect(upstream[0]!.agent.id).toBe('report-writer');
      expect(upstream[0]!.title).toBe('report-writer acted through a delegation from shadow-planner to invoice-bot that the registry does not allow');
    });

    it('reports a delegator that is not a registered agent', () => {
      const alerts = run([{ agent: 'invoice-bot', chain: [ALICE, 'shadow-planner', 'invoice-bot'] }]);
      expect(alerts.map((alert) => alert.key)).toEqual(['hop:shadow-planner>invoice-bot']);
      expect(alerts[0]!.summary).toContain('shadow-planner is not a registered agent');
    });

    it('judges the first hop when the root is itself an agent', () => {
      const alerts = run([{ agent: 'report-writer', chain: ['planner', 'report-writer'], tool: 'docs.read', system: 'docs' }]);
      expect(alerts.map((alert) => alert.key)).toEqual(['root:agent:planner']);
      expect(alerts[0]!.observed.violations).toEqual([
        'the chain starts at planner, a registered agent, not at a human principal',
        'planner delegated to report-writer, which is not in its may_delegate_to (invoice-bot, payments-bot)',
      ]);
    });
  });

  describe('root', () => {
    it('reports an empty chain', () => {
      const alerts = run([{ agent: 'invoice-bot', chain: [] }]);
      expect(alerts.map((alert) => alert.key)).toEqual(['root:none']);
      expect(alerts[0]!.summary).toContain('with an empty delegation chain');
    });

    it('reports a chain that starts with the acting agent itself', () => {
      expect(keys([{ agent: 'invoice-bot', chain: ['invoice-bot'] }])).toEqual(['root:none']);
    });

    it('reports a root that is a registered agent', () => {
      expect(keys([{ agent: 'invoice-bot', chain: ['planner', 'invoice-bot'] }])).toEqual(['root:agent:planner']);
    });

    it('reports a principal that differs from the root, and accepts a missing principal', () => {
      const alerts = run([{ agent: 'invoice-bot', chain: [ALICE, 'planner', 'invoice-bot'], principal: 'mallory@corp.example' }]);
      expect(alerts.map((alert) => alert.key)).toEqual([`root:principal:${ALICE}`]);
      expect(alerts[0]!.recommendation).toContain('forged or replayed delegation');
      expect(keys([{ agent: 'invoice-bot', chain: [ALICE, 'planner', 'invoice-bot'] }])).toEqual([]);
    });
  });

  describe('scope of the delegating agent', () => {
    it('reports a delegated tool call outside the delegator\'s scope', () => {
      const alerts = run([{ agent: 'report-writer', chain: [ALICE, 'planner', 'invoice-bot', 'report-writer'], tool: 'docs.write_report', system: 'docs', action: 'write' }]);
      expect(alerts.map((alert) => [alert.key, alert.severity])).toEqual([['delegated-scope:system:docs', 'medium']]);
      expect(alerts[0]!.scope).toMatchObject({ delegator_scope: { agent: 'invoice-bot', systems: ['erp-prod', 'mail-internal'] } });
    });

    it('names the tool, then the action, when the system is in scope', () => {
      const chain = [ALICE, 'planner', 'invoice-bot', 'report-writer'];
      expect(keys([{ agent: 'report-writer', chain, tool: 'docs.read', system: 'erp-prod', action: 'read' }])).toEqual(['delegated-scope:tool:docs.read']);
      expect(keys([{ agent: 'report-writer', chain, tool: 'erp.read_x', system: 'erp-prod', action: 'write' }])).toEqual(['delegated-scope:action:write']);
    });

    it('checks tool calls only, and not the hop out of a human root', () => {
      const chain = [ALICE, 'planner', 'invoice-bot', 'report-writer'];
      expect(keys([{ agent: 'report-writer', chain, type: 'access_denied', system: 'docs', action: 'write' }])).toEqual([]);
      expect(keys([{ agent: 'report-writer', chain: [ALICE, 'report-writer'], tool: 'docs.write', system: 'docs', action: 'write' }])).toEqual([]);
    });
  });

  it('raises one finding per event, keyed by the first problem, with all of them listed', () => {
    const alerts = run([{ agent: 'invoice-bot', chain: [ALICE, 'planner', 'report-writer', 'invoice-bot'], principal: 'bob@corp.example', tool: 'hr.read_org_chart', system: 'hr-prod' }]);
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(alert.key).toBe(`root:principal:${ALICE}`);
    expect(alert.observed.violations).toHaveLength(5); // principal, two hops, depth 3 > 2, scope of report-writer
    expect(alert.score).toBe(100);
  });

  it('lets each rule be switched off', () => {
    const call: Call = { agent: 'invoice-bot', chain: [ALICE, 'planner', 'report-writer', 'invoice-bot'], principal: 'bob@corp.example', tool: 'hr.read_org_chart', system: 'hr-prod' };
    const off = { check_root: false, check_hops: false, check_depth: false, check_delegated_scope: false };
    expect(keys([call], off)).toEqual([]);
    expect(keys([call], { ...off, check_depth: true })).toEqual(['depth:3']);
    expect(keys([call], { ...off, check_hops: true })).toEqual(['hop:planner>report-writer']);
    expect(keys([call], { ...off, check_delegated_scope: true })).toEqual(['delegated-scope:system:hr-prod']);
  });
});
