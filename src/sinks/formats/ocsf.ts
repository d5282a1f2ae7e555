import type { Alert } from '../../alerts/alert.js';
import { compact, epochMs } from './compact.js';
import { mitreTechnique } from './mitre.js';
import { PRODUCT } from './product.js';
import { OCSF_SEVERITY, ocsfConfidence } from './severity.js';

/**
 * OCSF Detection Finding (class 2004, category 2 Findings), activity Create.
 * The shipped schema subset and its provenance: test/fixtures/ocsf/README.md.
 */
export const OCSF_VERSION = '1.9.0';
export const OCSF_CLASS = {
  category_uid: 2,
  category_name: 'Findings',
  class_uid: 2004,
  class_name: 'Detection Finding',
  activity_id: 1,
  activity_name: 'Create',
} as const;

export type OcsfObject = Record<string, unknown>;

export interface OcsfOptions {
  /** driftwatch's version in `metadata.product.version`. */
  productVersion?: string;
}

/** The `email_t` pattern of the OCSF dictionary: only such values go to `email_addr`. */
const OCSF_EMAIL = /^[a-zA-Z0-9!#$%&'*+\-/=?^_`{|}~.]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$/;

function user(identity: string): OcsfObject {
  return compact({
    uid: identity,
    name: identity,
    email_addr: OCSF_EMAIL.test(identity) ? identity : undefined,
    type_id: 1,
    type: 'User',
  });
}

function attacks(alert: Alert): OcsfObject[] {
  const out: OcsfObject[] = [];
  for (const t of alert.techniques) {
    const mitre = mitreTechnique(t);
    if (!mitre) continue;
    const base = compact({
      technique: { uid: mitre.technique.id, name: mitre.technique.name, src_url: mitre.technique.reference },
      sub_technique: mitre.subtechnique && { uid: mitre.subtechnique.id, name: mitre.subtechnique.name, src_url: mitre.subtechnique.reference },
    });
    if (mitre.tactics.length === 0) out.push(base);
    for (const tactic of mitre.tactics) out.push({ ...base, tactic: { uid: tactic.id, name: tactic.name } });
  }
  return out;
}

/** What the triggering action touched: the system, then the resource, both in the role Target. */
function targets(alert: Alert): OcsfObject[] {
  const out: OcsfObject[] = [];
  const { system, resource } = alert.event;
  if (system) out.push({ uid: system, name: system, type: 'system', role_id: 1, role: 'Target' });
  if (resource) out.push(compact({ name: resource, type: 'resource', role_id: 1, role: 'Target', data: system ? { system } : undefined }));
  return out;
}

/** The agent as a resource in the role Actor, owned by its accountable owner from the registry. */
function agentResource(alert: Alert): OcsfObject {
  const a = alert.agent;
  return compact({
    uid: a.id,
    name: a.name ?? a.id,
    type: 'ai_agent',
    role_id: 2,
    role: 'Actor',
    owner: a.owner ? user(a.owner) : undefined,
    labels: [a.registered ? 'registered' : 'unregistered', ...(a.status ? [`status:${a.status}`] : [])],
  });
}

export function toOcsf(alert: Alert, options: OcsfOptions = {}): OcsfObject {
  const severity = OCSF_SEVERITY[alert.severity];
  const confidence = ocsfConfidence(alert.score);
  const eventMs = epochMs(alert.time) ?? 0;
  const createdMs = epochMs(alert.detected_at) ?? eventMs;
  const agent = alert.agent;
  const actor = compact({ app_uid: agent.id, app_name: agent.name ?? agent.id, user: alert.principal ? user(alert.principal) : undefined });
  const [trigger, ...supporting] = alert.evidence;
  const evidences: OcsfObject[] = [
    compact({ uid: trigger ?? alert.event.id, name: alert.event.type, actor, resources: [agentResource(alert), ...targets(alert)] }),
    ...supporting.map((id) => ({ uid: id, name: 'supporting_event', actor })),
  ];
  const affected = targets(alert);
  const mapped = new Set(alert.techniques.filter((t) => mitreTechnique(t)).map((t) => t.id));
  const attackList = attacks(alert);
  return compact({
    ...OCSF_CLASS,
    type_uid: OCSF_CLASS.class_uid * 100 + OCSF_CLASS.activity_id,
    type_name: `${OCSF_CLASS.class_name}: ${OCSF_CLASS.activity_name}`,
    severity_id: severity.id,
    severity: severity.caption,
    status_id: 1,
    status: 'New',
    time: createdMs,
    timezone_offset: 0,
    message: alert.summary,
    is_alert: true,
    confidence_score: alert.score,
    confidence_id: confidence.id,
    confidence: confidence.caption,
    metadata: {
      version: OCSF_VERSION,
      uid: alert.id,
      correlation_uid: `${alert.detector}:${agent.id}:${alert.key}`,
      product: { name: PRODUCT.name, vendor_name: PRODUCT.vendor, version: options.productVersion ?? PRODUCT.version },
    },
    finding_info: compact({
      uid: alert.id,
      title: alert.title,
      desc: alert.summary,
      types: [alert.detector],
      data_sources: [alert.event.type],
      created_time: createdMs,
      first_seen_time: eventMs,
      last_seen_time: eventMs,
      analytic: { uid: alert.detector, name: alert.detector, type_id: 1, type: 'Rule', version: alert.detector_version },
      attacks: attackList.length > 0 ? attackList : undefined,
    }),
    evidences,
    resources: affected.length > 0 ? affected : undefined,
    remediation: { desc: alert.recommendation },
    unmapped: {
      driftwatch: compact({
        schema: alert.schema,
        severity: alert.severity,
        agent: compact({ registered: agent.registered, status: agent.status, custodian: agent.custodian, instance: agent.instance, session: agent.session }),
        chain: alert.chain,
        event: compact({ ...alert.event }),
        observed: alert.observed,
        expected: alert.expected,
        scope: alert.scope,
        techniques: alert.techniques.filter((t) => !mapped.has(t.id)).map((t) => ({ ...t })),
        key: alert.key,
        window: alert.window,
        escalates: alert.escalates,
        detected_at: alert.detected_at,
      }),
    },
  });
}
