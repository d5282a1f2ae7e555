import type { Alert } from '../../alerts/alert.js';
import { compact } from './compact.js';
import { mitreTechnique, type MitreTechnique, type Tactic } from './mitre.js';
import { PRODUCT } from './product.js';
import { ECS_SEVERITY } from './severity.js';

/** ECS version the document conforms to; every field used exists unchanged in ECS 8.x and 9.x. */
export const ECS_VERSION = '8.17.0';

export type EcsDocument = Record<string, unknown>;

export interface EcsOptions {
  productVersion?: string;
  /** `observer.hostname`: the host driftwatch runs on (left out when not given). */
  hostname?: string;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/**
 * ECS `threat.*` for the MITRE techniques: one framework per document, so ATT&CK when the alert
 * has ATT&CK techniques, otherwise ATLAS. Every technique, MITRE or OWASP, is also in `driftwatch.techniques`.
 */
function threat(alert: Alert): Record<string, unknown> | undefined {
  const mitre = alert.techniques.map(mitreTechnique).filter((m): m is MitreTechnique => m !== undefined);
  const attack = mitre.filter((m) => m.framework === 'mitre-attack');
  const chosen = attack.length > 0 ? attack : mitre;
  if (chosen.length === 0) return undefined;
  const framework = chosen[0]!.framework === 'mitre-attack' ? 'MITRE ATT&CK' : 'MITRE ATLAS';
  const techniques = unique(chosen.map((m) => m.technique.id)).map((id) => chosen.find((m) => m.technique.id === id)!.technique);
  const subs = chosen.flatMap((m) => (m.subtechnique ? [m.subtechnique] : []));
  const tactics: Tactic[] = [];
  for (const m of chosen) for (const t of m.tactics) if (!tactics.some((x) => x.id === t.id)) tactics.push(t);
  return compact({
    framework,
    technique: compact({
      id: techniques.map((t) => t.id),
      name: techniques.map((t) => t.name),
      reference: techniques.map((t) => t.reference),
      subtechnique: subs.length > 0
        ? { id: subs.map((s) => s.id), name: subs.map((s) => s.name), reference: subs.map((s) => s.reference) }
        : undefined,
    }),
    tactic: tactics.length > 0
      ? {
        id: tactics.map((t) => t.id),
        name: tactics.map((t) => t.name),
        reference: tactics.map((t) => `https://attack.mitre.org/tactics/${t.id}/`),
      }
      : undefined,
  });
}

/**
 * ECS alert document. The human principal is `user.*`; the AI agent is `service.*` (ECS `agent.*`
 * describes the shipper that collected the event, never the actor). See docs/formats.md.
 */
export function toEcs(alert: Alert, options: EcsOptions = {}): EcsDocument {
  const a = alert.agent;
  const p = alert.principal;
  return compact({
    '@timestamp': alert.time,
    ecs: { version: ECS_VERSION },
    message: alert.summary,
    tags: ['driftwatch', `driftwatch.detector:${alert.detector}`],
    event: compact({
      kind: 'alert',
      category: ['iam', 'intrusion_detection'],
      type: ['info'],
      severity: ECS_SEVERITY[alert.severity],
      risk_score: alert.score,
      risk_score_norm: alert.score,
      id: alert.id,
      created: alert.detected_at ?? alert.time,
      start: alert.window.start,
      end: alert.window.end,
      action: alert.event.action,
      reason: alert.summary,
      module: 'driftwatch',
      dataset: 'driftwatch.alert',
    }),
    rule: {
      id: alert.detector,
      name: alert.detector,
      version: alert.detector_version,
      description: alert.title,
      category: 'AI agent behavioural drift',
      ruleset: 'driftwatch',
      author: [PRODUCT.vendor],
    },
    threat: threat(alert),
    user: p ? compact({ id: p, name: p, email: EMAIL.test(p) ? p : undefined }) : undefined,
    service: compact({
      id: a.id,
      name: a.name ?? a.id,
      type: 'ai_agent',
      state: a.status,
      node: a.instance ? { name: a.instance } : undefined,
    }),
    related: { user: unique([a.id, ...(p ? [p] : []), ...(a.owner ? [a.owner] : [])]) },
    observer: compact({
      vendor: PRODUCT.vendor,
      product: PRODUCT.name,
      version: options.productVersion ?? PRODUCT.version,
      hostname: options.hostname,
    }),
    driftwatch: compact({
      schema: alert.schema,
      alert_id: alert.id,
      severity: alert.severity,
      score: alert.score,
      title: alert.title,
      detected_at: alert.detected_at,
      key: alert.key,
      window: alert.window,
      escalates: alert.escalates,
      agent: compact({ ...a }),
      principal: p,
      chain: alert.chain,
      event: compact({ ...alert.event }),
      evidence: alert.evidence,
      observed: alert.observed,
      expected: alert.expected,
      scope: alert.scope,
      techniques: alert.techniques.map((t) => ({ ...t })),
      recommendation: alert.recommendation,
    }),
  });
}
