import { defineDetector, TECHNIQUES, z } from '../src/sdk/index.js';

/**
 * A tool call outside the agent's registered scope: a system, tool or action its registry entry
 * does not list. Checked on tool use only: a denied access is the scope being enforced.
 */

const options = z.strictObject({
  check_systems: z.boolean().default(true).describe('alert on a system outside scope.systems'),
  check_tools: z.boolean().default(true).describe('alert on a tool outside scope.tools'),
  check_actions: z.boolean().default(true).describe('alert on an action outside scope.actions'),
});

const list = (items: readonly string[]): string => (items.length === 0 ? 'none' : items.join(', '));

export default defineDetector({
  id: 'scope-violation',
  version: '1.0.1',
  description:
    'A tool_use whose system, tool or action is outside the registered scope of the agent (scope.systems, ' +
    'scope.tools, scope.actions; globs). One finding per event; its key names the first thing out of scope, ' +
    'in the order system, tool, action (e.g. system:hr-prod, tool:hr.export, action:delete), and the ' +
    'summary lists all of them. Access denials are not checked: they are the scope being enforced.',
  eventTypes: ['tool_use'],
  maturity: 'stable',
  techniques: [TECHNIQUES.identityPrivilegeAbuse, TECHNIQUES.toolMisuse, TECHNIQUES.goalHijack],
  severity: 'high',
  options,
  createState: () => null,
  score(event, ctx) {
    const agent = ctx.agent;
    if (agent === undefined) return undefined;
    const { check_systems, check_tools, check_actions } = ctx.options;
    const systemOut = check_systems && !agent.allows.system(event.system);
    const toolOut = check_tools && !agent.allows.tool(event.tool);
    const actionOut = check_actions && !agent.allows.action(event.action);
    if (!systemOut && !toolOut && !actionOut) return undefined;

    const id = agent.id;
    const { systems, tools, actions } = agent.scope;
    // Everything out of scope after the first, which the headline names.
    const also: string[] = [];
    if (toolOut && systemOut) also.push(`tool ${event.tool} (registered tools: ${list(tools)})`);
    if (actionOut && (systemOut || toolOut)) also.push(`action ${event.action} (registered actions: ${list(actions)})`);
    const outCount = Number(systemOut) + Number(toolOut) + Number(actionOut);
    const key = systemOut ? `system:${event.system}` : toolOut ? `tool:${event.tool}` : `action:${event.action}`;
    const what = systemOut ? `system ${event.system}` : toolOut ? `tool ${event.tool}` : `action ${event.action}`;
    const registered = systemOut ? list(systems) : toolOut ? list(tools) : list(actions);

    const session = event.agent.session;
    const token = event.token;
    const issuance = token === undefined ? undefined : ctx.tokens.get(token);
    const observed: Record<string, unknown> = { system: event.system, tool: event.tool, action: event.action };
    if (event.resource !== undefined) observed.resource = event.resource;
    if (event.outcome !== undefined) observed.outcome = event.outcome;
    if (token !== undefined) observed.token = token;
    const outOfScope: Record<string, string> = {};
    if (systemOut) outOfScope.system = event.system;
    if (toolOut) outOfScope.tool = event.tool;
    if (actionOut) outOfScope.action = event.action;
    observed.out_of_scope = outOfScope;

    return {
      key,
      title: `${id} used ${what} outside its registered scope`,
      summary:
        `${id} used ${what}, outside its registered scope (${registered}): it called ${event.tool} to ${event.action} ` +
        `on system ${event.system}${event.resource === undefined ? '' : ` (resource ${event.resource})`}` +
        `${event.principal === undefined ? '' : ` on behalf of ${event.principal}`}` +
        `${event.outcome === undefined ? '' : `, outcome ${event.outcome}`}.` +
        `${also.length === 0 ? '' : ` Also outside its scope: ${also.join('; ')}.`}`,
      score: Math.min(100, (systemOut ? 90 : toolOut ? 80 : 75) + 5 * (outCount - 1) - (event.outcome === 'error' ? 10 : 0)),
      observed,
      expected: { systems, tools, actions },
      scope: { systems, tools, actions },
      evidence: issuance === undefined ? undefined : [issuance.eventId],
      recommendation:
        `Check with owner ${agent.owner ?? '(none registered)'} whether ${id} should use ${what}. If not, block it at the policy engine` +
        `${token === undefined ? '' : `, revoke token fingerprint ${token}`} and review ${session === undefined ? 'its recent inputs' : `session ${session}`}` +
        `${event.principal === undefined ? '' : `, on behalf of ${event.principal},`} for injected instructions; if it should, ` +
        `have custodian ${agent.custodian ?? '(none registered)'} add it to the registered scope after review.`,
    };
  },
});
