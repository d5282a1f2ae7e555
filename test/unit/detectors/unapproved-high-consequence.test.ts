import { describe, expect, it } from 'vitest';
import detector from '../../../detectors/unapproved-high-consequence.js';
import { builtinDetector, events, runDetector } from '../../helpers/engine.js';

const T0 = Date.parse('2026-06-15T09:00:00Z');
let seq = 0;
const call = (agent: string, tool: string, action: string, extra: object = {}) => ({
  id: `uh-${++seq}`,
  time: T0 + seq * 1000,
  type: 'tool_use',
  agent: { id: agent },
  tool,
  system: tool.startsWith('bank.') ? 'bank-api' : 'erp-prod',
  action,
  ...extra,
});

const run = (input: object[], options?: Record<string, unknown>) => {
  const result = runDetector(builtinDetector(detector.id), events(...input), undefined, { options });
  expect(result.failures).toEqual([]);
  return result.alerts;
};

describe('unapproved-high-consequence', () => {
  it('accepts an approved high-consequence call and an ordinary one', () => {
    expect(run([call('payments-bot', 'bank.wire_transfer', 'transfer', { approval: 'CHG-4711' }), call('payments-bot', 'bank.get_balance', 'read')])).toEqual([]);
  });

  it('keys by the tool when a tool glob matches, else by the action', () => {
    const alerts = run([call('payments-bot', 'bank.wire_transfer', 'read'), call('payments-bot', 'erp.post_payment', 'transfer')]);
    expect(alerts.map((alert) => [alert.key, alert.severity])).toEqual([
      ['tool:bank.wire_transfer', 'critical'],
      ['action:transfer', 'critical'],
    ]);
  });

  it('links the token issuance and says what to reverse', () => {
    const fingerprint = 'sha256:0a9b8c7d6e5f40312233';
    const issued = { id: 'issue-1', time: T0, type: 'token_issued', agent: { id: 'payments-bot' }, token: { fingerprint } };
    const alerts = run([issued, call('payments-bot', 'bank.wire_transfer', 'transfer', { token: fingerprint, resource: 'iban:GB33', principal: 'bob@corp.example' })]);
    expect(alerts[0]!.evidence).toEqual([alerts[0]!.event.id, 'issue-1']);
    expect(alerts[0]!.recommendation).toContain(`revoke token fingerprint ${fingerprint}`);
    expect(alerts[0]!.recommendation).toContain('iban:GB33');
    expect(alerts[0]!.recommendation).toContain('bob@corp.example and owner dave@corp.example');
    expect(alerts[0]!.scope).toMatchObject({ high_consequence: ['transfer', 'delete', 'bank.wire_*'] });
  });

  it('reports a failed attempt at high, or not at all with ignore_failed', () => {
    const failed = call('payments-bot', 'erp.delete_vendor', 'delete', { outcome: 'error' });
    expect(run([failed]).map((alert) => alert.severity)).toEqual(['high']);
    expect(run([{ ...failed, id: 'again' }], { ignore_failed: true })).toEqual([]);
  });

  it('leaves agents without high-consequence entries and unregistered agents alone', () => {
    expect(run([call('report-writer', 'erp.read_x', 'delete'), call('nobody', 'bank.wire_transfer', 'transfer')])).toEqual([]);
  });
});
