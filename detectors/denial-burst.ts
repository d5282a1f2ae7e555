import {
  baselineAge,
  baselineSpike,
  baselineSpikeGate,
  baselineObserved,
  BASELINE_WINDOW_MS,
  defineDetector,
  formatClock,
  formatCount,
  TECHNIQUES,
  windowSpike,
  windowSpikeOptions,
  windowSpikePeakText,
  z,
  type AccessDeniedEvent,
  type DetectorContext,
  type Spike,
  type WindowSpikeState,
  roundPeak,
} from '../src/sdk/index.js';
import { boundedKey } from '../src/stats/hash.js';

/**
 * Authorization denials far above the agent's own rate: an agent probing for what it may do
 * (systems, actions, tools it was never given), typically after a goal hijack or with a stolen
 * identity.
 */

const MAX_SYSTEMS = 8;

const { cooldown, ...spikeOptions } = windowSpikeOptions(
  'min_denials',
  { factor: 3, minimum: 5, minZ: 4, minWindows: 4 },
  { counted: 'denials', window: 'window with denials', windows: 'windows with denials', peak: "the agent's peak (the most it had in a window, fading about 16% a day)" },
);

const options = z.strictObject({
  ...spikeOptions,
  min_systems: z.number().int().min(2).default(4).describe('spread path: denials on at least this many distinct systems in one window…'),
  min_spread_denials: z.number().int().min(1).default(4).describe('…and at least this many denials in it, whatever the baseline'),
  cooldown,
});
type Options = z.output<typeof options>;

interface State extends WindowSpikeState {
  /** Window index of `sys`. */
  sw: number;
  /** Distinct systems denied in window `sw` (at most 8). */
  sys: string[];
}

const spikes = windowSpike('denials', 'min_denials');

/** A system as kept in the state: at most 64 characters (see boundedKey). */
const systemKey = (system: string): string => boundedKey(system, 64);

/** Distinct systems denied in the window of the event, the event included (at most MAX_SYSTEMS). Allocation-free. */
function spread(event: AccessDeniedEvent, state: State): number {
  const win = Math.floor(event.timeMs / BASELINE_WINDOW_MS);
  if (state.sw !== win) return 1;
  const system = systemKey(event.system);
  return state.sys.length + (state.sys.length < MAX_SYSTEMS && !state.sys.includes(system) ? 1 : 0);
}

/** Which rule raised the finding: the agent's own baseline (a spike), or the spread over systems. */
type RaisedBy = 'spike' | 'spread';

/**
 * The finding's figures and the rule that raised it, or undefined: a count far above the agent's
 * own (spike path), or denials spread over many systems in one window (spread path: probing what
 * the identity may reach).
 */
function judge(event: AccessDeniedEvent, ctx: DetectorContext<Options, State>): { spike: Spike; by: RaisedBy } | undefined {
  const state = ctx.state;
  const time = event.timeMs;
  if (spikes.quiet(state, time)) return undefined;
  const o = ctx.options;
  const params = spikes.params(o);
  const baseline = ctx.baseline;
  const spike = baselineSpikeGate(baseline, 'denials', time, 1, params.spike);
  const spreadOut = spread(event, state) >= o.min_systems && baselineObserved(baseline, 'denials', time, 1) >= o.min_spread_denials;
  if (!spike && !spreadOut) return undefined;
  if (baselineAge(baseline, ctx.now) < params.learning) return undefined;
  if (spike) {
    const found = baselineSpike(baseline, 'denials', time, 1, params.spike);
    if (found !== undefined) return { spike: found, by: 'spike' };
    if (!spreadOut) return undefined;
  }
  // Spread path: the same figures, without the peak condition.
  const found = baselineSpike(baseline, 'denials', time, 1, { ...params.spike, factor: 0, minimum: 0, minZ: Number.NEGATIVE_INFINITY, factorAny: undefined });
  return found === undefined ? undefined : { spike: found, by: 'spread' };
}

export default defineDetector({
  id: 'denial-burst',
  version: '1.0.1',
  description:
    'Authorization denials of an agent in a 5-minute event-time window far above its own baseline (probing): the count ' +
    'must reach min_denials, exceed factor × the most denials the agent had in a window within hour_radius hours of ' +
    'this hour of day (or of any hour), and reach a robust z of min_z against its typical window with denials; or, ' +
    'whatever its baseline, the window holds min_spread_denials denials on min_systems distinct systems (probing). The ' +
    'alert names the systems denied in the window. Quiet during the learning period and for cooldown after an alert; ' +
    'one alert per agent per window (key denials).',
  eventTypes: ['access_denied'],
  maturity: 'stable',
  techniques: [TECHNIQUES.cloudServiceDiscovery, TECHNIQUES.permissionGroupsDiscovery, TECHNIQUES.identityPrivilegeAbuse, TECHNIQUES.rogueAgents],
  severity: 'high',
  options,
  createState: (): State => ({ w: -1, until: 0, sw: -1, sys: [] }),
  score(event, ctx) {
    const found = judge(event, ctx);
    if (found === undefined) return undefined;
    const { spike, by } = found;
    const o = ctx.options;
    const id = event.agent.id;
    const state = ctx.state;
    const start = spike.windowStart;
    const end = start + BASELINE_WINDOW_MS;
    const win = Math.floor(event.timeMs / BASELINE_WINDOW_MS);
    const systems = state.sw === win ? [...state.sys] : [];
    const system = systemKey(event.system);
    if (!systems.includes(system) && systems.length < MAX_SYSTEMS) systems.push(system);
    const ratio = Number.isFinite(spike.ratio) ? spike.ratio : undefined;
    const expectedText = windowSpikePeakText(spike, 'it had no denial in its history');
    const agent = ctx.agent;
    return {
      key: 'denials',
      title: `${id} was denied ${Math.round(spike.observed)} times in 5 minutes on ${systems.length} system${systems.length === 1 ? '' : 's'}`,
      summary:
        `${id} was denied ${Math.round(spike.observed)} times in 5 min (${formatClock(start)}–${formatClock(end)} UTC) on ${systems.join(', ')}` +
        `${systems.length >= MAX_SYSTEMS ? ' and more' : ''}; latest: ${event.action ?? 'access'} on ${event.system}` +
        `${event.tool === undefined ? '' : ` with ${event.tool}`}${event.policy === undefined ? '' : ` (policy ${event.policy})`}. ` +
        `Its baseline: ${expectedText}${Number.isNaN(spike.z) ? '' : `, typically ${formatCount(spike.typical.median)} in a window with denials (robust z ${Math.round(spike.z)})`}. ` +
        (by === 'spike'
          ? `Raised by the count: more than ${o.factor}× its peak.`
          : `Raised by the spread, whatever its baseline: at least ${o.min_spread_denials} denials on at least ${o.min_systems} systems in one window.`),
      severity: systems.length >= 3 || ratio === undefined || ratio >= 10 ? 'high' : 'medium',
      score: Math.min(95, 55 + 8 * Math.log2((ratio === undefined ? 32 : ratio / o.factor) + systems.length)),
      observed: {
        window_denials: Math.round(spike.observed),
        window_start: new Date(start).toISOString(),
        systems,
        raised_by: by,
        latest: { system: event.system, action: event.action, tool: event.tool, policy: event.policy },
      },
      expected: {
        peak_denials: roundPeak(spike.peak),
        peak_scope: spike.peakScope,
        ...(Number.isNaN(spike.z) ? {} : { typical_denials: spike.typical.median, robust_z: Math.round(spike.z * 10) / 10 }),
        ...(by === 'spike' ? { factor: o.factor } : { min_spread_denials: o.min_spread_denials, min_systems: o.min_systems }),
      },
      scope: agent === undefined ? undefined : { systems: agent.scope.systems, tools: agent.scope.tools, actions: agent.scope.actions },
      recommendation:
        `Treat ${id} as probing: review its recent inputs and ${event.agent.session === undefined ? 'sessions' : `session ${event.agent.session}`} for injected instructions, ` +
        `revoke its current tokens and suspend it until ${agent?.owner === undefined ? 'its owner' : `owner ${agent.owner}`} confirms what it was trying to reach (${systems.join(', ')}).`,
      window: { start, end },
    };
  },
  learn(event, ctx) {
    const state = ctx.state;
    const win = Math.floor(event.timeMs / BASELINE_WINDOW_MS);
    if (judge(event, ctx) !== undefined) spikes.remember(event.timeMs, ctx);
    if (state.sw !== win) {
      if (win < state.sw) return;
      state.sw = win;
      state.sys.length = 0;
    }
    const system = systemKey(event.system);
    if (state.sys.length < MAX_SYSTEMS && !state.sys.includes(system)) state.sys.push(system);
  },
});
