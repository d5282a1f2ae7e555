import type { AgentEvent } from '../events/contract.js';
import type { RegisteredAgent } from '../registry/agent.js';
import type { AnyDetector, Finding, Severity } from '../sdk/detector.js';
import { redactDeep } from '../redaction.js';
import { ALERT_SCHEMA, type Alert } from './alert.js';

const MAX_EVIDENCE = 50;

function clampScore(score: number): number {
  if (!Number.isFinite(score)) return 0;
  return Math.max(0, Math.min(100, Math.round(score)));
}

function eventSummary(event: AgentEvent): Alert['event'] {
  switch (event.type) {
    case 'tool_use':
      return { id: event.id, type: event.type, tool: event.tool, system: event.system, action: event.action, resource: event.resource, token: event.token };
    case 'access_denied':
      return { id: event.id, type: event.type, tool: event.tool, system: event.system, action: event.action };
    case 'token_issued':
      return { id: event.id, type: event.type, token: event.token.fingerprint };
  }
}

export interface AlertInput {
  /** The deterministic id (see id.ts), computed by the engine before it decides to raise. */
  id: string;
  detector: AnyDetector;
  finding: Finding;
  event: AgentEvent;
  agent: RegisteredAgent | undefined;
  window: { start: number; end: number };
  severityOverride?: Severity;
  /** The id of the less severe alert this one escalates (see Alert.escalates). */
  escalates?: string;
}

/**
 * The canonical alert for a finding, with the agent's accountability from the registry. Credentials
 * an event carried outside its token fields (a resource URL, a session id) are redacted wherever
 * the finding or the event summary quotes them.
 */
export function buildAlert({ id, detector, finding, event, agent, window, severityOverride, escalates }: AlertInput): Alert {
  const evidence = [event.id];
  for (const id of finding.evidence ?? []) {
    if (evidence.length >= MAX_EVIDENCE) break;
    if (!evidence.includes(id)) evidence.push(id);
  }
  return redactDeep<Alert>({
    schema: ALERT_SCHEMA,
    id,
    time: new Date(event.timeMs).toISOString(),
    detector: detector.id,
    detector_version: detector.version,
    severity: severityOverride ?? finding.severity ?? detector.severity,
    score: clampScore(finding.score),
    title: finding.title,
    summary: finding.summary,
    agent: {
      id: event.agent.id,
      registered: agent !== undefined,
      name: agent?.name,
      owner: agent?.owner,
      custodian: agent?.custodian,
      status: agent?.status,
      instance: event.agent.instance,
      session: event.agent.session,
    },
    principal: event.principal,
    chain: event.chain,
    event: eventSummary(event),
    observed: finding.observed,
    expected: finding.expected,
    evidence,
    scope: finding.scope,
    techniques: detector.techniques,
    recommendation: finding.recommendation,
    key: finding.key,
    window: { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString() },
    ...(escalates === undefined ? {} : { escalates }),
  });
}
