import { createFirstSeenState, defineDetector, firstSeen, firstSeenOptions, TECHNIQUES, z } from '../src/sdk/index.js';

/**
 * A system this agent has never used before, after its learning period: lateral movement,
 * discovery, or a goal hijack taking it somewhere new. How much that matters depends on the
 * registered scope:
 *
 * - outside the scope: high (scope-violation also reports it; this alert adds that it is new
 *   behaviour, not a long-standing misconfiguration);
 * - allowed only by a glob of the scope (e.g. `erp-*`): low, new behaviour inside broad permissions;
 * - named explicitly in the scope: quiet by default. Someone registered that exact system for this
 *   agent, which is what widening a registry looks like; its first use is the expected follow-up.
 */

const options = z.strictObject(firstSeenOptions('system'));

const systems = firstSeen('system');

export default defineDetector({
  id: 'first-seen-system',
  version: '1.0.0',
  description:
    'A tool call on a system the agent has never used before, once its learning period is over (the baseline keeps the ' +
    'systems it used: exact top-8 plus a Bloom filter, so "never" is never wrong; a saturated filter can only miss). ' +
    'Severity by registered scope: outside it high, allowed only by a glob low, named explicitly quiet (a registry ' +
    'widened on purpose), no registry entry medium. At most max_per_hour alerts per agent per hour, then one summary ' +
    '(key many). Key system:<name>.',
  eventTypes: ['tool_use'],
  maturity: 'stable',
  techniques: [TECHNIQUES.cloudServiceDiscovery, TECHNIQUES.validAccounts, TECHNIQUES.goalHijack, TECHNIQUES.rogueAgents],
  severity: 'low',
  options,
  createState: createFirstSeenState,
  score(event, ctx) {
    const placement = systems.judge(event, ctx, () => systems.placement(event, ctx));
    return placement === undefined ? undefined : systems.finding(event, ctx, placement);
  },
  learn(event, ctx) {
    systems.learn(event, ctx, systems.judge(event, ctx, () => systems.placement(event, ctx)));
  },
});
