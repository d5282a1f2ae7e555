import {
  baselineAge,
  baselineHourPeakLevel,
  baselineObserved,
  baselinePeakLevel,
  baselineTypical,
  BASELINE_WINDOW_MS,
  defineDetector,
  formatClock,
  formatCount,
  formatPeak,
  PEAK_FADING,
  levelValue,
  TECHNIQUES,
  windowSpike,
  windowSpikeOptions,
  z,
  type AgentEvent,
  type DetectorContext,
  type Spike,
  type WindowSpikeState,
  roundPeak,
} from '../src/sdk/index.js';

/**
 * A cadence far above the agent's own: many more events in a 5-minute window than it ever has at
 * this time of day. An agent in a loop, scripted by an attacker, or enumerating.
 *
 * Two paths. A single window far above the agent's busiest window for this time of day (factor,
 * min_events). Or a sustained run: several consecutive windows, each well above the agent's
 * busiest window for this time of day as it was before the run began (sustained_*). The run keeps
 * the reference of its first window, taken without the window just before it (where a run usually
 * starts, part-way through): the engine's baseline learns every closed window, so judged against
 * the live peaks a loop's own first windows would become the peak its later windows are compared
 * with, and a loop that ramps up over a few windows would never look unusual. Measured on `driftwatch simulate` traffic, agents' busy windows are mostly single
 * windows of a burst; a cadence held for a quarter of an hour above the agent's own busiest window
 * is rare, which is what lets the sustained path use lower thresholds.
 */

const { cooldown, ...spikeOptions } = windowSpikeOptions(
  'min_events',
  { factor: 4, minimum: 100, minZ: 6, minWindows: 6 },
  { counted: 'events', window: 'active window', windows: 'active windows', peak: "the agent's peak (its busiest window, fading about 16% a day)" },
);

const options = z.strictObject({
  ...spikeOptions,
  sustained_windows: z.number().int().min(0).default(3).describe('sustained path: this many consecutive 5-minute windows (0: off), each…'),
  sustained_factor: z.number().gt(1).default(3).describe("…above this multiple of the agent's peak around this hour of day before the run began, leaving out the window just before the run (and factor_any_hour × its peak at any hour)…"),
  sustained_min_events: z.number().int().min(1).default(15).describe('…with at least this many events…'),
  sustained_min_z: z.number().nonnegative().default(4).describe('…and a robust z of at least this against its typical active window before the run (with min_windows)'),
  cooldown,
});
type Options = z.output<typeof options>;

interface State extends WindowSpikeState {
  /** Window index (5 min) of the last window of the current sustained run; −1 before any. */
  rw: number;
  /** Windows in the run. */
  rn: number;
  /** Before the run: the busiest window around this hour of day (or at any hour when none), and its scope. */
  rp: number;
  rc: Spike['peakScope'];
  /** Before the run: the busiest window at any hour. */
  ra: number;
  /** Before the run: the typical active window (median, robust spread, windows it comes from). */
  rm: number;
  rs: number;
  rk: number;
  /** Window index of `ph` and `pa`; −1 before any. */
  pw: number;
  /** Peak levels (this hour of day, any hour) at the first event of window `pw`: without the window before it. */
  ph: number;
  pa: number;
}

const spikes = windowSpike('events', 'min_events');

/** A window on the sustained path: the figures of the window and how many windows the run has, the window included. */
interface Step {
  spike: Spike;
  run: number;
}

/**
 * The window of the event (the event counted) on the sustained path, or undefined when it is not
 * above the run's reference (or was counted already). Allocation-free unless the window qualifies.
 */
function step(event: AgentEvent, ctx: DetectorContext<Options, State>): Step | undefined {
  const o = ctx.options;
  if (o.sustained_windows === 0) return undefined;
  const state = ctx.state;
  const time = event.timeMs;
  const win = Math.floor(time / BASELINE_WINDOW_MS);
  if (state.rw === win) return undefined;
  const baseline = ctx.baseline;
  const observed = baselineObserved(baseline, 'events', time, 1);
  if (observed < o.sustained_min_events) return undefined;
  const continuing = state.rw === win - 1;
  let peak: number;
  let any: number;
  let scope: Spike['peakScope'];
  if (continuing) {
    peak = state.rp;
    any = state.ra;
    scope = state.rc;
  } else {
    // Peaks without the window before this one (a run usually starts part-way through it).
    let hourLevel = baselineHourPeakLevel(baseline, 'events', time, o.hour_radius);
    let anyLevel = baselinePeakLevel(baseline, 'events', time);
    if (state.pw === win) {
      if (state.ph < hourLevel) hourLevel = state.ph;
      if (state.pa < anyLevel) anyLevel = state.pa;
    }
    any = levelValue(anyLevel);
    peak = hourLevel > 0 ? levelValue(hourLevel) : any;
    scope = hourLevel > 0 ? 'hour' : anyLevel > 0 ? 'day' : 'none';
  }
  if (!(observed > o.sustained_factor * peak)) return undefined;
  if (o.factor_any_hour > 0 && !(observed > o.factor_any_hour * any)) return undefined;
  const typical = continuing ? { windows: state.rk, median: state.rm, spread: state.rs } : baselineTypical(baseline, 'events');
  let zScore = Number.NaN;
  if (typical.windows >= o.min_windows) {
    // As baselineSpike: a floor on the spread, so that a flat history does not make any change infinitely unusual.
    zScore = (observed - typical.median) / Math.max(typical.spread, 0.25 * typical.median, 1);
    if (zScore < o.sustained_min_z) return undefined;
  }
  return {
    run: continuing ? state.rn + 1 : 1,
    spike: {
      metric: 'events',
      observed,
      peak,
      peakScope: scope,
      ratio: peak > 0 ? observed / peak : Number.POSITIVE_INFINITY,
      peakAny: any,
      typical,
      z: zScore,
      windowStart: win * BASELINE_WINDOW_MS,
    },
  };
}

/** The alert's figures, or undefined: a single window far above the agent's cadence, or the window that completes a sustained run. */
function judge(event: AgentEvent, ctx: DetectorContext<Options, State>): Step | undefined {
  const single = spikes.judge(event.timeMs, ctx);
  if (single !== undefined) return { spike: single, run: 1 };
  if (spikes.quiet(ctx.state, event.timeMs)) return undefined;
  const found = step(event, ctx);
  if (found === undefined || found.run < ctx.options.sustained_windows) return undefined;
  if (baselineAge(ctx.baseline, ctx.now) < spikes.params(ctx.options).learning) return undefined;
  return found;
}

function describe(event: AgentEvent): string {
  switch (event.type) {
    case 'tool_use':
      return `${event.tool} on ${event.system}`;
    case 'token_issued':
      return `token ${event.token.fingerprint} issued`;
    case 'access_denied':
      return `denied ${event.action ?? 'access'} on ${event.system}`;
  }
}

export default defineDetector({
  id: 'rate-spike',
  version: '1.1.0',
  description:
    'Events of an agent (tool calls, token issuance, denials) in a 5-minute event-time window far above its own cadence: ' +
    "the count must reach min_events, exceed factor × the agent's peak within hour_radius hours of this " +
    'hour of day (or of any hour, when it has no history at this hour), and reach a robust z of min_z against its typical ' +
    'active window. A peak is the busiest window, fading by about 16% a day until the agent reaches it again. Or a ' +
    'sustained run: sustained_windows consecutive windows, each with at least sustained_min_events events, above ' +
    'sustained_factor × that peak as it was before the run began (leaving out the window just before the run) and ' +
    'factor_any_hour × the peak at any hour, at a robust z of sustained_min_z. Quiet during the ' +
    'learning period and for cooldown after an alert; one alert per agent per window (key rate).',
  eventTypes: ['tool_use', 'token_issued', 'access_denied'],
  maturity: 'incubating',
  techniques: [TECHNIQUES.rogueAgents, TECHNIQUES.toolMisuse, TECHNIQUES.automatedExfiltration, TECHNIQUES.cloudServiceDiscovery],
  severity: 'medium',
  options,
  createState: (): State => ({ w: -1, until: 0, rw: -1, rn: 0, rp: 0, rc: 'none', ra: 0, rm: 0, rs: 0, rk: 0, pw: -1, ph: 0, pa: 0 }),
  score(event, ctx) {
    const found = judge(event, ctx);
    if (found === undefined) return undefined;
    const { spike, run } = found;
    const factor = run > 1 ? ctx.options.sustained_factor : ctx.options.factor;
    const id = event.agent.id;
    const start = spike.windowStart;
    const end = start + BASELINE_WINDOW_MS;
    const runStart = start - (run - 1) * BASELINE_WINDOW_MS;
    const ratio = Number.isFinite(spike.ratio) ? spike.ratio : undefined;
    const expectedText =
      spike.peakScope === 'none'
        ? 'it had no active window before'
        : `its faded peak for a 5-min window ${spike.peakScope === 'hour' ? `around ${formatClock(start)} UTC` : 'at any hour (it has no history at this hour)'} is ${formatPeak(spike.peak)} (${PEAK_FADING})`;
    const typicalText = Number.isNaN(spike.z)
      ? ''
      : `, a typical active window ${formatCount(spike.typical.median)} ± ${formatCount(Math.round(spike.typical.spread * 10) / 10)} (robust z ${Math.round(spike.z)})`;
    const agent = ctx.agent;
    const session = event.agent.session;
    return {
      key: 'rate',
      title:
        run > 1
          ? `${id} has kept up ${Math.round(spike.observed)} events per 5 minutes for ${run * 5} minutes, ${ratio === undefined ? 'far above' : `${ratio.toFixed(ratio >= 10 ? 0 : 1)}×`} its usual cadence`
          : `${id} produced ${Math.round(spike.observed)} events in 5 minutes, ${ratio === undefined ? 'far' : `${ratio.toFixed(ratio >= 10 ? 0 : 1)}×`} its usual cadence`,
      summary:
        `${id} produced ${Math.round(spike.observed)} events in 5 min (${formatClock(start)}–${formatClock(end)} UTC; latest: ${describe(event)})` +
        (run > 1 ? `, ${run} windows in a row since ${formatClock(runStart)} UTC above ${factor}× its busiest; before that run ` : '; ') +
        `${expectedText}${typicalText}.`,
      severity: ratio !== undefined && ratio >= 10 ? 'high' : 'medium',
      score: Math.min(95, 50 + 10 * Math.log2(ratio === undefined ? 64 : ratio / factor + 1)),
      observed: {
        window_events: Math.round(spike.observed),
        window_start: new Date(start).toISOString(),
        ...(run > 1 ? { consecutive_windows: run, run_start: new Date(runStart).toISOString() } : {}),
        latest: describe(event),
        ...(session === undefined ? {} : { session }),
      },
      expected: {
        peak_events: roundPeak(spike.peak),
        peak_scope: spike.peakScope,
        ...(Number.isNaN(spike.z) ? {} : { typical_events: spike.typical.median, spread_events: Math.round(spike.typical.spread * 10) / 10, robust_z: Math.round(spike.z * 10) / 10 }),
        factor,
      },
      scope: agent === undefined ? undefined : { systems: agent.scope.systems, tools: agent.scope.tools },
      recommendation:
        `Check ${session === undefined ? `what ${id} is running` : `session ${session} of ${id}`} with ${agent?.custodian === undefined ? 'its operators' : `custodian ${agent.custodian}`}: ` +
        `a loop, a retry storm or an injected task. If it is not an expected job, throttle or suspend the agent at the gateway and review the calls of ${run > 1 ? 'these windows' : 'this window'}.`,
      window: { start: runStart, end },
    };
  },
  learn(event, ctx) {
    const found = judge(event, ctx);
    const next = step(event, ctx);
    const state = ctx.state;
    const win = Math.floor(event.timeMs / BASELINE_WINDOW_MS);
    if (state.pw !== win && ctx.options.sustained_windows > 0) {
      // The first event of a window: the baseline has not closed the window before it yet.
      state.pw = win;
      state.ph = baselineHourPeakLevel(ctx.baseline, 'events', event.timeMs, ctx.options.hour_radius);
      state.pa = baselinePeakLevel(ctx.baseline, 'events', event.timeMs);
    }
    if (next !== undefined) {
      if (next.run === 1) {
        const spike = next.spike;
        state.rp = spike.peak;
        state.rc = spike.peakScope;
        state.ra = spike.peakAny;
        state.rm = spike.typical.windows > 0 ? spike.typical.median : 0;
        state.rs = spike.typical.windows > 0 ? spike.typical.spread : 0;
        state.rk = spike.typical.windows;
      }
      state.rw = win;
      state.rn = next.run;
    }
    if (found !== undefined) spikes.remember(event.timeMs, ctx);
  },
});
