import { defineDetector, TECHNIQUES, z } from '../src/sdk/index.js';

/**
 * A high-consequence tool or action (a money transfer, a delete, an external mail) carried out
 * without the reference of a human approval: the typical outcome of a prompt injection or of an
 * agent used as a confused deputy.
 */

const options = z.strictObject({
  ignore_failed: z
    .boolean()
    .default(false)
    .describe('no alert when the call failed (outcome error); by default a failed attempt is reported at high instead of critical'),
});

export default defineDetector({
  id: 'unapproved-high-consequence',
  version: '1.0.0',
  description:
    'A tool_use whose tool or action is listed in the agent\'s high_consequence entries (actions such as ' +
    'transfer or delete, or tool globs) and that carries no approval reference. Critical when the call ' +
    'succeeded or its outcome is unknown, high when it failed. The key names the matching entry: ' +
    'tool:<tool> when the tool matches, otherwise action:<action>.',
  eventTypes: ['tool_use'],
  maturity: 'stable',
  techniques: [TECHNIQUES.promptInjection, TECHNIQUES.goalHijack, TECHNIQUES.toolMisuse, TECHNIQUES.humanAgentTrust],
  severity: 'critical',
  options,
  createState: () => null,
  score(event, ctx) {
    const agent = ctx.agent;
    if (agent === undefined || event.approval !== undefined) return undefined;
    if (!agent.isHighConsequence(event.tool, event.action)) return undefined;
    const failed = event.outcome === 'error';
    if (failed && ctx.options.ignore_failed) return undefined;

    const id = agent.id;
    const byTool = agent.isHighConsequence(event.tool, undefined);
    const what = byTool ? `high-consequence tool ${event.tool}` : `high-consequence action ${event.action}`;
    const principal = event.principal;
    const token = event.token;
    const session = event.agent.session;
    const issuance = token === undefined ? undefined : ctx.tokens.get(token);
    const observed: Record<string, unknown> = { tool: event.tool, system: event.system, action: event.action, approval: null };
    if (event.resource !== undefined) observed.resource = event.resource;
    if (event.outcome !== undefined) observed.outcome = event.outcome;
    if (principal !== undefined) observed.principal = principal;
    if (token !== undefined) observed.token = token;

    const owner = `owner ${agent.owner ?? '(none registered)'}`;
    const confirmWith = principal === undefined || principal === agent.owner ? owner : `${principal} and ${owner}`;
    return {
      key: byTool ? `tool:${event.tool}` : `action:${event.action}`,
      title: `${id} used ${what} without a human approval`,
      summary:
        `${id} called ${event.tool} to ${event.action} on system ${event.system}` +
        `${event.resource === undefined ? '' : ` (resource ${event.resource})`}` +
        `${principal === undefined ? '' : ` on behalf of ${principal}`} with no approval reference` +
        `${event.outcome === undefined ? '' : `; outcome ${event.outcome}`}. Its registry entry requires a human approval for: ` +
        `${agent.highConsequence.join(', ')}.`,
      severity: failed ? 'high' : 'critical',
      score: failed ? 70 : 90,
      observed,
      expected: { approval: 'a human approval reference', high_consequence: agent.highConsequence },
      scope: { high_consequence: agent.highConsequence, actions: agent.scope.actions },
      evidence: issuance === undefined ? undefined : [issuance.eventId],
      recommendation:
        `Confirm with ${confirmWith} that this ${event.action} was requested. If not, treat it as prompt injection or a confused deputy: ` +
        `suspend ${id}${token === undefined ? '' : `, revoke token fingerprint ${token}`}` +
        `${event.resource === undefined ? '' : `, check and if possible reverse the effect on ${event.resource}`}` +
        ` and review the inputs of ${session === undefined ? 'its recent sessions' : `session ${session}`} for injected instructions.`,
    };
  },
});
