import {
  baselineHasSeenSystem,
  boundedSetEntry,
  createFirstSeenState,
  defineDetector,
  durationMs,
  fromOptions,
  durationOption,
  firstSeen,
  firstSeenOptions,
  TECHNIQUES,
  z,
  type AgentBaseline,
  type DetectorContext,
  type FirstSeenPlacement,
  type FirstSeenState,
  type ToolUseEvent,
} from '../src/sdk/index.js';

/**
 * A tool this agent has never called before, after its learning period: tool misuse, a hijacked
 * goal reaching for capabilities the agent never needed. How much that matters depends on the
 * registered scope:
 *
 * - outside the scope: high (scope-violation also reports it; this alert adds that it is new);
 * - allowed only by a glob of the scope (e.g. `erp.*`): low, new behaviour inside broad permissions;
 * - named explicitly in the scope: quiet by default (a registry widened on purpose).
 */

const options = z.strictObject(
  firstSeenOptions('tool', {
    new_system_grace: durationOption('7d', 'a new tool on a system named in scope.systems that the agent started to use within this time counts as listed (a registered widening)'),
  }),
);
type Options = z.output<typeof options>;

const tools = firstSeen('tool');

const graceOf = fromOptions((o: Options) => durationMs(o.new_system_grace));

function placementOf(event: ToolUseEvent, ctx: DetectorContext<Options, FirstSeenState>): FirstSeenPlacement {
  const placement = tools.placement(event, ctx);
  // A tool on a system named explicitly in the scope that the agent has only just started to use:
  // part of a registered widening (the system was added for it), like a listed tool.
  if (placement === 'in-scope' && ctx.agent!.scope.systems.includes(event.system) && systemIsRecent(ctx.baseline, event.system, event.timeMs, ctx.options)) return 'listed';
  return placement;
}

/** Whether the agent never used `system`, or first used it within `new_system_grace`. */
function systemIsRecent(baseline: AgentBaseline, system: string, timeMs: number, o: Options): boolean {
  if (!baselineHasSeenSystem(baseline, system)) return true;
  const entry = boundedSetEntry(baseline.systems, system);
  return entry !== undefined && entry.error === 0 && timeMs - entry.firstSeenMs < graceOf(o);
}

const LISTED = 'named in its registered scope (or on a system named there that it only just started to use)';

export default defineDetector({
  id: 'first-seen-tool',
  version: '1.0.0',
  description:
    'A call of a tool the agent has never called before, once its learning period is over (the baseline keeps the ' +
    'tools it called: exact top-8 plus a Bloom filter, so "never" is never wrong; a saturated filter can only miss). ' +
    'Severity by registered scope: outside it high, allowed only by a glob low, named explicitly quiet (a registry ' +
    'widened on purpose), no registry entry medium. At most max_per_hour alerts per agent per hour, then one summary ' +
    '(key many). Key tool:<name>.',
  eventTypes: ['tool_use'],
  maturity: 'stable',
  techniques: [TECHNIQUES.toolMisuse, TECHNIQUES.pluginCompromise, TECHNIQUES.goalHijack, TECHNIQUES.rogueAgents],
  severity: 'low',
  options,
  createState: createFirstSeenState,
  score(event, ctx) {
    const placement = tools.judge(event, ctx, () => placementOf(event, ctx));
    return placement === undefined ? undefined : tools.finding(event, ctx, placement, LISTED);
  },
  learn(event, ctx) {
    tools.learn(event, ctx, tools.judge(event, ctx, () => placementOf(event, ctx)));
  },
});
