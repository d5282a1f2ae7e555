import {
  baselineActiveHourList,
  baselineActiveHoursOfDay,
  baselineActivityNearHour,
  baselineAge,
  defineDetector,
  durationMs,
  fromOptions,
  durationOption,
  formatClock,
  formatDuration,
  hourOfDay,
  hourOfWeekTotal,
  baselineInstanceNewSince,
  TECHNIQUES,
  z,
  type AgentBaseline,
  type AgentEvent,
  type DetectorContext,
} from '../src/sdk/index.js';

/**
 * Activity at a time of day when this agent's own history shows (next to) none. Agent-specific: a
 * batch agent that runs at 03:00 every night has 03:00 in its history; an assistant that has only
 * ever worked office hours has not. An agent active around the clock (more than max_active_hours
 * distinct hours of the day) has no unusual time.
 *
 * People working late make the edges of an office agent's day fuzzy, so an hour is unusual in two
 * ways: deep outside the agent's day (no activity within deep_radius hours, any day of the week),
 * or merely outside it (the active hours within radius hours hold at most max_share of the busiest
 * hour's) while the agent acts from a runtime instance it never used before, which is how a
 * takeover with stolen credentials or a rogue deployment starts.
 *
 * Judged once per calendar hour, at the agent's first tool call or denial in it; an alert once the
 * hour is recorded makes the next hour "near" a known one, so one off-hours episode raises one alert.
 */

const HOUR_MS = 3_600_000;

const options = z.strictObject({
  learning_period: durationOption('6d', "event time from the agent's first event during which its hours are learned, not reported"),
  radius: z.number().int().min(0).max(6).default(2).describe('hours either side of the hour of day whose past activity counts as "near"'),
  max_share: z.number().min(0).max(1).default(0.25).describe("the activity near the hour (summed over the week) may be at most this share of the agent's busiest hour of the day (at least 1 active hour), with a new instance"),
  new_instance_window: durationOption('1h', 'how long after its first use an instance counts as new'),
  deep_radius: z.number().int().min(0).max(11).default(5).describe('no activity at all within this many hours is unusual even from a known instance (0: never)'),
  min_active_hours: z.number().int().min(1).default(8).describe('active hours the history must hold before any hour can be called unusual'),
  max_active_hours: z.number().int().min(1).max(24).default(18).describe('an agent active in more distinct hours of the day than this works around the clock: never alerted'),
});
type Options = z.output<typeof options>;

const paramsOf = fromOptions((o: Options) => ({ learning: durationMs(o.learning_period), newInstance: durationMs(o.new_instance_window) }));

/** Active hours (summed over the days of the week) of the agent's busiest hour of the day. */
function busiestHour(baseline: AgentBaseline): number {
  let peak = 0;
  for (let h = 0; h < 24; h++) {
    const count = baselineActivityNearHour(baseline, h, 0);
    if (count > peak) peak = count;
  }
  return peak;
}

type Why = 'deep' | 'new-instance';

/** Why this event opens an unusual hour for the agent, or undefined. Allocation-free. */
function unusual(event: AgentEvent, ctx: DetectorContext<Options, null>): Why | undefined {
  const baseline = ctx.baseline;
  const hour = Math.floor(event.timeMs / HOUR_MS);
  // Only the first event of a calendar hour is judged (the histogram records the hour after it).
  if (hour <= baseline.hours.last) return undefined;
  const o = ctx.options;
  const params = paramsOf(o);
  if (baselineAge(baseline, ctx.now) < params.learning) return undefined;
  if (hourOfWeekTotal(baseline.hours) < o.min_active_hours) return undefined;
  const hourOfTheDay = hourOfDay(event.timeMs);
  if (o.deep_radius > 0 && baselineActivityNearHour(baseline, hourOfTheDay, o.deep_radius) === 0) {
    return baselineActiveHoursOfDay(baseline) <= o.max_active_hours ? 'deep' : undefined;
  }
  const instance = event.agent.instance;
  if (instance === undefined) return undefined;
  const since = baselineInstanceNewSince(baseline, instance, event.timeMs);
  if (since === undefined || event.timeMs - since > params.newInstance) return undefined;
  const near = baselineActivityNearHour(baseline, hourOfTheDay, o.radius);
  if (near > Math.max(1, o.max_share * busiestHour(baseline))) return undefined;
  return baselineActiveHoursOfDay(baseline) <= o.max_active_hours ? 'new-instance' : undefined;
}

/** `08:00–18:59, 22:00–22:59` from a sorted list of active hours of day. */
function describeHours(hours: readonly number[]): string {
  const ranges: string[] = [];
  let i = 0;
  while (i < hours.length) {
    let j = i;
    while (j + 1 < hours.length && hours[j + 1] === (hours[j] as number) + 1) j++;
    const from = String(hours[i]).padStart(2, '0');
    const to = String(hours[j]).padStart(2, '0');
    ranges.push(`${from}:00–${to}:59`);
    i = j + 1;
  }
  return ranges.join(', ');
}

function describe(event: AgentEvent): string {
  switch (event.type) {
    case 'tool_use':
      return `called ${event.tool} to ${event.action} on ${event.system}`;
    case 'token_issued':
      return `was issued token ${event.token.fingerprint}`;
    case 'access_denied':
      return `was denied ${event.action ?? 'access'} on ${event.system}`;
  }
}

export default defineDetector({
  id: 'unusual-time',
  version: '1.1.0',
  description:
    "Activity at an hour of the day (UTC) when the agent's own history (hour-of-week histogram of active hours, any day " +
    'of the week) shows no activity within deep_radius hours, or, from a runtime instance first used within ' +
    "new_instance_window, at most max_share of its busiest hour's activity within radius hours; once its learning " +
    'period is over and its history holds min_active_hours active hours. Agents active in more than max_active_hours ' +
    'distinct hours of the day work around the clock and are never alerted. Judged on tool calls and denials (token ' +
    'issuance happens at any hour for refreshes), at the first of them in each calendar hour; key hour:<HH>, window the hour (from a new instance: key instance:<instance>, window from its first use for new_instance_window, one alert).',
  eventTypes: ['tool_use', 'access_denied'],
  maturity: 'stable',
  techniques: [TECHNIQUES.validAccounts, TECHNIQUES.rogueAgents, TECHNIQUES.scheduledTransfer, TECHNIQUES.goalHijack],
  severity: 'medium',
  options,
  createState: () => null,
  score(event, ctx) {
    const why = unusual(event, ctx);
    if (why === undefined) return undefined;
    const id = event.agent.id;
    const baseline = ctx.baseline;
    const agent = ctx.agent;
    const hours = baselineActiveHourList(baseline);
    const hour = hourOfDay(event.timeMs);
    // Distance in hours to the nearest hour of day the agent was ever active in.
    let distance = 12;
    for (const h of hours) {
      const d = Math.min(Math.abs(h - hour), 24 - Math.abs(h - hour));
      if (d < distance) distance = d;
    }
    const start = Math.floor(event.timeMs / HOUR_MS) * HOUR_MS;
    const usual = describeHours(hours);
    const history = formatDuration(baselineAge(baseline, ctx.now));
    const instance = event.agent.instance;
    // A new instance is one episode (one alert) for as long as it counts as new, whatever the hours it spans.
    const since = why === 'new-instance' && instance !== undefined ? (baselineInstanceNewSince(baseline, instance, event.timeMs) ?? event.timeMs) : undefined;
    const sinceText =
      since === undefined ? '' : since === event.timeMs ? ', which it had never used before' : `, which it first used ${formatDuration(event.timeMs - since)} earlier, at ${formatClock(since)} UTC`;
    return {
      key: since === undefined ? `hour:${String(hour).padStart(2, '0')}` : `instance:${instance}`,
      title: `${id} is active at ${formatClock(event.timeMs)} UTC, outside its usual hours`,
      summary:
        `${id} ${describe(event)} at ${formatClock(event.timeMs)} UTC` +
        `${since === undefined ? '' : ` from instance ${instance}${sinceText}`}. ` +
        `In ${history} of history (${hourOfWeekTotal(baseline.hours)} active hours) it has been active ${usual} UTC; ` +
        `${why === 'deep' ? `nothing within ${ctx.options.deep_radius} h of this hour` : `next to nothing within ${ctx.options.radius} h of this hour`} ` +
        `(the nearest active hour is ${distance} h away).`,
      severity: why === 'new-instance' && distance >= 3 ? 'high' : 'medium',
      score: Math.min(90, 45 + 6 * distance + (why === 'new-instance' ? 15 : 0)),
      observed: {
        time: new Date(event.timeMs).toISOString(),
        hour_utc: hour,
        activity: describe(event),
        ...(instance === undefined ? {} : { instance, new_instance: since !== undefined }),
        ...(since === undefined ? {} : { instance_first_used: new Date(since).toISOString() }),
      },
      expected: { active_hours_utc: usual, active_hours_of_day: hours.length, nearest_active_hour_distance_h: distance },
      scope: agent === undefined ? undefined : { purpose: agent.purpose ?? null, kind: agent.kind ?? null },
      recommendation:
        `Check with ${agent?.owner === undefined ? "the agent's owner" : `owner ${agent.owner}`} whether ${id} should run at this hour ` +
        `(a new schedule, a manual run${event.principal === undefined ? '' : `, or ${event.principal} working late`}). If nobody started it, suspend it, ` +
        `revoke its tokens and review ${event.agent.session === undefined ? 'what it did since' : `session ${event.agent.session}`}.`,
      window: since === undefined ? { start, end: start + HOUR_MS } : { start: since, end: since + paramsOf(ctx.options).newInstance },
    };
  },
});
