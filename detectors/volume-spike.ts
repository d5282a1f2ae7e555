import {
  baselineAge,
  baselineCallShift,
  baselineCallZ,
  baselineHourPeakLevel,
  baselineObserved,
  baselinePeakLevel,
  baselineTypical,
  BASELINE_WINDOW_MS,
  baselineWindowTotal,
  baselineWindowLargest,
  defineDetector,
  durationMs,
  fromOptions,
  durationOption,
  formatClock,
  formatKb,
  intern,
  levelValue,
  TECHNIQUES,
  z,
  type DetectorContext,
  type ToolUseEvent,
} from '../src/sdk/index.js';

/**
 * Far more data moved than this agent moves: bulk reading or exfiltration through legitimate
 * tools, usually in many calls that each move several times what the same tool usually moves.
 *
 * Why calls and not only window totals: agents' single calls are heavy-tailed (one export of
 * 50 MB among reads of 20 KB, a nightly batch of large pages), so a 5-minute total far above the
 * usual happens to healthy agents several times a week. What does not happen to them is call
 * after call above its tool's usual size. The detector runs Page's CUSUM over the calls: each call
 * adds its size z-score against its tool's usual size (log scale, in units of the agent's own
 * variation, clipped), minus a slack; the alert is raised when the sum passes the threshold,
 * which a sustained shift of 1.5σ does within about ten calls (minutes, within one window for an
 * exfiltration at a few calls a minute), and a healthy agent essentially never does. The alert
 * states the window's volume against the agent's peaks for this hour of day and its typical window.
 */

const options = z.strictObject({
  learning_period: durationOption('3d', "event time from the agent's first event during which it only learns"),
  slack: z.number().nonnegative().default(0.75).describe('CUSUM slack k: the call size z-score a call must exceed to add to the sum'),
  threshold: z.number().gt(0).default(10).describe('CUSUM threshold h: the accumulated excess (in z units) that raises the alert'),
  clip: z.number().gt(0).default(4).describe('largest contribution of a single call (z units): one huge call cannot raise the alert alone'),
  min_kb: z.number().nonnegative().default(512).describe('smallest window total (KB, the call included) worth an alert'),
  window_factor: z.number().gt(1).default(2).describe('window path: the window total without its largest call exceeds this multiple of the largest such window the agent ever had (at any hour)'),
  window_min_kb: z.number().nonnegative().default(1024).describe('window path: …and at least this many KB'),
  window_min_calls: z.number().int().min(1).default(10).describe('window path: …in at least this many calls'),
  window_calls_factor: z.number().gt(1).default(1.5).describe("window path: …more than this multiple of the agent's busiest window around this hour of day"),
  window_call_z: z.number().nonnegative().default(3).describe("window path: …whose calls are larger than their tools' usual by this z (mean over the window)"),
  hour_radius: z.number().int().min(0).max(12).default(1).describe('hours either side whose peaks count as "this time of day" in the alert'),
  cooldown: durationOption('1h', 'after an alert, the agent stays quiet for this long'),
});
type Options = z.output<typeof options>;

/**
 * The window path, for a burst of many calls that are each only somewhat larger than usual: the
 * window (without its largest call) moves more than `window_factor` × anything the agent moved in a
 * window before, in more calls than it makes around this hour, and its calls are consistently larger
 * than usual. Cheap gates first; allocates only when the window total already qualifies.
 */
function windowBurst(event: ToolUseEvent, ctx: DetectorContext<Options, State>): boolean {
  const o = ctx.options;
  const baseline = ctx.baseline;
  const bytes = event.bytes ?? 0;
  const time = event.timeMs;
  const trimmed = baselineObserved(baseline, 'bytes', time, bytes);
  if (!(trimmed >= o.window_min_kb) || !(trimmed > o.window_factor * levelValue(baselinePeakLevel(baseline, 'bytes', time)))) return false;
  const calls = baselineWindowTotal(baseline, 'events', time) + 1;
  if (calls < o.window_min_calls || !(calls > o.window_calls_factor * levelValue(baselineHourPeakLevel(baseline, 'events', time, o.hour_radius)))) return false;
  return baselineCallShift(baseline, event.tool, bytes, time).z >= o.window_call_z;
}

interface State {
  /** CUSUM of call size z-scores (≥ 0). */
  s: number;
  /** Event time of the first call of the run that the CUSUM sums (0 while it is 0). */
  from: number;
  /** Event time until which the agent stays quiet after an alert (ms). */
  until: number;
  /** The open window's largest call as this detector saw it: [event id, tool, system, bytes]; [] before any. */
  big: string[];
}

const paramsOf = fromOptions((o: Options) => ({ learning: durationMs(o.learning_period), cooldown: durationMs(o.cooldown) }));

/** The CUSUM after this call (the state's, when the call cannot be judged). Allocation-free. */
function next(event: ToolUseEvent, ctx: DetectorContext<Options, State>): number {
  const s = ctx.state.s;
  const bytes = event.bytes;
  if (bytes === undefined || !(bytes > 0)) return s;
  const callZ = baselineCallZ(ctx.baseline, event.tool, bytes);
  if (Number.isNaN(callZ)) return s;
  const o = ctx.options;
  const sum = s + (callZ < o.clip ? callZ : o.clip) - o.slack;
  return sum > 0 ? sum : 0;
}

/** Whether this call raises the alert, given the CUSUM after it: by the run of oversized calls, or by the window path. */
function raises(event: ToolUseEvent, ctx: DetectorContext<Options, State>, sum: number): boolean {
  const o = ctx.options;
  if (event.timeMs < ctx.state.until || !((event.bytes ?? 0) > 0)) return false;
  if (baselineAge(ctx.baseline, ctx.now) < paramsOf(o).learning) return false;
  if (sum > o.threshold && (baselineWindowTotal(ctx.baseline, 'bytes', event.timeMs) + (event.bytes ?? 0)) / 1024 >= o.min_kb) return true;
  return windowBurst(event, ctx);
}

interface LargestCall {
  /** Undefined when the window's largest call is not one this detector saw (excepted from it by the config). */
  eventId?: string;
  tool?: string;
  system?: string;
  bytes: number;
}

/** The largest call of the event's window, the event included. */
function largestCall(event: ToolUseEvent, ctx: DetectorContext<Options, State>): LargestCall {
  const before = baselineWindowLargest(ctx.baseline, 'bytes', event.timeMs);
  const bytes = event.bytes ?? 0;
  if (bytes > before) return { eventId: event.id, tool: event.tool, system: event.system, bytes };
  const big = ctx.state.big;
  // The baseline's largest is the one remembered, unless the baseline counted a call this detector did not see.
  if (big.length === 4 && Number(big[3]) === before) return { eventId: big[0], tool: big[1], system: big[2], bytes: before };
  return { bytes: before };
}

const VERBS: Record<string, string> = { read: 'read', write: 'wrote', delete: 'deleted', send: 'sent', execute: 'moved', transfer: 'transferred', admin: 'moved' };

export default defineDetector({
  id: 'volume-spike',
  // 2.0: the state holds the run's start and the window's largest call (a 1.x state starts afresh).
  version: '2.0.0',
  description:
    "Bytes moved by an agent far above its own baseline: Page's CUSUM over its calls of the size z-score of each call " +
    "against its tool's usual bytes per call (log scale, in units of the agent's own variation, clipped at clip), minus " +
    'slack; raised when the sum passes threshold and the 5-minute window holds at least min_kb, i.e. when call after ' +
    'call moves several times the usual (bulk read, exfiltration in chunks), not on one large call. The alert states ' +
    "the window's volume against the agent's peak for this hour of day and its typical window. Quiet during the " +
    'learning period and for cooldown after an alert; key volume, window the 5-minute window.',
  eventTypes: ['tool_use'],
  maturity: 'stable',
  techniques: [TECHNIQUES.dataTransferSizeLimits, TECHNIQUES.automatedExfiltration, TECHNIQUES.exfiltrationOverWebService, TECHNIQUES.dataFromInformationRepositories, TECHNIQUES.toolMisuse],
  severity: 'high',
  options,
  createState: (): State => ({ s: 0, from: 0, until: 0, big: [] }),
  score(event, ctx) {
    const sum = next(event, ctx);
    if (!raises(event, ctx, sum)) return undefined;
    const id = event.agent.id;
    const baseline = ctx.baseline;
    const o = ctx.options;
    const time = event.timeMs;
    const bytes = event.bytes ?? 0;
    const start = Math.floor(time / BASELINE_WINDOW_MS) * BASELINE_WINDOW_MS;
    const end = start + BASELINE_WINDOW_MS;
    const windowKb = (baselineWindowTotal(baseline, 'bytes', time) + bytes) / 1024;
    // Peaks are learned without each window's largest call: the window is compared the same way.
    const trimmedKb = baselineObserved(baseline, 'bytes', time, bytes);
    const largest = largestCall(event, ctx);
    let peakLevel = baselineHourPeakLevel(baseline, 'bytes', time, o.hour_radius);
    const peakScope = peakLevel > 0 ? 'hour' : 'day';
    if (peakLevel === 0) peakLevel = baselinePeakLevel(baseline, 'bytes', time);
    const peakKb = levelValue(peakLevel);
    const typical = baselineTypical(baseline, 'bytes');
    const shift = baselineCallShift(baseline, event.tool, bytes, time);
    const verb = VERBS[event.action] ?? 'moved';
    const ratio = peakKb > 0 ? trimmedKb / peakKb : undefined;
    const byRun = sum > o.threshold;
    const since = byRun && ctx.state.s > 0 ? Math.min(ctx.state.from, start) : start;
    const token = event.token;
    const agent = ctx.agent;
    const peakText =
      peakKb > 0
        ? `without its largest call ${formatKb(trimmedKb)}, against at most ${formatKb(peakKb)} in its largest such window ${peakScope === 'hour' ? `around ${formatClock(start)} UTC` : 'at any hour'} ` +
          `(${ratio!.toFixed(1)}×; peaks are rounded up and fade by about 16% a day)`
        : `without its largest call ${formatKb(trimmedKb)}, while none of its earlier 5-min windows moved data beyond their largest call (nothing to compare with)`;
    const typicalText = typical.windows > 0 ? `; its typical active window is ${formatKb(typical.median)} ± ${formatKb(typical.spread)}` : '';
    const largestWhere = largest.tool === undefined ? '' : ` ${largest.tool} on ${largest.system}`;
    const largestText = `largest call${largestWhere}, ${formatKb(largest.bytes / 1024)}`;
    return {
      key: 'volume',
      title: `${id} ${verb} ${formatKb(windowKb)} in 5 minutes, ${byRun ? `calls on average ${shift.factor.toFixed(0)}× their usual size` : `${ratio === undefined ? 'far more than' : `${ratio.toFixed(0)}×`} its largest window`}`,
      summary:
        `${id} ${verb} ${formatKb(windowKb)} in 5 min (${formatClock(start)}–${formatClock(end)} UTC) in ${shift.calls} calls (${largestText}; ` +
        `latest ${event.tool} on ${event.system}${event.resource === undefined ? '' : `, ${event.resource}`}, ${formatKb(bytes / 1024)}), on average ` +
        `${shift.factor.toFixed(1)}× the usual bytes per call of their tools: ${peakText}${typicalText}. ` +
        (byRun
          ? `Raised by the run of oversized calls since ${formatClock(since)} UTC: it scores ${sum.toFixed(1)} against a threshold of ${o.threshold} (CUSUM of call size z-scores).`
          : `Raised by the window: without its largest call it is ${(trimmedKb / Math.max(levelValue(baselinePeakLevel(baseline, 'bytes', time)), 1)).toFixed(1)}× the largest the agent ever had, in more calls than it makes at this hour (call size z ${shift.z.toFixed(1)}).`),
      severity: shift.factor >= 8 || (ratio !== undefined && ratio >= 10) ? 'high' : 'medium',
      score: Math.min(98, 60 + 8 * Math.log2(1 + shift.factor) + (ratio === undefined ? 10 : Math.min(15, 3 * Math.log2(1 + ratio)))),
      observed: {
        window_kb: Math.round(windowKb),
        window_kb_without_largest_call: Math.round(trimmedKb),
        window_start: new Date(start).toISOString(),
        calls: shift.calls,
        call_size_factor: Math.round(shift.factor * 10) / 10,
        cusum: Math.round(sum * 10) / 10,
        raised_by: byRun ? 'oversized calls' : 'window',
        ...(byRun ? { run_start: new Date(since).toISOString() } : {}),
        largest_call_kb: Math.round(largest.bytes / 1024),
        ...(largest.tool === undefined ? {} : { largest_call_tool: largest.tool, largest_call_system: largest.system }),
        system: event.system,
        tool: event.tool,
        action: event.action,
        ...(token === undefined ? {} : { token }),
      },
      expected: {
        peak_kb: Math.round(peakKb),
        peak_scope: peakScope,
        ...(typical.windows > 0 ? { typical_kb: Math.round(typical.median), spread_kb: Math.round(typical.spread) } : {}),
        call_size_factor: 1,
        cusum_threshold: o.threshold,
      },
      evidence: largest.eventId === undefined || largest.eventId === event.id ? undefined : [largest.eventId],
      scope: agent === undefined ? undefined : { systems: agent.scope.systems, tools: agent.scope.tools },
      recommendation:
        `Ask ${agent?.custodian === undefined ? "the agent's operators" : `custodian ${agent.custodian}`} whether ${id} was given a bulk job; if not, ` +
        `${token === undefined ? "revoke the agent's credentials" : `revoke token fingerprint ${token}`}, suspend ${id} and review what it ${verb} ` +
        `since ${formatClock(since)} UTC (${largest.tool === undefined || largest.system === event.system ? `on ${event.system}` : `first ${largest.tool} on ${largest.system}, and ${event.system}`}) and where it went next.`,
      window: { start, end },
    };
  },
  learn(event, ctx) {
    const state = ctx.state;
    const o = ctx.options;
    const sum = next(event, ctx);
    if (raises(event, ctx, sum)) state.until = event.timeMs + paramsOf(o).cooldown;
    // Past the threshold the sum restarts (an alarm, reported or not: learning, cooldown, small window).
    const restarts = sum > o.threshold || !(sum > 0);
    state.from = restarts ? 0 : state.s > 0 ? state.from : event.timeMs;
    state.s = restarts ? 0 : Math.round(sum * 1000) / 1000;
    const bytes = event.bytes ?? 0;
    // A call of the open window (or the first of a new one; not a late one) larger than any before it in the window.
    const inWindow = Math.floor(event.timeMs / BASELINE_WINDOW_MS) >= ctx.baseline.win;
    if (inWindow && bytes > 0 && bytes > baselineWindowLargest(ctx.baseline, 'bytes', event.timeMs)) {
      const big = state.big;
      // In place: with one call per window (most agents, most of the time) every call is the largest.
      if (big.length !== 4) state.big = [event.id, intern(event.tool), intern(event.system), String(bytes)];
      else {
        big[0] = event.id;
        if (big[1] !== event.tool) big[1] = intern(event.tool);
        if (big[2] !== event.system) big[2] = intern(event.system);
        big[3] = String(bytes);
      }
    }
  },
});
