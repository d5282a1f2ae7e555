import { describe, expect, it } from 'vitest';
import { ECS_VERSION, toEcs } from '../../../../src/sinks/formats/ecs.js';
import { TECHNIQUES } from '../../../../src/sdk/techniques.js';
import { makeAlert, sampleAlerts } from './alert-factory.js';

type Json = Record<string, any>;
const ecs = (alert = makeAlert()): Json => JSON.parse(JSON.stringify(toEcs(alert))) as Json;

describe('ECS alert document', () => {
  it('sets the base, event and ecs fields', () => {
    const alert = makeAlert();
    const d = ecs(alert);
    expect(d['@timestamp']).toBe(alert.time);
    expect(d.ecs).toEqual({ version: ECS_VERSION });
    expect(d.message).toBe(alert.summary);
    expect(d.event).toEqual({
      kind: 'alert',
      category: ['iam', 'intrusion_detection'],
      type: ['info'],
      severity: 73,
      risk_score: 92,
      risk_score_norm: 92,
      id: alert.id,
      created: alert.detected_at,
      start: alert.window.start,
      end: alert.window.end,
      action: 'read',
      reason: alert.summary,
      module: 'driftwatch',
      dataset: 'driftwatch.alert',
    });
  });

  it('maps severity to the numeric event.severity', () => {
    expect(['low', 'medium', 'high', 'critical'].map((s) => ecs(makeAlert({ severity: s as never })).event.severity)).toEqual([21, 47, 73, 99]);
  });

  it('event.created falls back to the event time', () => {
    expect(ecs(makeAlert({ detected_at: undefined })).event.created).toBe('2026-10-05T09:14:07.250Z');
  });

  it('describes the detector as the rule', () => {
    expect(ecs().rule).toEqual({
      id: 'scope-violation', name: 'scope-violation', version: '1.2.0',
      description: 'invoice-bot used a system outside its registered scope',
      category: 'AI agent behavioural drift', ruleset: 'driftwatch', author: ['driftwatch'],
    });
  });

  it('maps ATT&CK techniques, sub-techniques and tactics to threat.*', () => {
    const t = ecs().threat;
    expect(t.framework).toBe('MITRE ATT&CK');
    expect(t.technique.id).toEqual(['T1078', 'T1213']);
    expect(t.technique.name).toEqual(['Valid Accounts', 'Data from Information Repositories']);
    expect(t.technique.subtechnique).toEqual({ id: ['T1078.004'], name: ['Cloud Accounts'], reference: ['https://attack.mitre.org/techniques/T1078/004/'] });
    expect(t.tactic.id).toEqual(['TA0005', 'TA0003', 'TA0004', 'TA0001', 'TA0009']);
    expect(t.tactic.name).toContain('Collection');
  });

  it('uses ATLAS when there is no ATT&CK technique, and no threat.* for OWASP-only alerts', () => {
    expect(ecs(makeAlert({ techniques: [TECHNIQUES.promptInjection] })).threat).toEqual({
      framework: 'MITRE ATLAS',
      technique: { id: ['AML.T0051'], name: ['LLM Prompt Injection'], reference: ['https://atlas.mitre.org/techniques/AML.T0051'] },
    });
    const owasp = ecs(makeAlert({ techniques: [TECHNIQUES.goalHijack] }));
    expect(owasp.threat).toBeUndefined();
    expect(owasp.driftwatch.techniques).toEqual([TECHNIQUES.goalHijack]);
  });

  it('puts the principal in user.*, the agent in service.* and everyone in related.user', () => {
    const d = ecs();
    expect(d.user).toEqual({ id: 'bob@corp.example', name: 'bob@corp.example', email: 'bob@corp.example' });
    expect(d.service).toEqual({ id: 'invoice-bot', name: 'Invoice reconciliation agent', type: 'ai_agent', state: 'active', node: { name: 'invoice-bot-7d9f' } });
    expect(d.related.user).toEqual(['invoice-bot', 'bob@corp.example', 'alice@corp.example']);
    expect(d.agent).toBeUndefined();
    const lone = ecs(makeAlert({ principal: undefined, agent: { id: 'shadow', registered: false, name: undefined, owner: undefined, status: undefined, instance: undefined } }));
    expect(lone.user).toBeUndefined();
    expect(lone.service).toEqual({ id: 'shadow', name: 'shadow', type: 'ai_agent' });
  });

  it('keeps the rest under driftwatch.*', () => {
    const alert = makeAlert();
    expect(ecs(alert).driftwatch).toMatchObject({
      alert_id: alert.id, severity: 'high', score: 92, key: alert.key, window: alert.window,
      agent: { owner: 'alice@corp.example', custodian: 'team-payments', registered: true, session: 'task-4411' },
      principal: alert.principal, chain: alert.chain, evidence: alert.evidence,
      observed: alert.observed, expected: alert.expected, scope: alert.scope, recommendation: alert.recommendation,
      event: { id: 'evt-000123', tool: 'hr.read_salaries', system: 'hr-prod', resource: 'salaries/2026' },
    });
  });

  it('observer names driftwatch; every sample renders to plain JSON', () => {
    expect(toEcs(makeAlert(), { hostname: 'dw-1' }).observer).toEqual({ vendor: 'driftwatch', product: 'driftwatch', version: '0.1.0', hostname: 'dw-1' });
    for (const alert of sampleAlerts()) {
      const d = toEcs(alert);
      expect(JSON.parse(JSON.stringify(d))).toEqual(d);
      expect(d['event']).toMatchObject({ kind: 'alert', id: alert.id });
    }
  });
});
