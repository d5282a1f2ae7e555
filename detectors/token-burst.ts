import {
  BASELINE_WINDOW_MS,
  createWindowSpikeState,
  defineDetector,
  formatClock,
  formatCount,
  TECHNIQUES,
  windowSpike,
  windowSpikeOptions,
  windowSpikePeakText,
  z,
  roundPeak,
} from '../src/sdk/index.js';

/**
 * Tokens issued to an agent far above its own rate: credential harvesting, a token-minting loop,
 * or an agent exchanging its way into other audiences.
 */

const options = z.strictObject(
  windowSpikeOptions(
    'min_tokens',
    { factor: 4, minimum: 10, minZ: 4, minWindows: 4 },
    { counted: 'tokens issued', window: 'window with tokens', windows: 'windows with tokens', peak: "the agent's peak (the most it had in a window, fading about 16% a day)" },
  ),
);

const spikes = windowSpike('tokens', 'min_tokens');

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
  createState: createWindowSpikeState,
  score(event, ctx) {
    const spike = spikes.judge(event.timeMs, ctx);
    if (spike === undefined) return undefined;
    const id = event.agent.id;
    const start = spike.windowStart;
    const end = start + BASELINE_WINDOW_MS;
    const ratio = Number.isFinite(spike.ratio) ? spike.ratio : undefined;
    const token = event.token;
    const expectedText = windowSpikePeakText(spike, 'it was never issued tokens at this rate before');
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
        peak_tokens: roundPeak(spike.peak),
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
    spikes.learn(event.timeMs, ctx);
  },
});
