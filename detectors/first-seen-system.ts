import {
  baselineAge,
  baselineHasSeenSystem,
  baselineSetFill,
  boundedSetDistinct,
  boundedSetTop,
  defineDetector,
  durationMs,
  durationOption,
  formatDuration,
  TECHNIQUES,
  z,
  type DetectorContext,
  type Severity,
  type ToolUseEvent,
} from '../src/sdk/index.js';

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

const severityChoice = z.enum(['off', 'low', 'medium', 'high', 'critical']);

const options = z.strictObject({
  learning_period: durationOption('7d', "event time from the agent's first event during which every system is learned, not reported"),
  listed_severity: severityChoice.default('off').describe('a new system named explicitly in scope.systems (off: no alert)'),
  in_scope_severity: severityChoice.default('low').describe('a new system allowed only by a glob of scope.systems'),
  out_of_scope_severity: severityChoice.default('high').describe('a new system outside scope.systems'),
  unregistered_severity: severityChoice.default('medium').describe('a new system used by an agent without a registry entry'),
  max_per_hour: z.number().int().min(1).default(5).describe('alerts per agent per hour; past it one summary alert (key many) and silence until the next hour'),
});
type Options = z.output<typeof options>;

interface State {
  /** Hour index (event time) of `n`. */
  h: number;
  /** Findings raised in hour `h`. */
  n: number;
}

type Placement = 'listed' | 'in-scope' | 'out-of-scope' | 'unregistered';

const learningCache = new WeakMap<Options, number>();
function learningOf(o: Options): number {
  let ms = learningCache.get(o);
  if (ms === undefined) learningCache.set(o, (ms = durationMs(o.learning_period)));
  return ms;
}

function placementOf(event: ToolUseEvent, ctx: DetectorContext<Options, State>): Placement {
  const agent = ctx.agent;
  if (agent === undefined) return 'unregistered';
  if (agent.scope.systems.includes(event.system)) return 'listed';
  return agent.allows.system(event.system) ? 'in-scope' : 'out-of-scope';
}

function severityOf(placement: Placement, o: Options): Severity | 'off' {
  switch (placement) {
    case 'listed':
      return o.listed_severity;
    case 'in-scope':
      return o.in_scope_severity;
    case 'out-of-scope':
      return o.out_of_scope_severity;
    case 'unregistered':
      return o.unregistered_severity;
  }
}

const HOUR_MS = 3_600_000;

/** The placement of a new system worth a finding, or undefined. Allocation-free. */
function judge(event: ToolUseEvent, ctx: DetectorContext<Options, State>): Placement | undefined {
  const baseline = ctx.baseline;
  if (baselineAge(baseline, ctx.now) < learningOf(ctx.options)) return undefined;
  if (baselineHasSeenSystem(baseline, event.system)) return undefined;
  const placement = placementOf(event, ctx);
  if (severityOf(placement, ctx.options) === 'off') return undefined;
  const state = ctx.state;
  if (Math.floor(event.timeMs / HOUR_MS) === state.h && state.n > ctx.options.max_per_hour) return undefined;
  return placement;
}

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
  createState: (): State => ({ h: -1, n: 0 }),
  score(event, ctx) {
    const placement = judge(event, ctx);
    if (placement === undefined) return undefined;
    const id = event.agent.id;
    const agent = ctx.agent;
    const baseline = ctx.baseline;
    const known = boundedSetTop(baseline.systems).map((entry) => entry.value);
    const distinct = boundedSetDistinct(baseline.systems);
    const learnedFor = formatDuration(baselineAge(baseline, ctx.now));
    const state = ctx.state;
    const hour = Math.floor(event.timeMs / HOUR_MS);
    const scope = agent === undefined ? undefined : { systems: agent.scope.systems };
    if (hour === state.h && state.n === ctx.options.max_per_hour) {
      return {
        key: 'many',
        title: `${id} keeps touching systems it never used before`,
        summary:
          `${id} used ${ctx.options.max_per_hour + 1} systems new to it within the hour (latest ${event.system} with ${event.tool}); ` +
          `further new systems are not reported one by one until the next hour. It has used about ${distinct} distinct systems ` +
          `in ${learnedFor} of history (Bloom filter ${Math.round(baselineSetFill(baseline.systems) * 100)}% full).`,
        severity: 'high',
        score: 85,
        observed: { new_systems_this_hour: ctx.options.max_per_hour + 1, latest: event.system, distinct_systems_estimate: distinct },
        expected: { known_systems: known },
        scope,
        recommendation:
          `Suspend ${id} and revoke its tokens: an agent enumerating systems is discovering or being driven. Review its recent sessions ` +
          `with ${agent?.custodian === undefined ? 'its operators' : `custodian ${agent.custodian}`} before re-enabling it.`,
        window: { start: hour * HOUR_MS, end: (hour + 1) * HOUR_MS },
      };
    }
    const severity = severityOf(placement, ctx.options) as Severity;
    const where =
      placement === 'out-of-scope'
        ? 'outside its registered scope'
        : placement === 'in-scope'
          ? 'inside its registered scope by a pattern, but never named there'
          : placement === 'listed'
            ? 'named in its registered scope'
            : 'and it has no registry entry';
    return {
      key: `system:${event.system}`,
      title: `${id} used system ${event.system} for the first time`,
      summary:
        `${id} called ${event.tool} to ${event.action} on ${event.system}, a system it never used in ${learnedFor} of history ` +
        `(${known.length === 0 ? 'no system before' : `its systems: ${known.join(', ')}${distinct > known.length ? ` and about ${distinct - known.length} more` : ''}`}); ` +
        `${event.system} is ${where}.`,
      severity,
      score: placement === 'out-of-scope' ? 80 : placement === 'unregistered' ? 65 : placement === 'in-scope' ? 45 : 35,
      observed: { system: event.system, tool: event.tool, action: event.action, placement, ...(event.resource === undefined ? {} : { resource: event.resource }) },
      expected: { known_systems: known, distinct_systems_estimate: distinct },
      scope,
      recommendation:
        placement === 'out-of-scope'
          ? `Block ${event.system} for ${id} at the policy engine${event.token === undefined ? '' : `, revoke token fingerprint ${event.token}`} and ask ` +
            `${agent?.owner === undefined ? 'its owner' : `owner ${agent.owner}`} why the agent reached a system outside its scope for the first time now.`
          : `Confirm with ${agent?.custodian === undefined ? "the agent's operators" : `custodian ${agent.custodian}`} that ${id} is meant to use ${event.system}; ` +
            `if it is, ${placement === 'unregistered' ? 'register the agent with it in scope' : 'name it in the registered scope so that its use is expected'}; if not, revoke its tokens and review the session that led there.`,
    };
  },
  learn(event, ctx) {
    if (judge(event, ctx) === undefined) return;
    const state = ctx.state;
    const hour = Math.floor(event.timeMs / HOUR_MS);
    if (hour !== state.h) {
      state.h = hour;
      state.n = 0;
    }
    state.n += 1;
  },
});
