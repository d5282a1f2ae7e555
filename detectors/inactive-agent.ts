import { defineDetector, TECHNIQUES, z, type AgentEvent } from '../src/sdk/index.js';

/**
 * A retired or suspended agent that still acts: offboarding left something running, or a
 * credential of the agent lives on somewhere else.
 */

const options = z.strictObject({
  alert_on_denied: z
    .boolean()
    .default(true)
    .describe('also alert when the only sign of life is a denied access: the control held, but something still runs the agent'),
});

function describeActivity(event: AgentEvent): string {
  switch (event.type) {
    case 'tool_use':
      return `used tool ${event.tool} to ${event.action} on system ${event.system}`;
    case 'token_issued':
      return `was issued token ${event.token.fingerprint}${event.token.issuer === undefined ? '' : ` by ${event.token.issuer}`}`;
    case 'access_denied':
      return `was denied ${event.action ?? 'access'} on system ${event.system}`;
  }
}

export default defineDetector({
  id: 'inactive-agent',
  version: '1.0.0',
  description:
    'A registered agent whose status is retired or suspended acts (tool use, token issuance, or, unless ' +
    'alert_on_denied is off, a denied access). A retired agent acting is critical: its offboarding failed. ' +
    'The key is the status, so one alert per agent per suppression window.',
  eventTypes: ['tool_use', 'token_issued', 'access_denied'],
  maturity: 'stable',
  techniques: [TECHNIQUES.improperOffboarding, TECHNIQUES.validAccounts, TECHNIQUES.rogueAgents],
  severity: 'high',
  options,
  createState: () => null,
  score(event, ctx) {
    const agent = ctx.agent;
    if (agent === undefined || agent.status === 'active') return undefined;
    if (event.type === 'access_denied' && !ctx.options.alert_on_denied) return undefined;

    const id = agent.id;
    const status = agent.status;
    const retired = status === 'retired';
    const token = event.type === 'token_issued' ? event.token.fingerprint : event.type === 'tool_use' ? event.token : undefined;
    const issuance = event.type === 'tool_use' && token !== undefined ? ctx.tokens.get(token) : undefined;
    const instance = event.agent.instance;
    const owner = agent.owner ?? '(no owner registered)';
    const custodian = agent.custodian ?? '(no custodian registered)';

    const observed: Record<string, unknown> = { status, event_type: event.type, activity: describeActivity(event) };
    if (event.type !== 'token_issued') observed.system = event.system;
    if (event.type === 'tool_use') {
      observed.tool = event.tool;
      observed.action = event.action;
    }
    if (token !== undefined) observed.token = token;
    if (instance !== undefined) observed.instance = instance;

    const stop = retired
      ? `Find and stop what still runs retired agent ${id}${instance === undefined ? '' : ` (instance ${instance})`}`
      : `Stop suspended agent ${id}${instance === undefined ? '' : ` (instance ${instance})`}`;
    const revoke = token === undefined ? 'revoke its remaining credentials' : `revoke token fingerprint ${token} and its other credentials`;
    const confirm = retired
      ? `confirm with owner ${owner} and custodian ${custodian} that its offboarding is complete.`
      : `ask custodian ${custodian} why it is still running; it stays stopped until owner ${owner} lifts the suspension.`;

    return {
      key: `status:${status}`,
      title: `${retired ? 'Retired' : 'Suspended'} agent ${id} is still acting`,
      summary: `${id} is ${status} in the registry${agent.reviewed === undefined ? '' : ` (last reviewed ${agent.reviewed})`} but ${describeActivity(event)}.`,
      severity: retired ? 'critical' : 'high',
      score: event.type === 'access_denied' ? 75 : retired ? 95 : 90,
      observed,
      expected: { status: 'active', activity: 'none while retired or suspended' },
      scope: { status },
      evidence: issuance === undefined ? undefined : [issuance.eventId],
      recommendation: `${stop}, ${revoke}, and ${confirm}`,
    };
  },
});
