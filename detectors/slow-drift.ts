import {
  baselineAge,
  baselineCallUsual,
  boundedSetDistinct,
  boundedSetTop,
  DAY_MS,
  defineDetector,
  durationMs,
  fromOptions,
  durationOption,
  formatKb,
  intern,
  TECHNIQUES,
  baselineNewSystemsOn,
  baselineHasSeenSystem,
  z,
  type AgentBaseline,
  type AgentEvent,
  type DetectorContext,
  type ToolUseEvent,
} from '../src/sdk/index.js';
import { boundedKey } from '../src/stats/hash.js';

/**
 * Drift that no single window shows, judged on UTC days:
 *
 * - volume: a sustained rise in what the agent reads with one of its tools (slow exfiltration: a
 *   drip of extra calls below any spike threshold). Per tool, the bytes of each UTC day (each call
 *   capped at 4× the tool's usual call, so that one large export does not make a day) are compared
 *   with that tool's usual day of the same kind (weekday or weekend: agents have weekly rhythms);
 *   the alert needs `days` consecutive active days at `ratio` × the usual or more (on a day when the
 *   agent's other tools are busier than usual, by the square root of how much more: a busy day
 *   lifts every tool, a drip lifts one), each adding at
 *   least `min_share` of the agent's usual daily total, and each at least the previous one (a
 *   drip grows; a busy spell of healthy work comes and goes). Days that rise are not learned, so a drip
 *   does not become the reference while it is being judged. Judged at each call of the tool: the
 *   alert comes with the call that takes the last day of the run over the bar (a day's bytes only
 *   grow, so this is the day's verdict, given as soon as it is certain), and so names the tool,
 *   the system and the day that drifted.
 * - systems: a gradual widening of the set of systems touched: at least min_new_systems systems
 *   first used within widening_days after the learning period, each perhaps unremarkable alone.
 *   Also what a cardinality attack looks like once first-seen alerts are rate-limited.
 *
 * Per-tool state: the 8 tools with the largest usual days (a tool new to the table takes the slot
 * of the smallest), each with today's bytes, its usual weekday and weekend (EWMA, α = 0.25 after
 * the first days) and its run of rising days.
 */

const TOOLS = 8;
const ALPHA = 0.25;

const options = z.strictObject({
  learning_period: durationOption('7d', "event time from the agent's first event before which no day is judged"),
  ratio: z.number().gt(1).default(2).describe("a rising day moves at least this multiple of the tool's usual day of the same kind"),
  min_share: z.number().nonnegative().default(0.1).describe("…and at least this share of the agent's usual daily total more than the tool's usual day"),
  min_kb: z.number().nonnegative().default(50).describe('…and at least this many KB more'),
  days: z.number().int().min(1).max(7).default(2).describe('consecutive rising active days that make a drift'),
  busy_days: z.boolean().default(true).describe("on a day when the agent's other tools move more than their usual day, the ratio is raised by the square root of how much more (a busy day lifts every tool; a drip lifts one)"),
  min_reference_days: z.number().int().min(1).default(3).describe('active days of the same kind the usual day of a tool needs'),
  call_cap: z.number().gt(1).default(4).describe("a call counts for at most this multiple of its tool's usual bytes per call"),
  min_new_systems: z.number().int().min(1).default(3).describe('systems first used within widening_days that make a widening'),
  widening_days: z.number().int().min(1).max(14).default(7).describe('days over which new systems are counted'),
});
type Options = z.output<typeof options>;

interface State {
  /** UTC day index of the open day; −1 before the first event. */
  day: number;
  /** KB of the open day, all tools (capped calls). */
  tot: number;
  /** Usual daily total (KB) per kind: [weekday, weekend]. */
  rt: number[];
  /** Active days counted per kind. */
  rn: number[];
  /** Tools tracked (≤ 8). */
  t: string[];
  /** Per tool: KB of the open day. */
  kb: number[];
  /** Per tool and kind (index 2·i + kind): usual day (KB). */
  ref: number[];
  /** Per tool and kind: active days counted. */
  n: number[];
  /** Per tool: consecutive rising active days. */
  st: number[];
  /** Per tool: KB of the last rising day (a run must keep growing). */
  pv: number[];
  /** Day index of the last widening alert; −1 before any. */
  wd: number;
}

const learningOf = fromOptions((o: Options) => durationMs(o.learning_period));

/** 0 on weekdays, 1 on Saturday and Sunday (UTC). Epoch day 0 was a Thursday. */
const kindOf = (day: number): number => ((day + 3) % 7 >= 5 ? 1 : 0);

interface Rise {
  tool: string;
  kb: number;
  usual: number;
  /** KB of the run's previous day (0 for a run of one day). */
  previous: number;
  /** KB of the agent's day so far, every tool. */
  total: number;
  usualTotal: number;
  /** How much busier than usual its other tools were that day (see busyness), and the ratio the day had to reach. */
  busy: number;
  ratio: number;
  streak: number;
  day: number;
}

/**
 * How much busier than usual the agent's other tools are on the open day: their KB so far over
 * their usual day (the agent's usual total less tool i's), at least 1. A busy day lifts every tool;
 * a drip lifts one.
 */
function busyness(state: State, i: number, kind: number): number {
  const usualOthers = (state.rt[kind] as number) - (state.ref[2 * i + kind] as number);
  const others = state.tot - (state.kb[i] as number);
  return usualOthers > 0 && others > usualOthers ? others / usualOthers : 1;
}

/**
 * The ratio tool i's day must reach: `ratio`, raised on a busy day by the square root of the
 * busyness (in proportion, it cost a fifth of the drips caught on simulated traffic for half the
 * false alerts; the square root a tenth of them for a third).
 */
const ratioFor = (busy: number, o: Options): number => (o.busy_days ? o.ratio * Math.sqrt(busy) : o.ratio);

/** Whether tool i, with `kb` on the open day, rises above its usual day of that kind and above the previous day of its run. */
function rising(state: State, i: number, kind: number, kb: number, o: Options): boolean {
  if ((state.st[i] as number) > 0 && kb < (state.pv[i] as number)) return false;
  if (!(kb > 0) || (state.n[2 * i + kind] as number) < o.min_reference_days || (state.rn[kind] as number) < 1) return false;
  const usual = state.ref[2 * i + kind] as number;
  // A tool the agent did not use on its usual days is new behaviour (first-seen-tool, tool-mix-drift), not a drift.
  if (!(usual > 0)) return false;
  return kb >= ratioFor(busyness(state, i, kind), o) * usual && kb - usual >= Math.max(o.min_kb, o.min_share * (state.rt[kind] as number));
}

/** Whether a day is judged: it ends after the learning period. */
const judgedDay = (day: number, baseline: AgentBaseline, o: Options): boolean => (day + 1) * DAY_MS >= baseline.t0 + learningOf(o);

/**
 * The state as it stands on `day`: when that is a later day than the open one, a copy with the
 * open day closed (score must not change the state; this happens once per agent and day).
 */
function stateOn(state: State, day: number, baseline: AgentBaseline, o: Options): State {
  if (state.day < 0 || day <= state.day) return state;
  const copy: State = { ...state, rt: [...state.rt], rn: [...state.rn], kb: [...state.kb], ref: [...state.ref], n: [...state.n], st: [...state.st], pv: [...state.pv] };
  closeDay(copy, judgedDay(state.day, baseline, o), o);
  copy.day = day;
  return copy;
}

/** The KB this call adds to its tool's day: capped at call_cap × the tool's usual call. */
function callKb(bytes: number, tool: string, baseline: AgentBaseline, o: Options): number {
  const usual = baselineCallUsual(baseline, tool);
  return (Number.isNaN(usual) ? bytes : Math.min(bytes, o.call_cap * Math.max(usual, 1))) / 1024;
}

const toolKey = (tool: string): string => boundedKey(tool, 64);

/**
 * The rise this call completes: its tool's day crosses the bar with it, on the day that makes the
 * run `days` long. Undefined otherwise (allocation-free but on an agent's first call of a day).
 */
function risingCall(event: AgentEvent, ctx: DetectorContext<Options, State>): Rise | undefined {
  if (event.type !== 'tool_use' || event.bytes === undefined || !(event.bytes > 0)) return undefined;
  const o = ctx.options;
  const day = Math.floor(event.timeMs / DAY_MS);
  if (day < ctx.state.day || !judgedDay(day, ctx.baseline, o)) return undefined;
  const state = stateOn(ctx.state, day, ctx.baseline, o);
  const i = state.t.indexOf(toolKey(event.tool));
  if (i < 0 || (state.st[i] as number) + 1 !== o.days) return undefined;
  const kind = kindOf(day);
  const before = state.kb[i] as number;
  const kb = callKb(event.bytes, event.tool, ctx.baseline, o);
  const after = round(before + kb);
  if (!rising(state, i, kind, after, o) || rising(state, i, kind, before, o)) return undefined;
  const busy = busyness(state, i, kind);
  return {
    tool: state.t[i] as string,
    kb: after,
    usual: state.ref[2 * i + kind] as number,
    previous: state.pv[i] as number,
    total: round(state.tot + kb),
    usualTotal: state.rt[kind] as number,
    busy,
    ratio: ratioFor(busy, o),
    streak: (state.st[i] as number) + 1,
    day,
  };
}

/** Closes the open day: runs of rising days, then the usual days learn from the days that did not rise. */
function closeDay(state: State, judged: boolean, o: Options): void {
  if (!(state.tot > 0)) return;
  const kind = kindOf(state.day);
  let anyRise = false;
  for (let i = 0; i < state.t.length; i++) {
    const rises = judged && rising(state, i, kind, state.kb[i] as number, o);
    state.st[i] = rises ? (state.st[i] as number) + 1 : 0;
    state.pv[i] = rises ? (state.kb[i] as number) : 0;
    if (rises) {
      anyRise = true;
      continue;
    }
    const slot = 2 * i + kind;
    const n = (state.n[slot] as number) + 1;
    state.n[slot] = n;
    const alpha = Math.max(1 / n, ALPHA);
    state.ref[slot] = roundTenth((state.ref[slot] as number) + alpha * ((state.kb[i] as number) - (state.ref[slot] as number)));
  }
  if (!anyRise) {
    const n = (state.rn[kind] as number) + 1;
    state.rn[kind] = n;
    state.rt[kind] = roundTenth((state.rt[kind] as number) + Math.max(1 / n, ALPHA) * (state.tot - (state.rt[kind] as number)));
  }
  state.tot = 0;
  for (let i = 0; i < state.kb.length; i++) state.kb[i] = 0;
}

/** Today's sums to 0.01 KB, the usual days to 0.1 KB: small numbers in the checkpoint. */
const round = (x: number): number => Math.round(x * 100) / 100;
const roundTenth = (x: number): number => Math.round(x * 10) / 10;

/** The slot of `tool` in the table, adding it (in place of the tool with the smallest usual days when full). */
function slotOf(state: State, tool: string): number {
  const key = toolKey(tool);
  let i = state.t.indexOf(key);
  if (i >= 0) return i;
  if (state.t.length < TOOLS) {
    i = state.t.length;
    state.t.push(intern(key));
    state.kb.push(0);
    state.ref.push(0, 0);
    state.n.push(0, 0);
    state.st.push(0);
    state.pv.push(0);
  } else {
    i = 0;
    for (let j = 1; j < TOOLS; j++) {
      if ((state.ref[2 * j] as number) + (state.ref[2 * j + 1] as number) < (state.ref[2 * i] as number) + (state.ref[2 * i + 1] as number)) i = j;
    }
    state.t[i] = intern(key);
    state.kb[i] = 0;
    state.st[i] = 0;
    state.pv[i] = 0;
  }
  // A tool new to the table moved nothing on the agent's earlier active days.
  state.ref[2 * i] = 0;
  state.ref[2 * i + 1] = 0;
  state.n[2 * i] = state.rn[0] as number;
  state.n[2 * i + 1] = state.rn[1] as number;
  return i;
}

/**
 * New systems within widening_days up to the event's day, counting only days after the learning
 * period: those recorded, plus the event's own system when it is new (the baseline learns it
 * after the detectors).
 */
function newSystems(baseline: AgentBaseline, event: ToolUseEvent, o: Options, learning: number): number {
  const today = Math.floor(event.timeMs / DAY_MS);
  const firstDay = Math.floor((baseline.t0 + learning) / DAY_MS) + 1;
  let count = today >= firstDay && !baselineHasSeenSystem(baseline, event.system) ? 1 : 0;
  for (let back = 0; back < o.widening_days; back++) {
    const day = today - back;
    if (day < firstDay) break;
    count += baselineNewSystemsOn(baseline, day);
  }
  return count;
}

/** A widening worth an alert with this event (count of new systems), or 0. */
function widening(event: ToolUseEvent, ctx: DetectorContext<Options, State>): number {
  const baseline = ctx.baseline;
  const today = Math.floor(event.timeMs / DAY_MS);
  if (ctx.state.wd === today) return 0;
  const learning = learningOf(ctx.options);
  if (baselineAge(baseline, ctx.now) < learning) return 0;
  // Judged on a day with a new system (the event's own, perhaps), once a day.
  if (baselineNewSystemsOn(baseline, today) === 0 && baselineHasSeenSystem(baseline, event.system)) return 0;
  const count = newSystems(baseline, event, ctx.options, learning);
  return count >= ctx.options.min_new_systems ? count : 0;
}

const dayText = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The days of a run, for the recommendation: the last one by date (active days need not follow each other). */
function runDaysText(rise: Rise): string {
  const last = `on ${dayText(rise.day)}`;
  if (rise.streak === 1) return last;
  return rise.streak === 2 ? `${last} and its previous active day` : `${last} and its ${rise.streak - 1} previous active days`;
}

/** What the agent did with a call of each action, for the recommendation. */
const DONE: Readonly<Record<string, string>> = { read: 'read', write: 'wrote', delete: 'deleted', send: 'sent', execute: 'ran', transfer: 'transferred', admin: 'changed' };

export default defineDetector({
  id: 'slow-drift',
  version: '1.2.0',
  description:
    "Drift that no single window shows, on UTC days: (1) volume, one of the agent's tools moves at least ratio × its usual " +
    'day of the same kind (weekday or weekend; calls capped at call_cap × the usual call; on a day when its other tools are busier than ' +
    'their usual day, ratio × the square root of how much, with busy_days) on `days` consecutive active ' +
    "days, each at least min_share of the agent's usual daily total (and min_kb) more and none below the one before: a slow exfiltration, alerted with " +
    'the call that takes the run\'s last day over the bar (key volume:<tool>, window the day); (2) systems, at least min_new_systems systems first used within ' +
    'widening_days after the learning period (key systems, window the day).',
  // Volumes and new systems come from tool calls; a day closes at the first call of the next.
  eventTypes: ['tool_use'],
  maturity: 'stable',
  techniques: [TECHNIQUES.automatedExfiltration, TECHNIQUES.dataTransferSizeLimits, TECHNIQUES.cloudServiceDiscovery, TECHNIQUES.rogueAgents],
  severity: 'medium',
  options,
  createState: (): State => ({ day: -1, tot: 0, rt: [0, 0], rn: [0, 0], t: [], kb: [], ref: [], n: [], st: [], pv: [], wd: -1 }),
  score(event, ctx) {
    const id = event.agent.id;
    const agent = ctx.agent;
    const baseline = ctx.baseline;
    const o = ctx.options;
    const rise = risingCall(event, ctx);
    if (rise !== undefined) {
      const factor = rise.kb / rise.usual;
      const kindText = kindOf(rise.day) === 1 ? 'weekend day' : 'weekday';
      const before = rise.streak > 1 ? `, after ${formatKb(rise.previous)} on its previous active day` : '';
      return {
        key: `volume:${rise.tool}`,
        title: `${id} has moved ${factor.toFixed(1)}× its usual daily volume with ${rise.tool} for ${rise.streak} ${rise.streak === 1 ? 'day' : 'days'}`,
        summary:
          `${id} has moved ${formatKb(rise.kb)} with ${rise.tool} so far on ${dayText(rise.day)} (UTC), day ${rise.streak} of a run of active days above its usual${before}; ` +
          `its usual ${kindText} with that tool is ${formatKb(rise.usual)}, and its usual ${kindText} in all ${formatKb(rise.usualTotal)} ` +
          `(${formatKb(rise.total)} so far that day; volumes here count each call up to ${o.call_cap}× its tool's usual call, so that one large export does not make a day)` +
          (rise.busy > 1 ? `; its other tools were busier than usual too (${rise.busy.toFixed(1)}× their usual day), which raised the bar to ${rise.ratio.toFixed(1)}×` : '') +
          '. No single 5-minute window stood out: a sustained rise like this is how slow exfiltration looks.',
        severity: factor < 2 * o.ratio ? 'medium' : 'high',
        score: Math.min(95, 55 + 10 * Math.log2(factor)),
        observed: {
          tool: rise.tool,
          day: dayText(rise.day),
          day_kb: Math.round(rise.kb),
          previous_day_kb: rise.streak > 1 ? Math.round(rise.previous) : undefined,
          rising_days: rise.streak,
          agent_day_kb: Math.round(rise.total),
        },
        expected: { usual_day_kb: Math.round(rise.usual), usual_agent_day_kb: Math.round(rise.usualTotal), ratio: Math.round(rise.ratio * 100) / 100 },
        scope: agent === undefined ? undefined : { systems: agent.scope.systems, tools: agent.scope.tools },
        recommendation:
          `Find out with ${agent?.custodian === undefined ? "the agent's operators" : `custodian ${agent.custodian}`} whether ${id}'s use of ${rise.tool} grew on purpose; ` +
          `if not, review what it ${DONE[event.action]} with ${rise.tool} on ${event.system} ${runDaysText(rise)}, and where it went; revoke its tokens and reduce its scope.`,
        window: { start: rise.day * DAY_MS, end: (rise.day + 1) * DAY_MS },
      };
    }
    const count = widening(event, ctx);
    if (count === 0) return undefined;
    const distinct = boundedSetDistinct(baseline.systems);
    const day = Math.floor(event.timeMs / DAY_MS);
    const known = boundedSetTop(baseline.systems).map((entry) => entry.value);
    return {
      key: 'systems',
      title: `${id} has touched ${count} new systems in ${o.widening_days} days`,
      summary:
        `${id} used ${count} systems for the first time within ${o.widening_days} days (after its learning period), ` +
        `now about ${distinct} distinct systems in all (most used: ${known.slice(0, 5).join(', ')}); latest activity ` +
        `${event.tool} on ${event.system}. A steady agent's footprint does not widen like this.`,
      severity: count >= 3 * o.min_new_systems ? 'high' : 'medium',
      score: Math.min(95, 50 + 8 * (count - o.min_new_systems + 1)),
      observed: { new_systems: count, days: o.widening_days, distinct_systems_estimate: distinct },
      expected: { new_systems_below: o.min_new_systems, known_systems: known },
      scope: agent === undefined ? undefined : { systems: agent.scope.systems },
      recommendation:
        `Review with ${agent?.custodian === undefined ? "the agent's operators" : `custodian ${agent.custodian}`} why ${id}'s footprint keeps widening; ` +
        'if the new systems are not part of its job, narrow its registered scope and policies to the systems it needs and revoke its tokens.',
      window: { start: day * DAY_MS, end: (day + 1) * DAY_MS },
    };
  },
  learn(event, ctx) {
    const state = ctx.state;
    const o = ctx.options;
    const day = Math.floor(event.timeMs / DAY_MS);
    // Score reports a rise first, a widening otherwise (at the next event if both).
    if (risingCall(event, ctx) === undefined && widening(event, ctx) > 0) state.wd = day;
    if (day > state.day) {
      if (state.day >= 0) closeDay(state, judgedDay(state.day, ctx.baseline, o), o);
      state.day = day;
    } else if (day < state.day) {
      return; // a late event: its day is closed
    }
    const bytes = event.bytes;
    if (bytes === undefined || !(bytes > 0)) return;
    const kb = callKb(bytes, event.tool, ctx.baseline, o);
    state.tot = round(state.tot + kb);
    const i = slotOf(state, event.tool);
    state.kb[i] = round((state.kb[i] as number) + kb);
  },
});
