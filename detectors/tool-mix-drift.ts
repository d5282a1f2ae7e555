import {
  baselineAge,
  defineDetector,
  durationMs,
  fromOptions,
  durationOption,
  formatDuration,
  TECHNIQUES,
  z,
  type CategoryCountsState,
  type DetectorContext,
  type ToolUseEvent,
} from '../src/sdk/index.js';
import { boundedKey } from '../src/stats/hash.js';
import {
  CATEGORY_WINDOW_MAX,
  createCategoryWindow,
  pushCategoryWindow,
  resetCategoryWindow,
  type CategoryWindowState,
} from '../src/stats/category-window.js';

/**
 * The agent is put to another use: tools it rarely used (already in its baseline, so nothing is
 * new) take most of its calls. Goal hijack and tool misuse with an identity's own, in-scope tools.
 *
 * What is judged is the share of the agent's last `window` calls that went to tools *over-used*
 * against its long-run mix: tools whose share of the window is more than `rare_ratio` × their
 * share of the calls the baseline mix held before the window. The statistic is the excess of those
 * tools, Σ (window share − usual share), 0 to 1: 0.65 means that 65% more of the last 80 calls went
 * to those tools than the agent's history predicts. One tool or several (a takeover may split its
 * calls between two tools) count the same. The same excess over the last `short_window` calls,
 * against a higher bar, catches a takeover that lasts fewer calls than `window`.
 *
 * Calls of one session cluster (a session works on one system), so any window holds some excess by
 * chance. The bar therefore calibrates itself per agent: the excess must pass the threshold and
 * also exceed the largest excess the agent's own normal work produced (the largest value seen
 * during the learning period, then the peaks of completed excursions above `quiet_level`; an
 * excursion that raised an alert is not learned as normal) by the margin.
 *
 * State: the tool slot (its index in the baseline mix, 4 bits) of each of the last `window` calls,
 * packed, with counts per slot over both windows; ≈ 300 bytes of JSON. Per call: O(K) arithmetic
 * over the baseline mix's K tools, no allocation. The window follows the baseline mix's slots:
 * when the mix halves its counts (and may drop or reorder tools), the window restarts.
 */

const options = z.strictObject({
  learning_period: durationOption('5d', "event time from the agent's first event during which its mix and its normal excursions are learned, not reported (a working week)"),
  window: z.number().int().min(20).max(200).default(80).describe('calls in the sliding window whose tool shares are judged'),
  rare_ratio: z.number().min(1).default(3).describe("a tool counts as over-used when its window share is above this multiple of its share of the agent's earlier calls"),
  threshold: z.number().gt(0).max(1).default(0.4).describe('excess share of the over-used tools (window share − usual share, summed) that raises the alert'),
  margin: z.number().min(0).max(1).default(0.15).describe("the excess must also pass the agent's largest normal excess by this much"),
  short_window: z.number().int().min(0).max(199).default(40).describe('calls in the shorter window judged too, for takeovers shorter than window (0 = off; < window)'),
  short_threshold: z.number().gt(0).max(1).default(0.55).describe('threshold of the short window'),
  short_margin: z.number().min(0).max(1).default(0.25).describe('margin of the short window over its largest normal excess'),
  quiet_level: z.number().min(0).max(1).default(0.2).describe('excess below which an excursion counts as over (its peak is then learned as normal)'),
  min_baseline_calls: z.number().int().min(10).default(200).describe('calls the baseline mix needs before the window before calls are judged'),
  cooldown: durationOption('1d', 'after an alert, the agent stays quiet for this long'),
});
type Options = z.output<typeof options>;

interface State {
  /** Slots of the last window − 1 calls in the baseline mix (OTHER for a tool the mix holds in "other"). */
  w: CategoryWindowState;
  /** The baseline mix's total expected at the next call; anything else means it halved (window restarts). */
  m: number;
  /** Per scale (window, short window): largest normal excess. */
  p: [number, number];
  /** Per scale: largest excess of the current excursion; −1 while an alerted excursion lasts (not learned). */
  x: [number, number];
  /** Event time until which the agent stays quiet after an alert (ms). */
  u: number;
}

const OTHER = CATEGORY_WINDOW_MAX;
const LONG = 0;
const SHORT = 1;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

const paramsOf = fromOptions((o: Options) => ({ learning: durationMs(o.learning_period), cooldown: durationMs(o.cooldown) }));

/** Slot the baseline mix gives (or will give, once it counts this call) to `tool`; OTHER when it has none. */
function slotOf(mix: CategoryCountsState, tool: string): number {
  const i = mix.names.indexOf(tool.length <= mix.len ? tool : boundedKey(tool, mix.len));
  if (i >= 0) return i < OTHER ? i : OTHER;
  return mix.names.length < mix.k && mix.names.length < OTHER ? mix.names.length : OTHER;
}

/** Calls before this one in the window of `scale`. */
const priorOf = (o: Options, scale: number): number => (scale === LONG ? o.window : o.short_window) - 1;
/** Counts per slot of those calls. */
const countsOf = (state: State, scale: number): number[] => (scale === LONG ? state.w.c : state.w.d);
/** The excess the window of `scale` must pass, given the agent's largest normal excess `peak`. */
const barOf = (o: Options, scale: number, peak: number): number =>
  scale === LONG ? Math.max(o.threshold, peak + o.margin) : Math.max(o.short_threshold, peak + o.short_margin);

function fresh(o: Options): State {
  return {
    w: createCategoryWindow(o.window - 1, o.short_window > 1 && o.short_window < o.window ? o.short_window - 1 : 0),
    m: -1,
    p: [0, 0],
    x: [0, 0],
    u: 0,
  };
}

/**
 * Excess share of the over-used tools in the window of `prior` earlier calls (slot counts `counts`)
 * plus this call, or −1 when the call is not judged (window not full, mix halved since the window
 * started, too few earlier calls). Allocation-free.
 */
function excessOf(ctx: DetectorContext<Options, State>, current: number, prior: number, counts: number[]): number {
  const o = ctx.options;
  const mix = ctx.baseline.mix;
  if (prior < 1 || ctx.state.m !== mix.total || ctx.state.w.f < o.window - 1) return -1;
  const n = prior + 1;
  const before = mix.total - prior;
  if (before < o.min_baseline_calls) return -1;
  let sum = 0;
  const tools = Math.min(mix.names.length, OTHER);
  for (let j = 0; j < tools; j++) {
    const inWindow = (counts[j] as number) + (j === current ? 1 : 0);
    if (inWindow === 0) continue;
    const share = inWindow / n;
    const usual = ((mix.counts[j] as number) - (counts[j] as number)) / before;
    if (share > o.rare_ratio * usual) sum += share - usual;
  }
  return sum;
}

/** The layout the options ask for; a state of other window lengths is rebuilt. */
function fits(state: State, o: Options): boolean {
  const short = o.short_window > 1 && o.short_window < o.window ? o.short_window - 1 : 0;
  return state.w.n === o.window - 1 && state.w.h === short;
}

/** Excess of each scale for this call (−1 when not judged). Allocation-free: writes into `out`. */
function excesses(event: ToolUseEvent, ctx: DetectorContext<Options, State>, out: [number, number]): [number, number] {
  const o = ctx.options;
  out[LONG] = -1;
  out[SHORT] = -1;
  if (!fits(ctx.state, o)) return out;
  const current = slotOf(ctx.baseline.mix, event.tool);
  out[LONG] = excessOf(ctx, current, priorOf(o, LONG), countsOf(ctx.state, LONG));
  if (ctx.state.w.h > 0) out[SHORT] = excessOf(ctx, current, priorOf(o, SHORT), countsOf(ctx.state, SHORT));
  return out;
}

/** The scale that raises an alert (the one furthest above its bar), or −1. */
function raising(event: ToolUseEvent, ctx: DetectorContext<Options, State>, values: [number, number]): number {
  const o = ctx.options;
  const state = ctx.state;
  if (event.timeMs < state.u) return -1;
  let best = -1;
  let over = 0;
  for (let scale = LONG; scale <= SHORT; scale++) {
    const value = values[scale] as number;
    if (value < 0) continue;
    const above = value - barOf(o, scale, (state.p[scale] as number));
    if (above > over) {
      over = above;
      best = scale;
    }
  }
  if (best < 0 || baselineAge(ctx.baseline, ctx.now) < paramsOf(o).learning) return -1;
  return best;
}

interface OverUsed {
  tool: string;
  calls: number;
  share: number;
  usual_share: number;
}

/** The over-used tools of a window, largest excess first (allocates: alerts only). */
function overUsed(ctx: DetectorContext<Options, State>, current: number, prior: number, counts: number[]): OverUsed[] {
  const o = ctx.options;
  const mix = ctx.baseline.mix;
  const n = prior + 1;
  const before = mix.total - prior;
  const out: OverUsed[] = [];
  for (let j = 0; j < Math.min(mix.names.length, OTHER); j++) {
    const calls = (counts[j] as number) + (j === current ? 1 : 0);
    const usual = ((mix.counts[j] as number) - (counts[j] as number)) / before;
    if (calls > 0 && calls / n > o.rare_ratio * usual) out.push({ tool: mix.names[j] as string, calls, share: round3(calls / n), usual_share: round3(usual) });
  }
  return out.sort((a, b) => b.share - b.usual_share - (a.share - a.usual_share));
}

function usualTools(ctx: DetectorContext<Options, State>, prior: number, counts: number[], limit: number): Array<{ tool: string; share: number }> {
  const mix = ctx.baseline.mix;
  const before = mix.total - prior;
  return mix.names
    .map((tool, j) => ({ tool, share: round3(((mix.counts[j] as number) - (j < OTHER ? (counts[j] as number) : 0)) / before) }))
    .sort((a, b) => b.share - a.share)
    .slice(0, limit);
}

const percent = (x: number): string => (x < 0.01 ? `${(x * 100).toFixed(1)}%` : `${Math.round(x * 100)}%`);
const scratch: [number, number] = [-1, -1];

export default defineDetector({
  id: 'tool-mix-drift',
  version: '2.0.0',
  description:
    "An agent's calls shift to tools it rarely used: over its last `window` calls (and its last short_window calls, against a " +
    'higher bar), the tools whose share is above rare_ratio × their share of its earlier calls (the baseline mix before the ' +
    "window) take an excess share (Σ window share − usual share) above the threshold and above the agent's own largest normal " +
    'excess by the margin (learned during the learning period and from completed excursions, so agents whose sessions are ' +
    'naturally clustered need a stronger shift). Judged once the mix held min_baseline_calls calls before the window; quiet ' +
    'during the learning period and for cooldown after an alert. Key mix.',
  eventTypes: ['tool_use'],
  maturity: 'incubating',
  techniques: [TECHNIQUES.toolMisuse, TECHNIQUES.goalHijack, TECHNIQUES.rogueAgents, TECHNIQUES.dataFromInformationRepositories],
  severity: 'low',
  options,
  createState: fresh,
  score(event, ctx) {
    const values = excesses(event, ctx, scratch);
    const scale = raising(event, ctx, values);
    if (scale < 0) return undefined;
    const value = values[scale] as number;
    const id = event.agent.id;
    const state = ctx.state;
    const mix = ctx.baseline.mix;
    const prior = priorOf(ctx.options, scale);
    const counts = countsOf(state, scale);
    const n = prior + 1;
    const before = mix.total - prior;
    const tools = overUsed(ctx, slotOf(mix, event.tool), prior, counts);
    const usual = usualTools(ctx, prior, counts, 5);
    const peak = state.p[scale] as number;
    const bar = barOf(ctx.options, scale, peak);
    const agent = ctx.agent;
    const day = 86_400_000;
    const start = Math.floor(event.timeMs / day) * day;
    const listed = tools
      .slice(0, 3)
      .map((entry) => `${entry.tool} (${entry.calls} calls, ${percent(entry.share)}; ${percent(entry.usual_share)} of its calls before)`)
      .join(', ');
    const total = tools.reduce((sum, entry) => sum + entry.share, 0);
    return {
      key: 'mix',
      title: `${id} is calling tools it rarely used for most of its work`,
      summary:
        `${percent(total)} of ${id}'s last ${n} calls went to tools it rarely used: ${listed}. Against its ${before} earlier calls ` +
        `(over ${formatDuration(Math.max(0, ctx.now - ctx.baseline.t0))}: ${usual.map((entry) => `${entry.tool} ${percent(entry.share)}`).join(', ')}), ` +
        `that is ${percent(value)} more of its calls than usual, above the bar of ${percent(bar)} (its own normal work has reached ${percent(peak)}).`,
      severity: value >= 0.6 ? 'medium' : 'low',
      score: Math.min(90, Math.round(50 + (40 * (value - bar)) / Math.max(1 - bar, 0.05))),
      observed: { window_calls: n, over_used_tools: tools, excess_share: round3(value), latest_tool: event.tool },
      expected: {
        usual_tools: usual,
        baseline_calls: before,
        bar_excess_share: round3(bar),
        largest_normal_excess_share: round3(peak),
      },
      scope: agent === undefined ? undefined : { tools: agent.scope.tools },
      recommendation:
        `Ask ${agent?.custodian === undefined ? "the agent's operators" : `custodian ${agent.custodian}`} whether ${id} was given a new task; if not, ` +
        `review ${event.agent.session === undefined ? 'its recent sessions' : `session ${event.agent.session}`} for injected instructions ` +
        `(its calls to ${tools[0]?.tool ?? event.tool} first) and suspend the agent until the change is explained.`,
      window: { start, end: start + day },
    };
  },
  learn(event, ctx) {
    const state = ctx.state;
    const o = ctx.options;
    const mix = ctx.baseline.mix;
    if (!fits(state, o)) Object.assign(state, fresh(o));
    // The mix halved (or missed calls) since the window started: its slots may have moved.
    if (state.m !== mix.total) resetCategoryWindow(state.w);
    state.m = mix.total;
    const values = excesses(event, ctx, scratch);
    const learning = baselineAge(ctx.baseline, ctx.now) < paramsOf(o).learning;
    const alerted = raising(event, ctx, values) >= 0;
    if (alerted) state.u = event.timeMs + paramsOf(o).cooldown;
    for (let scale = LONG; scale <= SHORT; scale++) {
      const value = values[scale] as number;
      if (value < 0) continue;
      const peak = state.p[scale] as number;
      const excursion = state.x[scale] as number;
      if (learning && value > peak) state.p[scale] = round3(value);
      if (alerted) {
        if (value > o.quiet_level) state.x[scale] = -1;
      } else if (value > o.quiet_level) {
        if (excursion >= 0 && value > excursion) state.x[scale] = round3(value);
      } else {
        if (excursion > (state.p[scale] as number)) state.p[scale] = excursion;
        state.x[scale] = 0;
      }
    }
    pushCategoryWindow(state.w, slotOf(mix, event.tool));
    // The engine adds this call to the mix after every detector has learned it.
    state.m = mix.total + 1;
  },
});
