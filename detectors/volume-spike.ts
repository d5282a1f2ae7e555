import {
  baselineAge,
  baselineSpike,
  baselineSpikeGate,
  BASELINE_WINDOW_MS,
  defineDetector,
  durationMs,
  durationOption,
  formatClock,
  formatCount,
  formatKb,
  TECHNIQUES,
  z,
  type Spike,
  type SpikeParams,
  type ToolUseEvent,
  type DetectorContext,
} from '../src/sdk/index.js';

/**
 * Bytes or records moved in a 5-minute window far above what this agent moves at this time of
 * day: bulk reading or exfiltration through a legitimate tool. Judged against the agent's own
 * baseline (per-hour-of-day peaks and its typical active window), so a nightly batch that always
 * moves gigabytes at 03:00 is normal at 03:00.
 */

const options = z.strictObject({
  learning_period: durationOption('3d', "event time from the agent's first event during which it only learns"),
  factor: z.number().gt(1).default(4).describe('the window total must exceed this multiple of the largest window the agent had around this hour of day'),
  min_kb: z.number().nonnegative().default(1024).describe('smallest window total worth an alert, in KB'),
  min_records: z.number().nonnegative().default(1000).describe('smallest window record count worth an alert'),
  min_z: z.number().nonnegative().default(6).describe('robust z of the window total against the typical active window (median, MAD) it must reach'),
  min_windows: z.number().int().min(1).default(6).describe('active windows needed before the robust z applies'),
  hour_radius: z.number().int().min(0).max(12).default(1).describe('hours either side whose peaks count as "this time of day"'),
  cooldown: durationOption('1h', 'after an alert, later windows of the same agent stay quiet for this long'),
});
type Options = z.output<typeof options>;

interface State {
  /** Window index (5 min) of the last alert; −1 before any. */
  w: number;
  /** Event time until which later windows stay quiet (ms). */
  until: number;
}

const paramsCache = new WeakMap<Options, { bytes: SpikeParams; records: SpikeParams; learning: number; cooldown: number }>();
function paramsOf(o: Options) {
  let params = paramsCache.get(o);
  if (params === undefined) {
    const common = { factor: o.factor, minZ: o.min_z, minWindows: o.min_windows, radius: o.hour_radius };
    params = {
      bytes: { ...common, minimum: o.min_kb },
      records: { ...common, minimum: o.min_records },
      learning: durationMs(o.learning_period),
      cooldown: durationMs(o.cooldown),
    };
    paramsCache.set(o, params);
  }
  return params;
}

/** The spike this event completes, if any: bytes first, then records. Allocation-free when there is none. */
function judge(event: ToolUseEvent, ctx: DetectorContext<Options, State>): Spike | undefined {
  const bytes = event.bytes ?? 0;
  const records = event.records ?? 0;
  if (!(bytes > 0) && !(records > 0)) return undefined;
  const state = ctx.state;
  const time = event.timeMs;
  if (Math.floor(time / BASELINE_WINDOW_MS) === state.w || time < state.until) return undefined;
  const baseline = ctx.baseline;
  const params = paramsOf(ctx.options);
  if (baselineAge(baseline, ctx.now) < params.learning) return undefined;
  if (bytes > 0 && baselineSpikeGate(baseline, 'bytes', time, bytes, params.bytes)) {
    const spike = baselineSpike(baseline, 'bytes', time, bytes, params.bytes);
    if (spike !== undefined) return spike;
  }
  if (records > 0 && baselineSpikeGate(baseline, 'records', time, records, params.records)) {
    return baselineSpike(baseline, 'records', time, records, params.records);
  }
  return undefined;
}

const VERBS: Record<string, string> = { read: 'read', write: 'wrote', delete: 'deleted', send: 'sent', execute: 'moved', transfer: 'transferred', admin: 'moved' };

export default defineDetector({
  id: 'volume-spike',
  version: '1.0.0',
  description:
    'Bytes (or records) moved by an agent in a 5-minute event-time window far above its own baseline for that time of day: ' +
    'the window total must reach min_kb (min_records), exceed factor × the largest window the agent had within ' +
    'hour_radius hours of this hour of day (or of any hour, when it has no history at this hour), and reach a robust ' +
    'z of min_z against its typical active window. Quiet during the learning period and for cooldown after an alert. ' +
    'Raised as soon as the window crosses the threshold; one alert per agent per window (key volume).',
  eventTypes: ['tool_use'],
  maturity: 'incubating',
  techniques: [TECHNIQUES.dataTransferSizeLimits, TECHNIQUES.automatedExfiltration, TECHNIQUES.exfiltrationOverWebService, TECHNIQUES.dataFromInformationRepositories, TECHNIQUES.toolMisuse],
  severity: 'high',
  options,
  createState: (): State => ({ w: -1, until: 0 }),
  score(event, ctx) {
    const spike = judge(event, ctx);
    if (spike === undefined) return undefined;
    const id = event.agent.id;
    const bytes = spike.metric === 'bytes';
    const show = (x: number): string => (bytes ? formatKb(x) : `${formatCount(Math.round(x))} records`);
    const start = spike.windowStart;
    const end = start + BASELINE_WINDOW_MS;
    const verb = VERBS[event.action] ?? 'moved';
    const ratio = Number.isFinite(spike.ratio) ? spike.ratio : undefined;
    const expectedText =
      spike.peakScope === 'none'
        ? `it never moved ${bytes ? 'data' : 'records'} before`
        : `its largest 5-min window ${spike.peakScope === 'hour' ? `around ${formatClock(start)} UTC` : 'at any hour (it has no history at this hour)'} is ${show(spike.peak)}`;
    const typicalText = Number.isNaN(spike.z)
      ? ''
      : `, its typical active window ${show(spike.typical.median)} ± ${show(spike.typical.spread)} (robust z ${Math.round(spike.z)})`;
    const severity = ratio === undefined || ratio >= 10 ? 'high' : 'medium';
    const score = Math.min(99, 55 + 10 * Math.log2(ratio === undefined ? 64 : ratio / ctx.options.factor + 1));
    const unit = bytes ? 'kb' : 'records';
    const token = event.token;
    const agent = ctx.agent;
    return {
      key: 'volume',
      title: `${id} ${verb} ${show(spike.observed)} in 5 minutes, ${ratio === undefined ? 'far' : `${ratio.toFixed(ratio >= 10 ? 0 : 1)}×`} above its baseline`,
      summary:
        `${id} ${verb} ${show(spike.observed)} in 5 min (${formatClock(start)}–${formatClock(end)} UTC; this call: ${event.tool} ` +
        `on ${event.system}${event.resource === undefined ? '' : `, ${event.resource}`}); ${expectedText}${typicalText}.`,
      severity,
      score,
      observed: {
        [`window_${unit}`]: Math.round(spike.observed),
        window_start: new Date(start).toISOString(),
        system: event.system,
        tool: event.tool,
        action: event.action,
        ...(token === undefined ? {} : { token }),
      },
      expected: {
        [`peak_${unit}`]: Math.round(spike.peak),
        peak_scope: spike.peakScope,
        ...(Number.isNaN(spike.z)
          ? {}
          : { [`typical_${unit}`]: Math.round(spike.typical.median), [`spread_${unit}`]: Math.round(spike.typical.spread), robust_z: Math.round(spike.z * 10) / 10 }),
        factor: ctx.options.factor,
      },
      scope: agent === undefined ? undefined : { systems: agent.scope.systems, tools: agent.scope.tools },
      recommendation:
        `Ask ${agent?.custodian === undefined ? "the agent's operators" : `custodian ${agent.custodian}`} whether ${id} was given a bulk job; if not, ` +
        `${token === undefined ? "revoke the agent's credentials" : `revoke token fingerprint ${token}`}, suspend ${id} and review what it ${verb} ` +
        `from ${event.system} between ${formatClock(start)} and ${formatClock(end)} UTC and where it went next.`,
      window: { start, end },
    };
  },
  learn(event, ctx) {
    if (judge(event, ctx) === undefined) return;
    const state = ctx.state;
    state.w = Math.floor(event.timeMs / BASELINE_WINDOW_MS);
    state.until = event.timeMs + paramsOf(ctx.options).cooldown;
  },
});
