import { z } from 'zod';
import { MAX_EVENT_TIME_MS, MIN_EPOCH_MS, parseEventTime, RFC3339_PATTERN } from './time.js';

/**
 * Event contract v1: the single source of truth for what an event is.
 * The hot-path validator in validate.ts implements exactly this schema; a property test
 * holds the two together, and docs/events.md is generated from it.
 */

export const EVENT_TYPES = ['tool_use', 'token_issued', 'access_denied'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const ACTIONS = ['read', 'write', 'delete', 'send', 'execute', 'transfer', 'admin'] as const;
export type Action = (typeof ACTIONS)[number];

export const OUTCOMES = ['success', 'error'] as const;

/** Longest string accepted in any field: keeps per-agent state and alerts bounded. */
export const MAX_FIELD_LENGTH = 1024;
export const MAX_CHAIN_LENGTH = 32;
export const MAX_SCOPES = 64;

/**
 * A credential fingerprint: an optional algorithm prefix and a hex or base64url digest.
 * Raw credentials are refused: JWTs (`eyJ…`, three dot-separated parts) and bearer strings never match.
 */
export const FINGERPRINT_PATTERN = /^(?:[a-z0-9-]{2,16}:)?[A-Za-z0-9_-]{16,128}$/;
export const RAW_JWT_PATTERN = /^eyJ/;
/**
 * Credentials of well-known formats that the fingerprint form would otherwise admit: GitHub
 * (`ghp_…`, `github_pat_…`), Slack (`xoxb-…`), OpenAI and Anthropic (`sk-…`), Stripe (`sk_live_…`),
 * AWS access key ids (`AKIA…`), Google API keys (`AIza…`) and OAuth access tokens (`ya29.…`),
 * GitLab (`glpat-…`), npm (`npm_…`), Hugging Face (`hf_…`), SendGrid (`SG.….…`), Shopify
 * (`shpat_…`), PyPI (`pypi-AgEI…`), DigitalOcean (`dop_v1_…`), Atlassian (`ATATT…`), Grafana
 * (`glsa_…`, `glc_…`), Databricks (`dapi…`), Slack webhook URLs. Checked after an optional algorithm prefix. A hex digest never matches;
 * a random base64url digest starts like `sk-` + 20 characters about once in 260,000.
 */
export const KNOWN_CREDENTIAL_FORMS =
  'gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,}|xox[abposr]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9_-]{20,}|[sr]k_(?:live|test)_[A-Za-z0-9]{10,}|' +
  '(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z2-7]{16}|AIza[A-Za-z0-9_-]{35}|ya29\\.[A-Za-z0-9_-]{20,}|glpat-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{36}|hf_[A-Za-z0-9]{30,}|' +
  'SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}|shp(?:at|ca|pa|ss)_[A-Fa-f0-9]{32}|pypi-AgEI[A-Za-z0-9_-]{40,}|do[opr]_v1_[a-f0-9]{64}|ATATT[A-Za-z0-9_=-]{30,}|' +
  'glsa_[A-Za-z0-9_]{32,}|glc_[A-Za-z0-9+/=_-]{32,}|dapi[a-f0-9]{32}(?:-[0-9]+)?|hooks\\.slack\\.com/services/[A-Za-z0-9/]{20,}';
export const KNOWN_CREDENTIAL_PATTERN = new RegExp(`^(?:[a-z0-9-]{2,16}:)?(?:${KNOWN_CREDENTIAL_FORMS})$`);

/** A value the contract accepts as a credential fingerprint (and not as a raw credential). */
export function isFingerprintValue(value: unknown): value is string {
  return typeof value === 'string' && FINGERPRINT_PATTERN.test(value) && !RAW_JWT_PATTERN.test(value) && !KNOWN_CREDENTIAL_PATTERN.test(value);
}

const text = z.string().min(1).max(MAX_FIELD_LENGTH);

const fingerprint = z
  .string()
  .regex(FINGERPRINT_PATTERN, 'must be a fingerprint of the credential, never the credential itself: an optional lower-case prefix (sha256:) and 16 to 128 characters of hex or base64url (A-Z a-z 0-9 _ -)')
  .refine((value) => !RAW_JWT_PATTERN.test(value), 'looks like a raw JWT; send its fingerprint')
  .refine((value) => !KNOWN_CREDENTIAL_PATTERN.test(value), 'looks like a raw credential (a known token format); send its fingerprint')
  .describe('a fingerprint (hash) of the credential, never the credential: driftwatch also refuses a JWT (eyJ…) and known token formats (ghp_…, AKIA…, sk-…, xox…-, …) that this pattern lets through');

const eventTime = z.union([
  z.string()
    .regex(RFC3339_PATTERN, 'must be an RFC 3339 date-time with a zone (Z or ±hh:mm)')
    // One problem per value: the pattern's, or then this one.
    .refine((value) => !RFC3339_PATTERN.test(value) || Number.isFinite(parseEventTime(value)), 'is not a date and time that exists between 1970 and 9999'),
  z
    .number()
    .int('must be epoch milliseconds, a whole number')
    .min(MIN_EPOCH_MS, 'must be epoch milliseconds (1973 or later); a value this small looks like epoch seconds: multiply by 1000')
    .max(MAX_EVENT_TIME_MS, 'must be epoch milliseconds no later than 9999-12-31')
    .describe('epoch milliseconds'),
]);

const agent = z.looseObject({
  id: text.describe('the agent identity that acted'),
  instance: text.optional().describe('runtime instance'),
  session: text.optional().describe('task or session the action belongs to'),
});

const common = {
  v: z.literal(1).optional().describe('contract version (default 1)'),
  id: text.describe("unique event id, quoted as alert evidence; an event with the id and content of one of its agent's last 16 events (a producer's retry) is processed once"),
  time: eventTime.describe('event time: RFC 3339 or epoch ms'),
  agent,
  principal: text.optional().describe('the human on whose behalf the agent acts'),
  chain: z.array(text).max(MAX_CHAIN_LENGTH).optional()
    .describe('delegation chain from the root principal to this agent'),
};

/** Largest `bytes` or `records`: every amount up to it is exact, and sums of a window stay finite. */
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;
/** Largest `token.ttl_s` (about 317 years): an expiry computed from it is still a date. */
export const MAX_TTL_S = 10_000_000_000;

const amount = z.number().nonnegative().max(MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`);

export const toolUseSchema = z.looseObject({
  ...common,
  type: z.literal('tool_use'),
  tool: text.describe('tool called, e.g. erp.read_invoices'),
  system: text.describe('system or API touched'),
  action: z.enum(ACTIONS),
  resource: text.optional(),
  bytes: amount.optional().describe('bytes moved'),
  records: amount.optional().describe('records moved'),
  outcome: z.enum(OUTCOMES).optional(),
  approval: text.optional().describe('reference of a human approval'),
  token: fingerprint.optional().describe('fingerprint of the credential used'),
});

export const tokenSchema = z.looseObject({
  fingerprint: fingerprint.describe('hash of the token; raw tokens are refused'),
  issuer: text.optional(),
  audience: text.optional(),
  scopes: z.array(text).max(MAX_SCOPES).optional(),
  ttl_s: z.number().nonnegative().max(MAX_TTL_S, `must be at most ${MAX_TTL_S} seconds (about 317 years); leave it out when the token has no expiry`).optional().describe('lifetime in seconds'),
  grant: text.optional().describe('client_credentials, token_exchange, refresh_token, …'),
  task: text.optional().describe('task the token was issued for'),
});

export const tokenIssuedSchema = z.looseObject({
  ...common,
  type: z.literal('token_issued'),
  token: tokenSchema,
});

export const accessDeniedSchema = z.looseObject({
  ...common,
  type: z.literal('access_denied'),
  system: text.describe('system where access was denied'),
  action: text.optional(),
  tool: text.optional(),
  policy: text.optional(),
  engine: text.optional().describe('opa, cedar, …'),
  reason: text.optional(),
});

export const eventSchema = z.discriminatedUnion('type', [toolUseSchema, tokenIssuedSchema, accessDeniedSchema]);

/** The fields every event type has: what can still be checked of an event whose `type` is missing or unknown. */
export const commonEventSchema = z.looseObject(common);

type Common = {
  v?: 1;
  id: string;
  time: string | number;
  /** Event time in epoch ms, derived from `time` by the decoder. */
  timeMs: number;
  agent: { id: string; instance?: string; session?: string };
  principal?: string;
  chain?: string[];
};

export type ToolUseEvent = Common & z.infer<typeof toolUseSchema> & { type: 'tool_use' };
export type TokenIssuedEvent = Common & z.infer<typeof tokenIssuedSchema> & { type: 'token_issued' };
export type AccessDeniedEvent = Common & z.infer<typeof accessDeniedSchema> & { type: 'access_denied' };
export type AgentEvent = ToolUseEvent | TokenIssuedEvent | AccessDeniedEvent;
