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
  type DetectorContext,
  type Spike,
  type SpikeParams,
  type TokenIssuedEvent,
} from '../src/sdk/index.js';

/**
 * Tokens issued to an agent far above its own rate: credential harvesting, a token-minting loop,
 * or an agent exchanging its way into other audiences.
 */

const options = z.strictObject({
  learning_period: durationOption('3d', "event time from the agent's first event during which it only learns"),
  factor: z.number().gt(1).default(4).describe('tokens issued in the window must exceed this multiple of the most the agent had in a window around this hour of day'),
  min_tokens: z.number().int().min(1).default(10).describe('smallest number of tokens issued in a 5-minute window worth an alert'),
  min_z: z.number().nonnegative().default(4).describe('robust z of the window count against the typical window with tokens it must reach'),
  min_windows: z.number().int().min(1).default(4).describe('windows with tokens needed before the robust z applies'),
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
      spike: { factor: o.factor, minimum: o.min_tokens, minZ: o.min_z, minWindows: o.min_windows, radius: o.hour_radius, factorAny: o.factor_any_hour > 0 ? o.factor_any_hour : undefined },
      learning: durationMs(o.learning_period),
      cooldown: durationMs(o.cooldown),
    };
    paramsCache.set(o, params);
  }
  return params;
}

function judge(event: TokenIssuedEvent, ctx: DetectorContext<Options, State>): Spike | undefined {
  const state = ctx.state;
  const time = event.timeMs;
  if (Math.floor(time / BASELINE_WINDOW_MS) === state.w || time < state.until) return undefined;
  const params = paramsOf(ctx.options);
  const baseline = ctx.baseline;
  if (!baselineSpikeGate(baseline, 'tokens', time, 1, params.spike)) return undefined;
  if (baselineAge(baseline, ctx.now) < params.learning) return undefined;
  return baselineSpike(baseline, 'tokens', time, 1, params.spike);
}

export default defineDetector({
  id: 'token-burst',
  version: '1.0.0',
  description:
    'Tokens issued to an agent in a 5-minute event-time window far above its own baseline: the count must reach ' +
    'min_tokens, exceed factor × the most tokens the agent had in a window within hour_radius hours of this hour of day ' +
    '(or of any hour), and reach a robust z of min_z against its typical window with tokens. Quiet during the learning ' +
    'period and for cooldown after an alert; one alert per agent per window (key tokens).',
  eventTypes: ['token_issued'],
  maturity: 'stable',
  techniques: [TECHNIQUES.stealAccessToken, TECHNIQUES.additionalCloudCredentials, TECHNIQUES.identityPrivilegeAbuse, TECHNIQUES.rogueAgents],
  severity: 'high',
  options,
  createState: (): State => ({ w: -1, until: 0 }),
  score(event, ctx) {
    const spike = judge(event, ctx);
    if (spike === undefined) return undefined;
    const id = event.agent.id;
    const start = spike.windowStart;
    const end = start + BASELINE_WINDOW_MS;
    const ratio = Number.isFinite(spike.ratio) ? spike.ratio : undefined;
    const token = event.token;
    const expectedText =
      spike.peakScope === 'none'
        ? 'it was never issued tokens at this rate before'
        : `at most ${formatCount(Math.round(spike.peak))} in a 5-min window ${spike.peakScope === 'hour' ? `around ${formatClock(start)} UTC` : 'at any hour'}`;
    const agent = ctx.agent;
    return {
      key: 'tokens',
      title: `${id} was issued ${Math.round(spike.observed)} tokens in 5 minutes, ${ratio === undefined ? 'far' : `${ratio.toFixed(ratio >= 10 ? 0 : 1)}×`} its usual rate`,
      summary:
        `${id} was issued ${Math.round(spike.observed)} tokens in 5 min (${formatClock(start)}–${formatClock(end)} UTC; latest ${token.fingerprint}` +
        `${token.grant === undefined ? '' : `, grant ${token.grant}`}${token.audience === undefined ? '' : `, audience ${token.audience}`}` +
        `${token.issuer === undefined ? '' : ` from ${token.issuer}`}). Its baseline: ${expectedText}` +
        `${Number.isNaN(spike.z) ? '' : `, typically ${formatCount(spike.typical.median)} in a window with tokens (robust z ${Math.round(spike.z)})`}.`,
      severity: ratio === undefined || ratio >= 10 ? 'high' : 'medium',
      score: Math.min(95, 55 + 10 * Math.log2(ratio === undefined ? 32 : ratio / ctx.options.factor + 1)),
      observed: {
        window_tokens: Math.round(spike.observed),
        window_start: new Date(start).toISOString(),
        latest: { fingerprint: token.fingerprint, grant: token.grant ?? null, audience: token.audience ?? null, issuer: token.issuer ?? null },
      },
      expected: {
        peak_tokens: Math.round(spike.peak),
        peak_scope: spike.peakScope,
        ...(Number.isNaN(spike.z) ? {} : { typical_tokens: spike.typical.median, robust_z: Math.round(spike.z * 10) / 10 }),
        factor: ctx.options.factor,
      },
      scope: agent === undefined ? undefined : { credentials: { max_ttl_s: agent.credentials.maxTtlMs === undefined ? null : agent.credentials.maxTtlMs / 1000, grants: agent.credentials.grants ?? null, audiences: agent.credentials.audiences ?? null } },
      recommendation:
        `Revoke the tokens issued to ${id} in this window (latest ${token.fingerprint}) at ${token.issuer ?? 'the issuer'}, check with ` +
        `${agent?.custodian === undefined ? 'its operators' : `custodian ${agent.custodian}`} whether a job legitimately requests tokens in a loop, ` +
        'and rate-limit token issuance for the agent at the identity provider.',
      window: { start, end },
    };
  },
  learn(event, ctx) {
    if (judge(event, ctx) === undefined) return;
    ctx.state.w = Math.floor(event.timeMs / BASELINE_WINDOW_MS);
    ctx.state.until = event.timeMs + paramsOf(ctx.options).cooldown;
  },
});
