import { defineDetector, TECHNIQUES, z, type AgentEvent } from '../src/sdk/index.js';

/**
 * Shadow agents: activity from an agent id that the registry does not know. Nobody is
 * accountable for such an agent, and nothing says what it may do.
 */

const options = z.strictObject({});

/** What the agent did, in words: `used tool x to read on system y`. */
function describeActivity(event: AgentEvent): string {
  switch (event.type) {
    case 'tool_use':
      return `used tool ${event.tool} to ${event.action} on system ${event.system}`;
    case 'token_issued': {
      const { fingerprint, audience, issuer } = event.token;
      return `was issued token ${fingerprint}${audience === undefined ? '' : ` for audience ${audience}`}${issuer === undefined ? '' : ` by ${issuer}`}`;
    }
    case 'access_denied':
      return `was denied ${event.action ?? 'access'} on system ${event.system}${event.policy === undefined ? '' : ` by policy ${event.policy}`}`;
  }
}

function tokenOf(event: AgentEvent): string | undefined {
  if (event.type === 'token_issued') return event.token.fingerprint;
  if (event.type === 'tool_use') return event.token;
  return undefined;
}

export default defineDetector({
  id: 'unregistered-agent',
  version: '1.0.0',
  description:
    'Shadow agent: an event from an agent id that is not in the agent registry, so it has no owner, ' +
    'no custodian and no registered scope. Fires on the first event of any type; the key is the agent ' +
    'id, so an unknown agent raises one alert per suppression window however busy it is.',
  eventTypes: ['tool_use', 'token_issued', 'access_denied'],
  maturity: 'stable',
  techniques: [TECHNIQUES.rogueAgents, TECHNIQUES.validAccounts],
  severity: 'high',
  options,
  createState: () => null,
  score(event, ctx) {
    if (ctx.agent !== undefined) return undefined;
    const id = event.agent.id;
    const token = tokenOf(event);
    const instance = event.agent.instance;
    const principal = event.principal;
    const activity = describeActivity(event);
    const system = event.type === 'token_issued' ? event.token.audience : event.system;
    const who = [
      instance === undefined ? undefined : `instance ${instance}`,
      principal === undefined ? undefined : `acting for ${principal}`,
    ].filter((part) => part !== undefined);
    const observed: Record<string, unknown> = { agent: id, registered: false, event_type: event.type, activity };
    if (system !== undefined) observed.system = system;
    if (event.type !== 'token_issued' && event.tool !== undefined) observed.tool = event.tool;
    if (event.type !== 'token_issued' && event.action !== undefined) observed.action = event.action;
    if (token !== undefined) observed.token = token;
    if (instance !== undefined) observed.instance = instance;
    if (principal !== undefined) observed.principal = principal;
    return {
      key: id,
      title: `Unregistered agent ${id} is active`,
      summary:
        `Agent id ${id}${who.length > 0 ? ` (${who.join(', ')})` : ''} ${activity}, but it is not in the agent registry: ` +
        'it has no owner, no custodian and no registered scope.',
      // Certain as a fact; a denial shows the controls held, so it weighs less.
      score: event.type === 'access_denied' ? 70 : 90,
      observed,
      expected: { registered: true, owner: 'required', custodian: 'required' },
      recommendation:
        `Find who runs agent id ${id}${instance === undefined ? '' : ` (instance ${instance})`}` +
        `${principal === undefined ? '' : `, starting with ${principal} on whose behalf it acted`}: either register it with an owner, ` +
        `a custodian and a scope, or disable it${token === undefined ? '' : ` and revoke token fingerprint ${token}`} at the identity provider.`,
    };
  },
});
