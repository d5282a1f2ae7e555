import {
  baselineAge,
  baselineSpike,
  baselineSpikeGate,
  BASELINE_WINDOW_MS,
  defineDetector,
  durationMs,
  durationOption,
  formatClock,
  formatCount,
  TECHNIQUES,
  z,
  type AgentEvent,
  type DetectorContext,
  type Spike,
  type SpikeParams,
} from '../src/sdk/index.js';

/**
 * A cadence far above the agent's own: many more events in a 5-minute window than it ever has at
 * this time of day. An agent in a loop, scripted by an attacker, or enumerating.
 */

const options = z.strictObject({
  learning_period: durationOption('3d', "event time from the agent's first event during which it only learns"),
  factor: z.number().gt(1).default(4).describe('events in the window must exceed this multiple of the busiest window the agent had around this hour of day'),
  min_events: z.number().int().min(1).default(100).describe('smallest number of events in a 5-minute window worth an alert'),
  min_z: z.number().nonnegative().default(6).describe('robust z of the window count against the typical active window it must reach'),
  min_windows: z.number().int().min(1).default(6).describe('active windows needed before the robust z applies'),
  hour_radius: z.number().int().min(0).max(12).default(1).describe('hours either side whose peaks count as "this time of day"'),
  factor_any_hour: z.number().min(0).default(1.5).describe('…and this multiple of the largest window the agent had at any hour (0: not required)'),
  cooldown: durationOption('1h', 'after an alert, later windows of the same agent stay quiet for this long'),
});
type Options = z.output<typeof options>;

interface State {
  /** Window index (5 min) of the last alert; −1 before any. */
  w: number;
  /** Event time until which later windows stay quiet (ms). */
  until: number;
}

const paramsCache = new WeakMap<Options, { spike: SpikeParams; learning: number; cooldown: number }>();
function paramsOf(o: Options) {
  let params = paramsCache.get(o);
  if (params === undefined) {
    params = {
      spike: { factor: o.factor, minimum: o.min_events, minZ: o.min_z, minWindows: o.min_windows, radius: o.hour_radius, factorAny: o.factor_any_hour > 0 ? o.factor_any_hour : undefined },
      learning: durationMs(o.learning_period),
      cooldown: durationMs(o.cooldown),
    };
    paramsCache.set(o, params);
  }
  return params;
}

function judge(event: AgentEvent, ctx: DetectorContext<Options, State>): Spike | undefined {
  const state = ctx.state;
  const time = event.timeMs;
  if (Math.floor(time / BASELINE_WINDOW_MS) === state.w || time < state.until) return undefined;
  const params = paramsOf(ctx.options);
  const baseline = ctx.baseline;
  if (!baselineSpikeGate(baseline, 'events', time, 1, params.spike)) return undefined;
  if (baselineAge(baseline, ctx.now) < params.learning) return undefined;
  return baselineSpike(baseline, 'events', time, 1, params.spike);
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
  version: '1.0.0',
  description:
    'Events of an agent (tool calls, token issuance, denials) in a 5-minute event-time window far above its own cadence: ' +
    'the count must reach min_events, exceed factor × the busiest window the agent had within hour_radius hours of this ' +
    'hour of day (or of any hour, when it has no history at this hour), and reach a robust z of min_z against its typical ' +
    'active window. Quiet during the learning period and for cooldown after an alert; one alert per agent per window (key rate).',
  eventTypes: ['tool_use', 'token_issued', 'access_denied'],
  maturity: 'incubating',
  techniques: [TECHNIQUES.rogueAgents, TECHNIQUES.toolMisuse, TECHNIQUES.automatedExfiltration, TECHNIQUES.cloudServiceDiscovery],
  severity: 'medium',
  options,
  createState: (): State => ({ w: -1, until: 0 }),
  score(event, ctx) {
    const spike = judge(event, ctx);
    if (spike === undefined) return undefined;
    const id = event.agent.id;
    const start = spike.windowStart;
    const end = start + BASELINE_WINDOW_MS;
    const ratio = Number.isFinite(spike.ratio) ? spike.ratio : undefined;
    const expectedText =
      spike.peakScope === 'none'
        ? 'it had no active window before'
        : `its busiest 5-min window ${spike.peakScope === 'hour' ? `around ${formatClock(start)} UTC` : 'at any hour (it has no history at this hour)'} had ${formatCount(Math.round(spike.peak))}`;
    const typicalText = Number.isNaN(spike.z)
      ? ''
      : `, a typical active window ${formatCount(spike.typical.median)} ± ${formatCount(Math.round(spike.typical.spread * 10) / 10)} (robust z ${Math.round(spike.z)})`;
    const agent = ctx.agent;
    const session = event.agent.session;
    return {
      key: 'rate',
      title: `${id} made ${Math.round(spike.observed)} calls in 5 minutes, ${ratio === undefined ? 'far' : `${ratio.toFixed(ratio >= 10 ? 0 : 1)}×`} its usual cadence`,
      summary:
        `${id} produced ${Math.round(spike.observed)} events in 5 min (${formatClock(start)}–${formatClock(end)} UTC; latest: ${describe(event)}); ` +
        `${expectedText}${typicalText}.`,
      severity: ratio !== undefined && ratio >= 10 ? 'high' : 'medium',
      score: Math.min(95, 50 + 10 * Math.log2(ratio === undefined ? 64 : ratio / ctx.options.factor + 1)),
      observed: { window_events: Math.round(spike.observed), window_start: new Date(start).toISOString(), latest: describe(event), ...(session === undefined ? {} : { session }) },
      expected: {
        peak_events: Math.round(spike.peak),
        peak_scope: spike.peakScope,
        ...(Number.isNaN(spike.z) ? {} : { typical_events: spike.typical.median, spread_events: Math.round(spike.typical.spread * 10) / 10, robust_z: Math.round(spike.z * 10) / 10 }),
        factor: ctx.options.factor,
      },
      scope: agent === undefined ? undefined : { systems: agent.scope.systems, tools: agent.scope.tools },
      recommendation:
        `Check ${session === undefined ? `what ${id} is running` : `session ${session} of ${id}`} with ${agent?.custodian === undefined ? 'its operators' : `custodian ${agent.custodian}`}: ` +
        'a loop, a retry storm or an injected task. If it is not an expected job, throttle or suspend the agent at the gateway and review the calls of this window.',
      window: { start, end },
    };
  },
  learn(event, ctx) {
    if (judge(event, ctx) === undefined) return;
    ctx.state.w = Math.floor(event.timeMs / BASELINE_WINDOW_MS);
    ctx.state.until = event.timeMs + paramsOf(ctx.options).cooldown;
  },
});
