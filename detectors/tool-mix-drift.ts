import {
  baselineAge,
  DAY_MS,
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
 * What is judged is the share of the agent's calls that went to tools *over-used* against its
 * long-run mix: tools whose share is more than `rare_ratio` × their share of the calls the baseline
 * mix held before. The excess of those tools, Σ (share − usual share), 0 to 1: 0.65 means that 65%
 * more of the calls went to those tools than the agent's history predicts. One tool or several (a
 * takeover may split its calls between two tools) count the same. Two views of the same excess:
 *
 * - The last `window` calls. Calls of one session cluster (a session works on one system), so any
 *   window holds some excess by chance; the bar calibrates itself per agent: the excess must pass
 *   the threshold and also exceed the largest excess the agent's own normal work produced (the
 *   largest value seen during the learning period, then the peaks of completed excursions above
 *   `quiet_level`; an excursion that raised an alert is not learned as normal) by the margin.
 * - The calls of the current UTC day, for a takeover too short or too slow to fill a window (an
 *   agent of 20 calls a day taken over for 26 calls), or whose window excess stays within what one
 *   long normal session reaches. A day's excess is weighed by the number of calls it rests on: the
 *   day score is excess × √min(calls today, window), the excess in units of the spread a share of
 *   that many calls has by chance (≤ 0.5 / √n): 12 of 19 calls on a tool that usually has 12%
 *   (excess 0.51) score 2.2, the same share of 80 calls or more 4.6. Beyond `window` calls a day is
 *   not counted as more certain: its calls cluster in sessions, and days differ from one another
 *   more than chance allows. The bar is again the agent's own: the day score must pass
 *   `day_threshold` and the largest score of its completed days by `day_margin` (every completed
 *   day is learned, alerted or not, so a change that persists becomes its normal after one alert),
 *   once `day_min_days` days were judged; and the day's excess must reach `threshold` as well (a
 *   busy agent's modest, steady shift, such as a newly granted tool taking a quarter of its calls,
 *   scores high without being a takeover). A takeover spreads over the day's sessions, while a
 *   normal long session of rare tools is one of many in the agent's days, whose scores set its bar.
 *
 * State: the tool slot (its index in the baseline mix, 4 bits) of each of the last `window` calls,
 * packed, with counts per slot; today's counts per slot; the learned peaks; 270–305 bytes of JSON.
 * Per call: O(K) arithmetic over the baseline mix's K tools, no allocation. Window and day counts
 * follow the baseline mix's slots: when the mix halves its counts (and may drop or reorder tools),
 * the window and the day's counts restart.
 */

const options = z.strictObject({
  learning_period: durationOption('5d', "event time from the agent's first event during which its mix and its normal excursions are learned, not reported (a working week)"),
  window: z.number().int().min(20).max(200).default(80).describe('calls in the sliding window whose tool shares are judged'),
  rare_ratio: z.number().min(1).default(3).describe("a tool counts as over-used when its share is above this multiple of its share of the agent's earlier calls"),
  threshold: z.number().gt(0).max(1).default(0.4).describe('excess share of the over-used tools in the window (share − usual share, summed) that raises the alert'),
  margin: z.number().min(0).max(1).default(0.15).describe("the window's excess must also pass the agent's largest normal excess by this much"),
  quiet_level: z.number().min(0).max(1).default(0.2).describe('window excess below which an excursion counts as over (its peak is then learned as normal)'),
  day_min_calls: z.number().int().min(2).default(15).describe('calls of the current UTC day before the day is judged (0 < calls; fewer say too little)'),
  day_threshold: z.number().gt(0).default(2.5).describe("day score (the day's excess × √min(calls today, window)) that raises the alert"),
  day_margin: z.number().min(0).default(1.8).describe("the day score must also pass the largest score of the agent's completed days by this much"),
  day_min_days: z.number().int().min(1).max(9).default(4).describe('completed days judged (with day_min_calls calls) before the day score can alert: the days its bar is learned from'),
  min_baseline_calls: z.number().int().min(10).default(200).describe('calls the baseline mix needs besides those judged before calls are judged'),
  cooldown: durationOption('1d', 'after an alert, the agent stays quiet for this long'),
});
type Options = z.output<typeof options>;

interface State {
  /** Slots of the last window − 1 calls in the baseline mix (OTHER for a tool the mix holds in "other"). */
  w: CategoryWindowState;
  /** The baseline mix's total expected at the next call; less means it halved (window and day counts restart), more that calls were excepted from this detector. */
  m: number;
  /** Window: largest normal excess, in thousandths (integers keep the JSON short). */
  p: number;
  /** Window: largest excess of the current excursion, in thousandths; −1 while an alerted excursion lasts (not learned). */
  x: number;
  /** Calls of UTC day `d` per slot, up to the highest slot used that day (shorter in JSON than 16 counts). */
  c: number[];
  /** UTC day (days since the epoch) of `c`. */
  d: number;
  /** Largest day score of day `d` so far, in tenths; −1 when none was judged. */
  k: number;
  /** Largest day score of the completed days, in tenths. */
  q: number;
  /** Completed days judged, counted up to day_min_days. */
  j: number;
  /** Event time until which the agent stays quiet after an alert, in minutes since the epoch; 0 once passed. */
  u: number;
}

const OTHER = CATEGORY_WINDOW_MAX;
/** What raises an alert: the window of the last calls, or the current day. */
const WINDOW = 0;
const DAY = 1;
/** Judgement of a call: window excess, day score, day excess (−1: not judged). */
type Judged = [number, number, number];
const DAY_EXCESS = 2;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const round2 = (x: number): number => Math.round(x * 100) / 100;
/** Stored units: window excesses in thousandths, day scores in tenths. */
const toMilli = (x: number): number => Math.round(x * 1000);
const toTenths = (x: number): number => Math.round(x * 10);
/** The agent's largest normal window excess and day score, in their own units. */
const windowPeak = (state: State): number => state.p / 1000;
const dayPeak = (state: State): number => state.q / 10;
const dayOf = (timeMs: number): number => Math.floor(timeMs / DAY_MS);
const MINUTE_MS = 60_000;

const paramsOf = fromOptions((o: Options) => ({ learning: durationMs(o.learning_period), cooldown: durationMs(o.cooldown) }));

/** Slot the baseline mix gives (or will give, once it counts this call) to `tool`; OTHER when it has none. */
function slotOf(mix: CategoryCountsState, tool: string): number {
  const i = mix.names.indexOf(tool.length <= mix.len ? tool : boundedKey(tool, mix.len));
  if (i >= 0) return i < OTHER ? i : OTHER;
  return mix.names.length < mix.k && mix.names.length < OTHER ? mix.names.length : OTHER;
}

/** The window excess must pass this, given the agent's largest normal excess `peak`. */
const windowBar = (o: Options, peak: number): number => Math.max(o.threshold, peak + o.margin);
/** The day score must pass this, given the largest score of the agent's completed days `peak`. */
const dayBar = (o: Options, peak: number): number => Math.max(o.day_threshold, peak + o.day_margin);

function fresh(o: Options): State {
  return { w: createCategoryWindow(o.window - 1), m: -1, p: 0, x: 0, c: [], d: -1, k: -1, q: 0, j: 0, u: 0 };
}

/** The layout the options ask for; a state of another window length is rebuilt. */
const fits = (state: State, o: Options): boolean => state.w.n === o.window - 1 && Array.isArray(state.c);

/**
 * Excess share of the over-used tools among `prior` earlier calls (slot counts `counts`) plus this
 * one (slot `current`), against the mix's calls without them; −1 when the mix holds fewer than
 * min_baseline_calls besides them. Allocation-free.
 */
function excessOf(o: Options, mix: CategoryCountsState, current: number, prior: number, counts: readonly number[]): number {
  const n = prior + 1;
  const before = mix.total - prior;
  if (before < o.min_baseline_calls) return -1;
  let sum = 0;
  const tools = Math.min(mix.names.length, OTHER);
  for (let j = 0; j < tools; j++) {
    const earlier = counts[j] ?? 0;
    const calls = earlier + (j === current ? 1 : 0);
    if (calls === 0) continue;
    const share = calls / n;
    const usual = ((mix.counts[j] as number) - earlier) / before;
    if (share > o.rare_ratio * usual) sum += share - usual;
  }
  return sum;
}

/** Calls of the current day before this one (0 when the day's counts belong to another day). O(K). */
function callsToday(state: State, timeMs: number): number {
  if (dayOf(timeMs) !== state.d) return 0;
  let n = 0;
  for (let j = 0; j < state.c.length; j++) n += state.c[j] as number;
  return n;
}

/** The day score of the n calls of today: excess × √min(n, window). */
const dayScoreOf = (o: Options, excess: number, n: number): number => excess * Math.sqrt(Math.min(n, o.window));

/**
 * Window excess and day score for this call (−1 when not judged: window not full, day too short,
 * the mix halved since, too few earlier calls). Allocation-free: writes into `out`.
 */
function judge(event: ToolUseEvent, ctx: DetectorContext<Options, State>, out: Judged): Judged {
  const o = ctx.options;
  const state = ctx.state;
  const mix = ctx.baseline.mix;
  out[WINDOW] = -1;
  out[DAY] = -1;
  out[DAY_EXCESS] = -1;
  if (!fits(state, o) || mix.total < state.m) return out;
  const current = slotOf(mix, event.tool);
  if (state.w.f === o.window - 1) out[WINDOW] = excessOf(o, mix, current, o.window - 1, state.w.c);
  const today = callsToday(state, event.timeMs);
  if (today + 1 >= o.day_min_calls) {
    out[DAY_EXCESS] = excessOf(o, mix, current, today, state.c);
    if (out[DAY_EXCESS] >= 0) out[DAY] = dayScoreOf(o, out[DAY_EXCESS], today + 1);
  }
  return out;
}

/** What raises an alert (WINDOW first, then DAY), or −1. */
function raising(event: ToolUseEvent, ctx: DetectorContext<Options, State>, values: Judged): number {
  const o = ctx.options;
  const state = ctx.state;
  if (event.timeMs < state.u * MINUTE_MS || baselineAge(ctx.baseline, ctx.now) < paramsOf(o).learning) return -1;
  if (values[WINDOW] >= 0 && values[WINDOW] > windowBar(o, windowPeak(state))) return WINDOW;
  // A day's excess must reach the window's threshold too: on a busy agent's day a modest but steady
  // shift (a newly granted tool taking 25% of its calls) scores high without being a takeover.
  if (values[DAY] >= 0 && values[DAY_EXCESS] >= o.threshold && state.j >= o.day_min_days && values[DAY] > dayBar(o, dayPeak(state))) return DAY;
  return -1;
}

interface OverUsed {
  tool: string;
  calls: number;
  share: number;
  usual_share: number;
}

/** The over-used tools among `prior` calls plus this one, largest excess first (allocates: alerts only). */
function overUsed(ctx: DetectorContext<Options, State>, current: number, prior: number, counts: readonly number[]): OverUsed[] {
  const o = ctx.options;
  const mix = ctx.baseline.mix;
  const n = prior + 1;
  const before = mix.total - prior;
  const out: OverUsed[] = [];
  for (let j = 0; j < Math.min(mix.names.length, OTHER); j++) {
    const calls = (counts[j] ?? 0) + (j === current ? 1 : 0);
    const usual = ((mix.counts[j] as number) - (counts[j] ?? 0)) / before;
    if (calls > 0 && calls / n > o.rare_ratio * usual) out.push({ tool: mix.names[j] as string, calls, share: round3(calls / n), usual_share: round3(usual) });
  }
  return out.sort((a, b) => b.share - b.usual_share - (a.share - a.usual_share));
}

function usualTools(ctx: DetectorContext<Options, State>, prior: number, counts: readonly number[], limit: number): Array<{ tool: string; share: number }> {
  const mix = ctx.baseline.mix;
  const before = mix.total - prior;
  return mix.names
    .map((tool, j) => ({ tool, share: round3(((mix.counts[j] as number) - (j < OTHER ? (counts[j] ?? 0) : 0)) / before) }))
    .sort((a, b) => b.share - a.share)
    .slice(0, limit);
}

const percent = (x: number): string => (x < 0.01 ? `${(x * 100).toFixed(1)}%` : `${Math.round(x * 100)}%`);
const scratch: Judged = [-1, -1, -1];

/** A completed day's largest score is learned as normal; today's counts restart. */
function closeDay(state: State, o: Options, day: number): void {
  if (state.k >= 0) {
    if (state.k > state.q) state.q = state.k;
    if (state.j < o.day_min_days) state.j += 1;
  }
  state.c.length = 0;
  state.k = -1;
  state.d = day;
}

export default defineDetector({
  id: 'tool-mix-drift',
  version: '3.1.0',
  description:
    "An agent's calls shift to tools it rarely used: the tools whose share is above rare_ratio × their share of its earlier " +
    'calls (the baseline mix without the calls judged) take an excess share (Σ share − usual share), judged over its last ' +
    "`window` calls (above the threshold and above the agent's own largest normal excess by the margin, learned during the " +
    'learning period and from completed excursions, so agents whose sessions are naturally clustered need a stronger shift) ' +
    "and over the current UTC day (excess × √min(calls today, window) above day_threshold and above the agent's best completed " +
    'day by day_margin: short or slow takeovers). Judged once the mix held min_baseline_calls calls besides; quiet during the ' +
    'learning period and for cooldown after an alert. Key mix.',
  eventTypes: ['tool_use'],
  maturity: 'incubating',
  techniques: [TECHNIQUES.toolMisuse, TECHNIQUES.goalHijack, TECHNIQUES.rogueAgents, TECHNIQUES.dataFromInformationRepositories],
  severity: 'low',
  options,
  createState: fresh,
  score(event, ctx) {
    const values = judge(event, ctx, scratch);
    const scale = raising(event, ctx, values);
    if (scale < 0) return undefined;
    const o = ctx.options;
    const id = event.agent.id;
    const state = ctx.state;
    const mix = ctx.baseline.mix;
    const byDay = scale === DAY;
    const value = values[scale] as number;
    const prior = byDay ? callsToday(state, event.timeMs) : o.window - 1;
    const counts = byDay ? state.c : state.w.c;
    const n = prior + 1;
    const before = mix.total - prior;
    const tools = overUsed(ctx, slotOf(mix, event.tool), prior, counts);
    const usual = usualTools(ctx, prior, counts, 5);
    const excess = byDay ? (values[DAY_EXCESS] as number) : value;
    const peak = byDay ? dayPeak(state) : windowPeak(state);
    const bar = byDay ? dayBar(o, peak) : windowBar(o, peak);
    const agent = ctx.agent;
    const start = dayOf(event.timeMs) * DAY_MS;
    const listed = tools
      .slice(0, 3)
      .map((entry) => `${entry.tool} (${entry.calls} call${entry.calls === 1 ? '' : 's'}, ${percent(entry.share)}; ${percent(entry.usual_share)} of its calls before)`)
      .join(', ');
    const total = tools.reduce((sum, entry) => sum + entry.share, 0);
    const calls = byDay ? `${n} calls today (UTC)` : `last ${n} calls`;
    const against = byDay
      ? `a day score of ${value.toFixed(1)} (excess × √${Math.min(n, o.window)}), above the bar of ${bar.toFixed(1)} (its own days have reached ${peak.toFixed(1)})`
      : `above the bar of ${percent(bar)} (its own normal work has reached ${percent(peak)})`;
    return {
      key: 'mix',
      title: `${id} is calling ${tools.length === 1 ? 'one of its tools' : 'some of its tools'} far more than usual`,
      summary:
        `${percent(total)} of ${id}'s ${calls} went to tools it used less before: ${listed}. Against its ${before} earlier calls ` +
        `(over ${formatDuration(Math.max(0, ctx.now - ctx.baseline.t0))}: ${usual.map((entry) => `${entry.tool} ${percent(entry.share)}`).join(', ')}), ` +
        `that is ${percent(excess)} more of its calls than usual, ${against}.`,
      severity: excess >= 0.6 ? 'medium' : 'low',
      score: Math.min(90, Math.round(50 + (40 * (value - bar)) / Math.max((byDay ? 2 * bar : 1) - bar, 0.05))),
      observed: byDay
        ? { day_calls: n, over_used_tools: tools, excess_share: round3(excess), day_score: round2(value), latest_tool: event.tool }
        : { window_calls: n, over_used_tools: tools, excess_share: round3(value), latest_tool: event.tool },
      expected: byDay
        ? { usual_tools: usual, baseline_calls: before, bar_day_score: round2(bar), largest_normal_day_score: round2(peak), days_judged: state.j }
        : { usual_tools: usual, baseline_calls: before, bar_excess_share: round3(bar), largest_normal_excess_share: round3(peak) },
      scope: agent === undefined ? undefined : { tools: agent.scope.tools },
      recommendation:
        `Ask ${agent?.custodian === undefined ? "the agent's operators" : `custodian ${agent.custodian}`} whether ${id} was given a new task; if not, ` +
        `review ${event.agent.session === undefined ? 'its recent sessions' : `session ${event.agent.session}`} for injected instructions ` +
        `(its calls to ${tools[0]?.tool ?? event.tool} first) and suspend the agent until the change is explained.`,
      window: { start, end: start + DAY_MS },
    };
  },
  learn(event, ctx) {
    const state = ctx.state;
    const o = ctx.options;
    const mix = ctx.baseline.mix;
    if (!fits(state, o)) Object.assign(state, fresh(o));
    const day = dayOf(event.timeMs);
    // A late event from a day already closed neither closes today nor counts in it.
    const late = day < state.d;
    if (day > state.d) closeDay(state, o, day);
    // The mix halved since the last call: its slots may have moved. (A larger total only means calls
    // this detector did not see, excepted by the config: its slots are where they were.)
    if (mix.total < state.m) {
      resetCategoryWindow(state.w);
      state.c.length = 0;
    }
    state.m = mix.total;
    const values = judge(event, ctx, scratch);
    const learning = baselineAge(ctx.baseline, ctx.now) < paramsOf(o).learning;
    const alerted = raising(event, ctx, values) >= 0;
    if (alerted) state.u = Math.ceil((event.timeMs + paramsOf(o).cooldown) / MINUTE_MS);
    else if (state.u !== 0 && event.timeMs >= state.u * MINUTE_MS) state.u = 0;
    const value = values[WINDOW];
    if (value >= 0) {
      const milli = toMilli(value);
      if (learning && milli > state.p) state.p = milli;
      if (alerted) {
        if (value > o.quiet_level) state.x = -1;
      } else if (value > o.quiet_level) {
        if (state.x >= 0 && milli > state.x) state.x = milli;
      } else {
        if (state.x > state.p) state.p = state.x;
        state.x = 0;
      }
    }
    if (values[DAY] >= 0 && toTenths(values[DAY]) > state.k) state.k = toTenths(values[DAY]);
    const slot = slotOf(mix, event.tool);
    pushCategoryWindow(state.w, slot);
    // The day's counts grow to a slot the first time it is used that day (a few times a day, not per call).
    if (!late) {
      while (state.c.length <= slot) state.c.push(0);
      state.c[slot] = (state.c[slot] as number) + 1;
    }
    // The engine adds this call to the mix after every detector has learned it.
    state.m = mix.total + 1;
  },
});
