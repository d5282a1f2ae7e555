import { defineDetector, formatDuration, TECHNIQUES, z } from '../src/sdk/index.js';

/** A lifetime this many times the limit (a day of tokens of an hour) is reported as high. */
const HIGH_RATIO = 24;

/**
 * A token issued to an agent with a longer lifetime than its registry entry allows
 * (credentials.max_ttl, or defaults.credentials.max_ttl): a long-lived secret in the making.
 */

const options = z.strictObject({
  tolerance_s: z
    .number()
    .nonnegative()
    .default(0)
    .describe('seconds of lifetime tolerated above max_ttl (issuer rounding, clock skew)'),
  alert_on_missing_ttl: z
    .boolean()
    .default(false)
    .describe('also alert when a token_issued event carries no ttl_s (the token may never expire)'),
});

/**
 * How far a lifetime is over its limit, never rounded up past the figure the severity is decided
 * on (23.99× is not "24×", the high bar): a factor from twice the limit, a percentage below.
 */
function overLimit(ttlMs: number, maxTtlMs: number): string {
  const ratio = ttlMs / maxTtlMs;
  if (ratio >= 2) return `${ratio >= 10 ? Math.floor(ratio) : Math.floor(ratio * 10) / 10}×`;
  // From the whole difference: (ratio − 1) × 100 gives 14.999… for a 69-minute token against an hour.
  const percent = ((ttlMs - maxTtlMs) * 100) / maxTtlMs;
  if (percent < 0.1) return 'just above';
  return `${percent >= 10 ? Math.floor(percent) : Math.floor(percent * 10) / 10}% above`;
}

export default defineDetector({
  id: 'excessive-token-ttl',
  version: '1.0.1',
  description:
    'A token_issued event whose token.ttl_s is above the agent\'s credentials.max_ttl (plus tolerance_s). ' +
    'Agents without a max_ttl are not checked; a token without ttl_s is reported only when ' +
    'alert_on_missing_ttl is set. Key ttl:excessive (or ttl:missing): one alert per agent per ' +
    'suppression window, however many tokens an issuer misconfiguration produces.',
  eventTypes: ['token_issued'],
  maturity: 'stable',
  techniques: [TECHNIQUES.longLivedSecrets, TECHNIQUES.applicationAccessToken],
  severity: 'medium',
  options,
  createState: () => null,
  score(event, ctx) {
    const agent = ctx.agent;
    if (agent === undefined) return undefined;
    const maxTtlMs = agent.credentials.maxTtlMs;
    if (maxTtlMs === undefined) return undefined;
    const ttlS = event.token.ttl_s;
    if (ttlS === undefined ? !ctx.options.alert_on_missing_ttl : ttlS * 1000 <= maxTtlMs + ctx.options.tolerance_s * 1000) return undefined;

    const id = agent.id;
    const { fingerprint, issuer, audience } = event.token;
    const limit = formatDuration(maxTtlMs);
    const from = issuer === undefined ? 'the issuer' : `issuer ${issuer}`;
    const forWhat = `${fingerprint}${audience === undefined ? '' : ` for audience ${audience}`}`;
    const observed: Record<string, unknown> = { token: fingerprint, ttl_s: ttlS ?? null };
    if (issuer !== undefined) observed.issuer = issuer;
    if (audience !== undefined) observed.audience = audience;
    if (event.token.grant !== undefined) observed.grant = event.token.grant;
    const expected = { max_ttl: limit, max_ttl_s: maxTtlMs / 1000 };
    const scope = { credentials: { max_ttl: limit } };
    const custodian = agent.custodian ?? '(no custodian registered)';

    if (ttlS === undefined) {
      return {
        key: 'ttl:missing',
        title: `${id} was issued a token with no stated lifetime (limit ${limit})`,
        summary: `${from} issued token ${forWhat} to ${id} without a ttl_s; ${id}'s tokens may live at most ${limit}.`,
        score: 50,
        observed,
        expected,
        scope,
        recommendation:
          `Check at ${from} when token fingerprint ${fingerprint} expires and revoke it if it does not; ` +
          `have custodian ${custodian} cap ${id}'s token lifetime at ${limit} and make the exporter send ttl_s.`,
      };
    }
    const ttlMs = ttlS * 1000;
    const ratio = ttlMs / maxTtlMs;
    const over = overLimit(ttlMs, maxTtlMs);
    return {
      key: 'ttl:excessive',
      title: `${id} was issued a token valid for ${formatDuration(ttlMs)}, above its limit of ${limit}`,
      summary:
        `${from} issued token ${forWhat} to ${id} with a lifetime of ${formatDuration(ttlMs)} (${ttlS} s), ` +
        `${over} its registered maximum of ${limit}${event.token.grant === undefined ? '' : ` (grant ${event.token.grant})`}.`,
      // A token that outlives its limit by a day's worth of lifetimes or more is a standing credential.
      severity: ratio >= HIGH_RATIO ? 'high' : 'medium',
      score: Math.min(95, Math.round(50 + 10 * Math.log2(Math.max(ratio, 1)))),
      observed,
      expected,
      scope,
      recommendation:
        `Revoke token fingerprint ${fingerprint} at ${from} and have custodian ${custodian} cap ${id}'s token lifetime ` +
        `at ${limit} in the issuer's client settings; owner ${agent.owner ?? '(none registered)'} decides whether a longer max_ttl is justified.`,
    };
  },
});
