import { z } from 'zod';
import { ACTIONS } from '../events/contract.js';
import { DATE_OR_DATE_TIME_PATTERN, parseDateOrDateTime } from '../events/time.js';
import { DURATION_TEXT, parseDuration } from './duration.js';
import { globPattern } from './glob.js';

/** The agent registry file (YAML): who each agent is, who answers for it, and what it may do. */

const CENTURY_MS = 100 * 365 * 86_400_000;

/** A registry duration: a lifetime or an age, from 1 s to 100 years (0s would make every token too long-lived). */
const duration = z
  .string()
  .regex(DURATION_TEXT, { message: 'must be a duration like 30s, 15m, 1h, 90d', abort: true })
  .refine(
    (text) => {
      const ms = parseDuration(text) ?? 0;
      return ms >= 1000 && ms <= CENTURY_MS;
    },
    { message: 'must be between 1s and 100 years (36500d)', abort: true },
  )
  .describe('duration: 30s, 15m, 1h, 90d, 2w');

const DATE_FORMS = 'a date YYYY-MM-DD or an RFC 3339 date-time with a zone (Z or ±hh:mm)';

// Not a YAML 1.1 timestamp (a Date after `%YAML 1.1` or `!!timestamp`): it reads 2026-02-30 as
// March 2 and a time without a zone as UTC, and the text it came from can no longer be checked.
const date = z
  .string({ error: (issue) => `must be ${DATE_FORMS}${issue.input instanceof Date ? ', in quotes: a YAML 1.1 timestamp is read leniently' : ''}` })
  .regex(DATE_OR_DATE_TIME_PATTERN, `must be ${DATE_FORMS}`)
  // One problem per value: the pattern's, or then this one.
  .refine((value) => !DATE_OR_DATE_TIME_PATTERN.test(value) || Number.isFinite(parseDateOrDateTime(value)), `must be ${DATE_FORMS}, a day that exists, 1970 to 9999`)
  .describe(`${DATE_FORMS}; driftwatch also checks that the day exists, 1970 to 9999`);

const globs = z.array(globPattern).describe('glob patterns: * any run, ? one character, {a,b} alternatives');

const credentials = z.strictObject({
  max_ttl: duration.optional().describe('longest token lifetime allowed'),
  grants: z.array(z.string().min(1)).optional().describe('OAuth grant types allowed'),
  audiences: globs.optional().describe('token audiences allowed (default: the scope systems)'),
  scopes: globs.optional().describe('token scopes allowed (default: not checked)'),
});

export const agentEntrySchema = z.strictObject({
  id: z.string().min(1).describe('the agent identity, as in events agent.id'),
  name: z.string().optional(),
  owner: z.string().min(1).optional().describe('accountable business owner (stale-review alerts when missing)'),
  custodian: z.string().min(1).optional().describe('technical team that operates it (stale-review alerts when missing)'),
  purpose: z.string().optional(),
  kind: z.string().optional().describe('free label: assistant, batch, event-driven, …'),
  status: z.enum(['active', 'suspended', 'retired']).default('active'),
  reviewed: date.optional().describe('last access review: YYYY-MM-DD (UTC), or an RFC 3339 date-time with a zone'),
  review_max_age: duration.optional().describe('overrides defaults.review_max_age'),
  scope: z
    .strictObject({
      systems: globs.default([]),
      tools: globs.default([]),
      actions: z.array(z.enum([...ACTIONS, '*'])).default([]),
    })
    .default({ systems: [], tools: [], actions: [] }),
  high_consequence: z
    .array(globPattern)
    .default([])
    .describe('actions (transfer, delete, …) or tool globs that need an approval reference'),
  delegation: z
    .strictObject({
      max_depth: z.number().int().min(0).optional().describe('longest chain of agents allowed below the principal'),
      may_delegate_to: z.array(z.string().min(1)).default([]),
    })
    .optional(),
  credentials: credentials.optional(),
});

export const registryFileSchema = z.strictObject({
  defaults: z
    .strictObject({
      review_max_age: duration.default('90d'),
      credentials: credentials.optional(),
    })
    .default({ review_max_age: '90d' }),
  agents: z.array(agentEntrySchema),
});

export type AgentEntry = z.infer<typeof agentEntrySchema>;
export type RegistryFile = z.infer<typeof registryFileSchema>;
