import { describe, expect, it } from 'vitest';
import { OCSF_VERSION, toOcsf } from '../../../../src/sinks/formats/ocsf.js';
import { PRODUCT } from '../../../../src/sinks/formats/product.js';
import { TECHNIQUES } from '../../../../src/sdk/techniques.js';
import { makeAlert, sampleAlerts } from './alert-factory.js';
import { validateEvent } from './ocsf-schema.js';

type Json = Record<string, any>;
const ocsf = (alert = makeAlert()): Json => JSON.parse(JSON.stringify(toOcsf(alert))) as Json;

describe('OCSF Detection Finding against the shipped schema', () => {
  it.each(sampleAlerts().map((a) => [a.id, a] as const))('%s validates', (_id, alert) => {
    const event = toOcsf(alert);
    expect(validateEvent('detection_finding', event)).toEqual([]);
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
  });

  it('the validator is not vacuous', () => {
    const good = ocsf();
    const broken = (mutate: (e: Json) => void): string[] => {
      const e = structuredClone(good);
      mutate(e);
      return validateEvent('detection_finding', e);
    };
    expect(broken((e) => { delete e.finding_info.uid; })).toContain('finding_info.uid: required by finding_info');
    expect(broken((e) => { delete e.metadata.product; })).toContain('metadata.product: required by metadata');
    expect(broken((e) => { e.surprise = 1; })).toContain('surprise: not an attribute of detection_finding');
    expect(broken((e) => { e.finding_info.analytic.colour = 'red'; })).toContain('finding_info.analytic.colour: not an attribute of analytic');
    expect(broken((e) => { e.severity_id = 7; }).join()).toMatch(/severity_id: 7 is not one of/);
    expect(broken((e) => { e.activity_id = 4; }).join()).toMatch(/activity_id: 4 is not one of/);
    expect(broken((e) => { e.time = '2026-10-05'; }).join()).toMatch(/time: expected an integer/);
    expect(broken((e) => { e.type_uid = 200402; }).join()).toMatch(/type_uid: 200402, expected 200401/);
    expect(broken((e) => { e.severity = 'Low'; }).join()).toMatch(/severity: "Low" is not the caption of severity_id 4/);
    expect(broken((e) => { e.evidences[0].actor.user.email_addr = 'not an email'; }).join()).toMatch(/does not match email_t/);
    expect(broken((e) => { e.evidences[1] = { name: 'x' }; }).join()).toMatch(/evidences\[1\]: needs at least one of actor/);
    expect(broken((e) => { e.remediation = {}; }).join()).toMatch(/remediation.desc: required/);
    expect(broken((e) => { e.resources[0].region = 'eu'; }).join()).toMatch(/needs profile cloud/);
    expect(broken((e) => { e.evidences[0].ai_agent = { uid: 'x' }; }).join()).toMatch(/ai_agent: not an attribute of evidences/);
  });

  it('classifies the finding', () => {
    const e = ocsf();
    expect(e).toMatchObject({
      class_uid: 2004, class_name: 'Detection Finding', category_uid: 2, category_name: 'Findings',
      activity_id: 1, activity_name: 'Create', type_uid: 200401, type_name: 'Detection Finding: Create',
      status_id: 1, status: 'New', is_alert: true, timezone_offset: 0,
    });
  });

  it('maps severity low→2, medium→3, high→4, critical→5', () => {
    expect(ocsf(makeAlert({ severity: 'low' })).severity_id).toBe(2);
    expect(ocsf(makeAlert({ severity: 'medium' })).severity_id).toBe(3);
    expect(ocsf(makeAlert({ severity: 'high' })).severity_id).toBe(4);
    expect(ocsf(makeAlert({ severity: 'critical' }))).toMatchObject({ severity_id: 5, severity: 'Critical' });
  });

  it('uses the detection time as the finding time and the event time as first/last seen', () => {
    const e = ocsf();
    expect(e.time).toBe(Date.parse('2026-10-05T09:14:08.001Z'));
    expect(e.finding_info.created_time).toBe(e.time);
    expect(e.finding_info.first_seen_time).toBe(Date.parse('2026-10-05T09:14:07.250Z'));
    expect(ocsf(makeAlert({ detected_at: undefined })).time).toBe(Date.parse('2026-10-05T09:14:07.250Z'));
  });

  it('carries product, version, alert id, detector and confidence', () => {
    const alert = makeAlert();
    const e = ocsf(alert);
    expect(e.metadata).toMatchObject({ version: OCSF_VERSION, uid: alert.id, product: { name: 'driftwatch', vendor_name: 'driftwatch', version: PRODUCT.version } });
    expect(e.finding_info).toMatchObject({
      uid: alert.id, title: alert.title, desc: alert.summary, types: ['scope-violation'],
      analytic: { uid: 'scope-violation', name: 'scope-violation', type_id: 1, type: 'Rule', version: '1.2.0' },
    });
    expect(e).toMatchObject({ confidence_score: 92, confidence_id: 3, confidence: 'High', message: alert.summary });
    expect(e.remediation).toEqual({ desc: alert.recommendation });
  });

  it('maps MITRE techniques to attacks: sub-techniques under their technique, one entry per tactic', () => {
    const e = ocsf();
    const cloud = e.finding_info.attacks.filter((a: Json) => a.technique.uid === 'T1078');
    expect(cloud.map((a: Json) => a.tactic.uid)).toEqual(['TA0005', 'TA0003', 'TA0004', 'TA0001']);
    expect(cloud[0]).toMatchObject({ technique: { name: 'Valid Accounts' }, sub_technique: { uid: 'T1078.004', name: 'Cloud Accounts', src_url: 'https://attack.mitre.org/techniques/T1078/004/' } });
    const atlas = ocsf(makeAlert({ techniques: [TECHNIQUES.promptInjection, TECHNIQUES.goalHijack] }));
    expect(atlas.finding_info.attacks).toEqual([{ technique: { uid: 'AML.T0051', name: 'LLM Prompt Injection', src_url: 'https://atlas.mitre.org/techniques/AML.T0051' } }]);
    expect(atlas.unmapped.driftwatch.techniques).toEqual([TECHNIQUES.goalHijack]);
    expect(ocsf(makeAlert({ techniques: [] })).finding_info.attacks).toBeUndefined();
  });

  it('puts the agent, principal, owner, touched resources and event ids into evidences', () => {
    const alert = makeAlert();
    const e = ocsf(alert);
    expect(e.evidences.map((x: Json) => x.uid)).toEqual(alert.evidence);
    const [trigger] = e.evidences;
    expect(trigger.name).toBe('tool_use');
    expect(trigger.actor).toEqual({
      app_uid: 'invoice-bot', app_name: 'Invoice reconciliation agent',
      user: { uid: 'bob@corp.example', name: 'bob@corp.example', email_addr: 'bob@corp.example', type_id: 1, type: 'User' },
    });
    expect(trigger.resources[0]).toMatchObject({
      uid: 'invoice-bot', type: 'ai_agent', role_id: 2, role: 'Actor',
      owner: { uid: 'alice@corp.example', email_addr: 'alice@corp.example' }, labels: ['registered', 'status:active'],
    });
    expect(trigger.resources.slice(1)).toEqual(e.resources);
    expect(e.resources).toEqual([
      { uid: 'hr-prod', name: 'hr-prod', type: 'system', role_id: 1, role: 'Target' },
      { name: 'salaries/2026', type: 'resource', role_id: 1, role: 'Target', data: { system: 'hr-prod' } },
    ]);
  });

  it('an unregistered agent without principal has no owner and no actor user', () => {
    const e = ocsf(makeAlert({ principal: undefined, chain: undefined, agent: { id: 'shadow', registered: false, name: undefined, owner: undefined, custodian: undefined, status: undefined } }));
    expect(e.evidences[0].actor).toEqual({ app_uid: 'shadow', app_name: 'shadow' });
    expect(e.evidences[0].resources[0]).toEqual({ uid: 'shadow', name: 'shadow', type: 'ai_agent', role_id: 2, role: 'Actor', labels: ['unregistered'] });
  });

  it('keeps what OCSF has no place for under unmapped.driftwatch', () => {
    const alert = makeAlert();
    expect(ocsf(alert).unmapped.driftwatch).toMatchObject({
      chain: alert.chain, observed: alert.observed, expected: alert.expected, scope: alert.scope,
      key: alert.key, window: alert.window, agent: { registered: true, custodian: 'team-payments', session: 'task-4411' },
      event: { tool: 'hr.read_salaries', action: 'read', token: alert.event.token },
      techniques: [TECHNIQUES.identityPrivilegeAbuse],
    });
  });
});
