import { defineDetector, formatDuration, TECHNIQUES, z } from '../src/sdk/index.js';

/**
 * Registry hygiene seen from the stream: an active agent keeps acting although its access review
 * is overdue or missing, or although nobody is named accountable for it.
 */

const DAY_MS = 86_400_000;

const options = z.strictObject({
  check_accountability: z
    .boolean()
    .default(true)
    .describe('also alert when the registry entry has no owner or no custodian'),
});

export default defineDetector({
  id: 'stale-review',
  version: '1.0.0',
  description:
    'An active registered agent acts while its last access review (reviewed) is older than its ' +
    'review_max_age at the time of the event, or it has never been reviewed, or (check_accountability) ' +
    'its registry entry names no owner or no custodian. All problems of an agent go into one finding ' +
    'with the key access-review, suppressed for a day: at most one alert per agent per day. Medium when ' +
    'the owner or custodian is missing, low otherwise.',
  eventTypes: ['tool_use', 'token_issued', 'access_denied'],
  maturity: 'stable',
  techniques: [TECHNIQUES.improperOffboarding, TECHNIQUES.overprivilegedNhi],
  severity: 'low',
  suppressFor: '1d',
  options,
  createState: () => null,
  score(event, ctx) {
    const agent = ctx.agent;
    if (agent === undefined || agent.status !== 'active') return undefined;
    const reviewedMs = agent.reviewedMs;
    const maxAge = agent.reviewMaxAgeMs;
    const never = reviewedMs === undefined;
    const overdue = !never && event.timeMs - reviewedMs > maxAge;
    const noOwner = ctx.options.check_accountability && !agent.owner;
    const noCustodian = ctx.options.check_accountability && !agent.custodian;
    if (!never && !overdue && !noOwner && !noCustodian) return undefined;

    const id = agent.id;
    const limit = formatDuration(maxAge);
    const ageDays = never ? undefined : Math.floor((event.timeMs - reviewedMs) / DAY_MS);
    const problems: string[] = [];
    if (noOwner) problems.push('no owner is registered');
    if (noCustodian) problems.push('no custodian is registered');
    if (never) problems.push(`it has never been reviewed (reviews are due every ${limit})`);
    if (overdue) problems.push(`its last access review was on ${agent.reviewed}, ${ageDays} days before this event (limit ${limit})`);

    const title =
      noOwner || noCustodian
        ? `${id} has no ${noOwner && noCustodian ? 'owner or custodian' : noOwner ? 'owner' : 'custodian'} in the registry`
        : never
          ? `${id} has never had an access review`
          : `${id}'s access review is overdue (${ageDays} days, limit ${limit})`;
    const steps: string[] = [];
    if (noOwner || noCustodian) {
      steps.push(`Name ${noOwner && noCustodian ? 'an owner and a custodian' : noOwner ? 'an accountable owner' : 'a custodian team'} for ${id} in the registry, or retire it`);
    }
    if (never || overdue) {
      steps.push(
        `${steps.length === 0 ? 'Ask' : 'ask'} ${agent.owner ? `owner ${agent.owner}` : `its custodian ${agent.custodian ?? '(none registered)'}`} ` +
          `to review ${id}'s scope and credentials, then record the review date in the registry`,
      );
    }

    return {
      key: 'access-review',
      title,
      summary: `${id} is active and ${event.type === 'tool_use' ? `used ${event.tool} on ${event.system}` : event.type === 'token_issued' ? 'was issued a token' : `was denied access to ${event.system}`}, but ${problems.join('; ')}.`,
      severity: noOwner || noCustodian ? 'medium' : 'low',
      // Overdue: 60 just past the limit, rising with how many times the limit the review is old.
      score: noOwner || noCustodian ? 85 : never ? 80 : Math.min(95, Math.round(50 + (10 * (event.timeMs - reviewedMs)) / Math.max(maxAge, 1))),
      observed: {
        reviewed: agent.reviewed ?? null,
        review_age_days: ageDays ?? null,
        owner: agent.owner ?? null,
        custodian: agent.custodian ?? null,
      },
      expected: { review_max_age: limit, owner: 'required', custodian: 'required' },
      scope: { reviewed: agent.reviewed ?? null, review_max_age: limit },
      recommendation: `${steps.join('; ')}.`,
    };
  },
});
