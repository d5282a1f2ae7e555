import { describe, expect, it } from 'vitest';
import detector from '../../../detectors/scope-violation.js';
import { builtinDetector, events, runDetector } from '../../helpers/engine.js';

let seq = 0;
const call = (agent: string, tool: string, system: string, action: string, extra: object = {}) => ({
  id: `sv-${++seq}`,
  time: Date.parse('2026-06-15T09:00:00Z') + seq * 1000,
  type: 'tool_use',
  agent: { id: agent },
  tool,
  system,
  action,
  ...extra,
});

const run = (input: object[], options?: Record<string, unknown>) => {
  const result = runDetector(builtinDetector(detector.id), events(...input), undefined, { options });
  expect(result.failures).toEqual([]);
  return result.alerts;
};

describe('scope-violation', () => {
  it('accepts in-scope calls, globs included', () => {
    expect(run([
      call('invoice-bot', 'erp.read_invoices', 'erp-prod', 'read'),
      call('invoice-bot', 'erp.anything.deeper', 'erp-prod', 'read'),
      call('invoice-bot', 'mail.send_internal', 'mail-internal', 'send'),
      call('report-writer', 'erp.read_ledger', 'erp-prod', 'read'),
    ])).toEqual([]);
  });

  it('names the system first and states the registered scope with the numbers', () => {
    const alerts = run([call('invoice-bot', 'hr.export_salaries', 'hr-prod', 'delete', { token: 'sha256:4f1c9e07a2b35d8e6c10' })]);
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(alert.key).toBe('system:hr-prod');
    expect(alert.summary).toContain('invoice-bot used system hr-prod, outside its registered scope (erp-prod, mail-internal)');
    expect(alert.summary).toContain('Also outside its scope: tool hr.export_salaries');
    expect(alert.observed).toMatchObject({ out_of_scope: { system: 'hr-prod', tool: 'hr.export_salaries', action: 'delete' } });
    expect(alert.scope).toEqual({ systems: ['erp-prod', 'mail-internal'], tools: ['erp.*', 'mail.send_internal'], actions: ['read', 'send'] });
    expect(alert.recommendation).toContain('revoke token fingerprint sha256:4f1c9e07a2b35d8e6c10');
    expect(alert.recommendation).toContain('alice@corp.example');
  });

  it('lets the action check be switched off', () => {
    const delete_ = call('invoice-bot', 'erp.delete_invoice', 'erp-prod', 'delete');
    expect(run([delete_]).map((alert) => alert.key)).toEqual(['action:delete']);
    expect(run([{ ...delete_, id: 'other' }], { check_actions: false })).toEqual([]);
  });

  it('raises one alert per out-of-scope item per window', () => {
    const alerts = run([
      call('invoice-bot', 'hr.a', 'hr-prod', 'read'),
      call('invoice-bot', 'hr.b', 'hr-prod', 'read'),
      call('invoice-bot', 'crm.a', 'crm-prod', 'read'),
    ]);
    expect(alerts.map((alert) => alert.key)).toEqual(['system:hr-prod', 'system:crm-prod']);
  });

  it('only looks at tool use', () => {
    expect(detector.eventTypes).toEqual(['tool_use']);
  });
});
