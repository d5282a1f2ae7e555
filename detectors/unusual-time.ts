import {
  baselineActiveHourList,
  baselineActiveHoursOfDay,
  baselineActivityNearHour,
  baselineAge,
  defineDetector,
  durationMs,
  durationOption,
  formatClock,
  formatDuration,
  hourOfDay,
  hourOfWeekTotal,
  TECHNIQUES,
  z,
  type AgentEvent,
  type DetectorContext,
} from '../src/sdk/index.js';

/**
 * Activity at a time of day when this agent's own history shows none. Agent-specific: a batch
 * agent that runs at 03:00 every night has 03:00 in its history; an assistant that has only ever
 * worked office hours has not. An agent active around the clock (more than max_active_hours
 * distinct hours of the day) has no unusual time.
 *
 * Judged once per calendar hour, at the agent's first event in it; an alert once the hour is
 * recorded makes the next hour "near" a known one, so one off-hours episode raises one alert.
 */

const HOUR_MS = 3_600_000;

const options = z.strictObject({
  learning_period: durationOption('6d', "event time from the agent's first event during which its hours are learned, not reported"),
  radius: z.number().int().min(0).max(6).default(2).describe('hours either side of the hour of day that count as "near" a known active hour'),
  min_active_hours: z.number().int().min(1).default(20).describe('active hours the history must hold before any hour can be called unusual'),
  max_active_hours: z.number().int().min(1).max(24).default(18).describe('an agent active in more distinct hours of the day than this works around the clock: never alerted'),
});
type Options = z.output<typeof options>;

const learningCache = new WeakMap<Options, number>();
function learningOf(o: Options): number {
  let ms = learningCache.get(o);
  if (ms === undefined) learningCache.set(o, (ms = durationMs(o.learning_period)));
  return ms;
}

/** Whether this event opens an hour of day with no activity near it in the agent's history. Allocation-free. */
function isUnusual(event: AgentEvent, ctx: DetectorContext<Options, null>): boolean {
  const baseline = ctx.baseline;
  const hour = Math.floor(event.timeMs / HOUR_MS);
  // Only the first event of a calendar hour is judged (the histogram records the hour after it).
  if (hour <= baseline.hours.last) return false;
  const o = ctx.options;
  if (baselineAge(baseline, ctx.now) < learningOf(o)) return false;
  if (hourOfWeekTotal(baseline.hours) < o.min_active_hours) return false;
  if (baselineActivityNearHour(baseline, hourOfDay(event.timeMs), o.radius) > 0) return false;
  return baselineActiveHoursOfDay(baseline) <= o.max_active_hours;
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
  version: '1.0.0',
  description:
    "Activity at an hour of the day (UTC) when the agent's own history (hour-of-week histogram of active hours) shows " +
    'no activity within radius hours, on any day of the week, once its learning period is over and its history holds at ' +
    'least min_active_hours active hours. Agents active in more than max_active_hours distinct hours of the day work ' +
    'around the clock and are never alerted. Judged on tool calls and denials (token issuance happens at any hour for ' +
    'refreshes), at the first of them in each calendar hour; key hour:<HH>, window the hour.',
  eventTypes: ['tool_use', 'access_denied'],
  maturity: 'incubating',
  techniques: [TECHNIQUES.validAccounts, TECHNIQUES.rogueAgents, TECHNIQUES.scheduledTransfer, TECHNIQUES.goalHijack],
  severity: 'medium',
  options,
  createState: () => null,
  score(event, ctx) {
    if (!isUnusual(event, ctx)) return undefined;
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
    return {
      key: `hour:${String(hour).padStart(2, '0')}`,
      title: `${id} is active at ${formatClock(event.timeMs)} UTC, outside its usual hours`,
      summary:
        `${id} ${describe(event)} at ${formatClock(event.timeMs)} UTC. In ${history} of history (${hourOfWeekTotal(baseline.hours)} active hours) ` +
        `it has only been active ${usual} UTC; the nearest of those hours is ${distance} h away.`,
      severity: 'medium',
      score: Math.min(90, 50 + 8 * distance),
      observed: { time: new Date(event.timeMs).toISOString(), hour_utc: hour, activity: describe(event) },
      expected: { active_hours_utc: usual, active_hours_of_day: hours.length, nearest_active_hour_distance_h: distance },
      scope: agent === undefined ? undefined : { purpose: agent.purpose ?? null, kind: agent.kind ?? null },
      recommendation:
        `Check with ${agent?.owner === undefined ? "the agent's owner" : `owner ${agent.owner}`} whether ${id} should run at this hour ` +
        `(a new schedule, a manual run${event.principal === undefined ? '' : `, or ${event.principal} working late`}). If nobody started it, suspend it, ` +
        `revoke its tokens and review ${event.agent.session === undefined ? 'what it did since' : `session ${event.agent.session}`}.`,
      window: { start, end: start + HOUR_MS },
    };
  },
});
