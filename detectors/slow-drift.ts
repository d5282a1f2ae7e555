import {
  baselineAge,
  boundedSetDistinct,
  boundedSetTop,
  DAY_MS,
  defineDetector,
  durationMs,
  durationOption,
  formatKb,
  TECHNIQUES,
  windowRingCurrent,
  windowRingValues,
  z,
  type AgentBaseline,
  type AgentEvent,
  type DetectorContext,
} from '../src/sdk/index.js';

/**
 * Drift that no single window shows, judged on UTC days from the baseline's daily series:
 *
 * - volume: a sustained rise in the data an agent moves per day (slow exfiltration, a drip below
 *   any spike threshold): each of the last recent_days active days at least ratio × the median of
 *   the active days before them, with at least min_excess_kb a day more in total. Judged once a
 *   day, when the day has closed.
 * - systems: a gradual widening of the set of systems touched: at least min_new_systems systems
 *   first used within widening_days (after the learning period), each perhaps unremarkable alone.
 *   Judged when a new system is recorded; once a day at most. Also what a cardinality attack
 *   (thousands of distinct systems) looks like once the first-seen alerts are rate-limited.
 */

const options = z.strictObject({
  learning_period: durationOption('7d', "event time from the agent's first event before which its daily figures are not judged"),
  recent_days: z.number().int().min(1).max(7).default(3).describe('the last completed days whose volume is compared with the days before them'),
  ratio: z.number().gt(1).default(1.5).describe('every recent active day must move at least this multiple of the median active day before'),
  min_excess_kb: z.number().nonnegative().default(10_240).describe('KB a day above the reference, summed over the recent days, worth an alert'),
  min_reference_days: z.number().int().min(2).default(4).describe('active days the reference needs'),
  min_new_systems: z.number().int().min(1).default(3).describe('systems first used within widening_days that make a widening'),
  widening_days: z.number().int().min(1).max(14).default(7).describe('days over which new systems are counted'),
});
type Options = z.output<typeof options>;

interface State {
  /** Day index (UTC) of the last judgement of the volume; 0 before any. */
  d: number;
  /** Day index of the last widening alert; 0 before any. */
  wd: number;
  /** Day index of the last volume alert; 0 before any. */
  vd: number;
}

const cache = new WeakMap<Options, number>();
function learningOf(o: Options): number {
  let ms = cache.get(o);
  if (ms === undefined) cache.set(o, (ms = durationMs(o.learning_period)));
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface VolumeDrift {
  recent: number[];
  reference: number;
  referenceDays: number;
  excess: number;
  day: number;
}

/** The volume judgement of the days completed before the baseline's current day (allocates: once a day). */
function volumeDrift(baseline: AgentBaseline, o: Options): VolumeDrift | undefined {
  const days = windowRingValues(baseline.daily);
  if (days.length < o.recent_days + o.min_reference_days) return undefined;
  const recent = days.slice(days.length - o.recent_days).filter((kb) => kb > 0);
  if (recent.length < Math.min(2, o.recent_days)) return undefined;
  const before = days.slice(0, days.length - o.recent_days).filter((kb) => kb > 0);
  if (before.length < o.min_reference_days) return undefined;
  const reference = median(before);
  let excess = 0;
  for (const kb of recent) {
    if (kb < o.ratio * reference) return undefined;
    excess += kb - reference;
  }
  if (excess < o.min_excess_kb) return undefined;
  return { recent, reference, referenceDays: before.length, excess, day: baseline.daily.win - 1 };
}

/** New systems recorded within widening_days up to the event's day, counting only days after the learning period. */
function newSystems(baseline: AgentBaseline, timeMs: number, o: Options, learning: number): number {
  const fresh = baseline.fresh;
  const today = Math.floor(timeMs / DAY_MS);
  if (fresh.win !== today) return 0;
  const firstDay = Math.floor((baseline.t0 + learning) / DAY_MS) + 1;
  let count = windowRingCurrent(fresh);
  const n = fresh.n;
  for (let back = 1; back < o.widening_days; back++) {
    const day = today - back;
    if (day < firstDay || day < fresh.first) break;
    if (back > n) break;
    count += fresh.ring[day % n] as number;
  }
  return today < firstDay ? 0 : count;
}

type Judgement = { kind: 'volume'; drift: VolumeDrift } | { kind: 'systems'; count: number } | undefined;

function judge(event: AgentEvent, ctx: DetectorContext<Options, State>): Judgement {
  const baseline = ctx.baseline;
  const state = ctx.state;
  const o = ctx.options;
  const learning = learningOf(o);
  // Widening: only when a system first seen today is on record and no widening alert today.
  const today = Math.floor(event.timeMs / DAY_MS);
  if (state.wd !== today && baseline.fresh.win === today && baseline.fresh.cur > 0) {
    if (baselineAge(baseline, ctx.now) >= learning) {
      const count = newSystems(baseline, event.timeMs, o, learning);
      if (count >= o.min_new_systems) return { kind: 'systems', count };
    }
  }
  // Volume: once per closed day.
  if (baseline.day > state.d && baseline.daily.win === baseline.day && baselineAge(baseline, ctx.now) >= learning && state.vd !== baseline.day) {
    const drift = volumeDrift(baseline, o);
    if (drift !== undefined) return { kind: 'volume', drift };
  }
  return undefined;
}

const dayText = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

export default defineDetector({
  id: 'slow-drift',
  version: '1.0.0',
  description:
    'Drift that no single window shows, from the baseline\'s daily series: (1) volume, each of the last recent_days ' +
    'active UTC days moved at least ratio × the median active day before them, min_excess_kb more in total (slow ' +
    'exfiltration), judged once a day (key volume, window the last day); (2) systems, at least min_new_systems systems ' +
    'first used within widening_days after the learning period (a widening footprint, or a cardinality attack), judged ' +
    'when a new system is recorded (key systems, window the day).',
  eventTypes: ['tool_use', 'token_issued', 'access_denied'],
  maturity: 'incubating',
  techniques: [TECHNIQUES.automatedExfiltration, TECHNIQUES.dataTransferSizeLimits, TECHNIQUES.cloudServiceDiscovery, TECHNIQUES.rogueAgents],
  severity: 'medium',
  options,
  createState: (): State => ({ d: 0, wd: 0, vd: 0 }),
  score(event, ctx) {
    const judgement = judge(event, ctx);
    if (judgement === undefined) return undefined;
    const id = event.agent.id;
    const agent = ctx.agent;
    const baseline = ctx.baseline;
    const o = ctx.options;
    if (judgement.kind === 'systems') {
      const distinct = boundedSetDistinct(baseline.systems);
      const day = Math.floor(event.timeMs / DAY_MS);
      const known = boundedSetTop(baseline.systems).map((entry) => entry.value);
      return {
        key: 'systems',
        title: `${id} has touched ${judgement.count} new systems in ${o.widening_days} days`,
        summary:
          `${id} used ${judgement.count} systems for the first time within ${o.widening_days} days (after its learning period), ` +
          `now about ${distinct} distinct systems in all (most used: ${known.slice(0, 5).join(', ')}); latest activity ` +
          `${event.type === 'tool_use' ? `${event.tool} on ${event.system}` : event.type.replace('_', ' ')}. A steady agent's footprint does not widen like this.`,
        severity: judgement.count >= 3 * o.min_new_systems ? 'high' : 'medium',
        score: Math.min(95, 50 + 8 * (judgement.count - o.min_new_systems + 1)),
        observed: { new_systems: judgement.count, days: o.widening_days, distinct_systems_estimate: distinct },
        expected: { new_systems_below: o.min_new_systems, known_systems: known },
        scope: agent === undefined ? undefined : { systems: agent.scope.systems },
        recommendation:
          `Review with ${agent?.custodian === undefined ? "the agent's operators" : `custodian ${agent.custodian}`} why ${id}'s footprint keeps widening; ` +
          'if the new systems are not part of its job, narrow its registered scope and policies to the systems it needs and revoke its tokens.',
        window: { start: day * DAY_MS, end: (day + 1) * DAY_MS },
      };
    }
    const { drift } = judgement;
    const rise = drift.recent.reduce((a, b) => a + b, 0) / drift.recent.length / drift.reference;
    return {
      key: 'volume',
      title: `${id} has moved ${rise.toFixed(1)}× its usual daily volume for ${drift.recent.length} days`,
      summary:
        `${id} moved ${drift.recent.map(formatKb).join(', ')} on its last ${drift.recent.length} active days up to ${dayText(drift.day)}, ` +
        `against a median of ${formatKb(drift.reference)} a day over the ${drift.referenceDays} active days before: ` +
        `${formatKb(drift.excess)} more in total, with no single 5-minute window standing out. A sustained rise like this is how slow exfiltration looks.`,
      severity: rise >= 3 ? 'high' : 'medium',
      score: Math.min(95, 50 + 15 * Math.log2(rise)),
      observed: { daily_kb: drift.recent.map(Math.round), excess_kb: Math.round(drift.excess), last_day: dayText(drift.day) },
      expected: { daily_kb_median: Math.round(drift.reference), reference_days: drift.referenceDays, ratio: o.ratio },
      scope: agent === undefined ? undefined : { systems: agent.scope.systems },
      recommendation:
        `Find out with ${agent?.custodian === undefined ? "the agent's operators" : `custodian ${agent.custodian}`} whether ${id}'s workload grew; ` +
        'if not, review where its reads of the last days went (destinations, resources), revoke its tokens and reduce its read scope.',
      window: { start: drift.day * DAY_MS, end: (drift.day + 1) * DAY_MS },
    };
  },
  learn(event, ctx) {
    const state = ctx.state;
    const baseline = ctx.baseline;
    const judgement = judge(event, ctx);
    if (judgement?.kind === 'systems') {
      // The volume of the day, if not judged yet, is judged at the next event.
      state.wd = Math.floor(event.timeMs / DAY_MS);
      return;
    }
    if (judgement?.kind === 'volume') state.vd = baseline.day;
    if (baseline.day > state.d) state.d = baseline.day;
  },
});
