import {
  baselineAge,
  baselineHasSeenSystem,
  baselineHasSeenTool,
  boundedSetEntry,
  baselineSetFill,
  boundedSetDistinct,
  boundedSetTop,
  defineDetector,
  durationMs,
  durationOption,
  formatDuration,
  TECHNIQUES,
  z,
  type AgentBaseline,
  type DetectorContext,
  type Severity,
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

const severityChoice = z.enum(['off', 'low', 'medium', 'high', 'critical']);

const options = z.strictObject({
  learning_period: durationOption('7d', "event time from the agent's first event during which every tool is learned, not reported"),
  listed_severity: severityChoice.default('off').describe('a new tool named explicitly in scope.tools (off: no alert)'),
  in_scope_severity: severityChoice.default('low').describe('a new tool allowed only by a glob of scope.tools'),
  out_of_scope_severity: severityChoice.default('high').describe('a new tool outside scope.tools'),
  unregistered_severity: severityChoice.default('medium').describe('a new tool called by an agent without a registry entry'),
  new_system_grace: durationOption('7d', 'a new tool on a system named in scope.systems that the agent started to use within this time counts as listed (a registered widening)'),
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

const graceCache = new WeakMap<Options, number>();
function graceOf(o: Options): number {
  let ms = graceCache.get(o);
  if (ms === undefined) graceCache.set(o, (ms = durationMs(o.new_system_grace)));
  return ms;
}

function placementOf(event: ToolUseEvent, ctx: DetectorContext<Options, State>): Placement {
  const agent = ctx.agent;
  if (agent === undefined) return 'unregistered';
  if (agent.scope.tools.includes(event.tool)) return 'listed';
  if (!agent.allows.tool(event.tool)) return 'out-of-scope';
  // A tool on a system named explicitly in the scope that the agent has only just started to use:
  // part of a registered widening (the system was added for it), like a listed tool.
  if (agent.scope.systems.includes(event.system) && systemIsRecent(ctx.baseline, event.system, event.timeMs, ctx.options)) return 'listed';
  return 'in-scope';
}

/** Whether the agent never used `system`, or first used it within `new_system_grace`. */
function systemIsRecent(baseline: AgentBaseline, system: string, timeMs: number, o: Options): boolean {
  if (!baselineHasSeenSystem(baseline, system)) return true;
  const entry = boundedSetEntry(baseline.systems, system);
  return entry !== undefined && entry.error === 0 && timeMs - entry.firstSeenMs < graceOf(o);
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

/** The placement of a new tool worth a finding, or undefined. Allocation-free. */
function judge(event: ToolUseEvent, ctx: DetectorContext<Options, State>): Placement | undefined {
  const baseline = ctx.baseline;
  if (baselineAge(baseline, ctx.now) < learningOf(ctx.options)) return undefined;
  if (baselineHasSeenTool(baseline, event.tool)) return undefined;
  const placement = placementOf(event, ctx);
  if (severityOf(placement, ctx.options) === 'off') return undefined;
  const state = ctx.state;
  if (Math.floor(event.timeMs / HOUR_MS) === state.h && state.n > ctx.options.max_per_hour) return undefined;
  return placement;
}

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
  createState: (): State => ({ h: -1, n: 0 }),
  score(event, ctx) {
    const placement = judge(event, ctx);
    if (placement === undefined) return undefined;
    const id = event.agent.id;
    const agent = ctx.agent;
    const baseline = ctx.baseline;
    const known = boundedSetTop(baseline.tools).map((entry) => entry.value);
    const distinct = boundedSetDistinct(baseline.tools);
    const learnedFor = formatDuration(baselineAge(baseline, ctx.now));
    const state = ctx.state;
    const hour = Math.floor(event.timeMs / HOUR_MS);
    const scope = agent === undefined ? undefined : { tools: agent.scope.tools };
    if (hour === state.h && state.n === ctx.options.max_per_hour) {
      return {
        key: 'many',
        title: `${id} keeps calling tools it never used before`,
        summary:
          `${id} called ${ctx.options.max_per_hour + 1} tools new to it within the hour (latest ${event.tool} on ${event.system}); ` +
          `further new tools are not reported one by one until the next hour. It has called about ${distinct} distinct tools ` +
          `in ${learnedFor} of history (Bloom filter ${Math.round(baselineSetFill(baseline.tools) * 100)}% full).`,
        severity: 'high',
        score: 85,
        observed: { new_tools_this_hour: ctx.options.max_per_hour + 1, latest: event.tool, distinct_tools_estimate: distinct },
        expected: { known_tools: known },
        scope,
        recommendation:
          `Suspend ${id} and revoke its tokens: an agent trying tool after tool is exploring or being driven. Review its recent sessions ` +
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
            ? 'named in its registered scope (or on a system named there that it only just started to use)'
            : 'and it has no registry entry';
    return {
      key: `tool:${event.tool}`,
      title: `${id} called tool ${event.tool} for the first time`,
      summary:
        `${id} called ${event.tool} to ${event.action} on ${event.system}, a tool it never called in ${learnedFor} of history ` +
        `(${known.length === 0 ? 'no tool before' : `its usual tools: ${known.join(', ')}${distinct > known.length ? ` and about ${distinct - known.length} more` : ''}`}); ` +
        `${event.tool} is ${where}.`,
      severity,
      score: placement === 'out-of-scope' ? 80 : placement === 'unregistered' ? 65 : placement === 'in-scope' ? 45 : 35,
      observed: { system: event.system, tool: event.tool, action: event.action, placement, ...(event.resource === undefined ? {} : { resource: event.resource }) },
      expected: { known_tools: known, distinct_tools_estimate: distinct },
      scope,
      recommendation:
        placement === 'out-of-scope'
          ? `Block ${event.tool} for ${id} at the tool gateway${event.token === undefined ? '' : `, revoke token fingerprint ${event.token}`} and ask ` +
            `${agent?.owner === undefined ? 'its owner' : `owner ${agent.owner}`} why the agent reached for a tool outside its scope for the first time now.`
          : `Confirm with ${agent?.custodian === undefined ? "the agent's operators" : `custodian ${agent.custodian}`} that ${id} is meant to call ${event.tool}; ` +
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
