import {
  BASELINE_WINDOW_MS,
  createWindowSpikeState,
  defineDetector,
  formatClock,
  formatCount,
  TECHNIQUES,
  windowSpike,
  windowSpikeOptions,
  z,
  type AgentEvent,
} from '../src/sdk/index.js';

/**
 * A cadence far above the agent's own: many more events in a 5-minute window than it ever has at
 * this time of day. An agent in a loop, scripted by an attacker, or enumerating.
 */

const options = z.strictObject(
  windowSpikeOptions(
    'min_events',
    { factor: 4, minimum: 100, minZ: 6, minWindows: 6 },
    { counted: 'events', window: 'active window', windows: 'active windows', peak: 'the busiest window the agent had' },
  ),
);

const spikes = windowSpike('events', 'min_events');

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
  createState: createWindowSpikeState,
  score(event, ctx) {
    const spike = spikes.judge(event.timeMs, ctx);
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
    spikes.learn(event.timeMs, ctx);
  },
});
