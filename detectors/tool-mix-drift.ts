import {
  baselineAge,
  categoryCount,
  categoryDivergence,
  createCategoryCounts,
  defineDetector,
  durationMs,
  durationOption,
  formatClock,
  TECHNIQUES,
  resetCategoryCounts,
  updateCategoryCounts,
  z,
  type CategoryCountsState,
  type DetectorContext,
  type ToolUseEvent,
} from '../src/sdk/index.js';

/**
 * The mix of tools an agent used in a recent window diverges from its long-run mix: the same
 * agent identity doing a different job (goal hijack, tool misuse), even when every tool is in
 * scope and none is new. Jensen–Shannon divergence (base 2, 0–1) between the window's tool counts
 * and the baseline's decayed counts, read at checkpoints (every min_calls calls of the window),
 * never per event, and only with min_calls calls in the window (small samples inflate it).
 */

const options = z.strictObject({
  learning_period: durationOption('3d', "event time from the agent's first event during which its mix is learned, not compared"),
  window: durationOption('1h', 'the recent window compared with the baseline mix (event time, aligned)'),
  min_calls: z.number().int().min(5).default(30).describe('tool calls the window needs before it is compared; also the checkpoint interval'),
  min_baseline_calls: z.number().int().min(10).default(300).describe('tool calls the baseline mix needs before any comparison'),
  threshold: z.number().gt(0).max(1).default(0.35).describe('Jensen–Shannon divergence (bits, 0–1) at or above which the window is reported'),
  min_shift: z.number().gt(0).max(1).default(0.3).describe('share of the window that must sit on tools that gained against the baseline (their total gain)'),
});
type Options = z.output<typeof options>;

interface State {
  /** Index of the recent window (⌊time / window⌋); −1 before any. */
  w: number;
  /** Tool counts of window `w`. */
  c: CategoryCountsState;
  /** Window index of the last alert; −1 before any. */
  a: number;
}

const cache = new WeakMap<Options, { learning: number; window: number }>();
function paramsOf(o: Options) {
  let params = cache.get(o);
  if (params === undefined) cache.set(o, (params = { learning: durationMs(o.learning_period), window: durationMs(o.window) }));
  return params;
}

/**
 * Share gained by the tools whose share in the window exceeds their baseline share (the total
 * variation distance), and the tool that gained most. Run only at a checkpoint.
 */
function shift(baseline: CategoryCountsState, recent: CategoryCountsState): { gain: number; tool: string; recentShare: number; baselineShare: number } {
  let gain = 0;
  let best = { gain: -1, tool: '', recentShare: 0, baselineShare: 0 };
  for (let i = 0; i < recent.names.length; i++) {
    const tool = recent.names[i] as string;
    const recentShare = (recent.counts[i] as number) / recent.total;
    const baselineShare = (categoryCount(baseline, tool) ?? 0) / baseline.total;
    const d = recentShare - baselineShare;
    if (d > 0) gain += d;
    if (d > best.gain) best = { gain: d, tool, recentShare, baselineShare };
  }
  const otherGain = recent.other / recent.total - baseline.other / baseline.total;
  if (otherGain > 0) gain += otherGain;
  return { gain, tool: best.tool, recentShare: best.recentShare, baselineShare: best.baselineShare };
}

/** The divergence of the window, when this event is at a checkpoint and it crosses the threshold; else NaN. */
function judge(event: ToolUseEvent, ctx: DetectorContext<Options, State>): number {
  const state = ctx.state;
  const o = ctx.options;
  const params = paramsOf(o);
  const win = Math.floor(event.timeMs / params.window);
  if (win !== state.w || state.a === win) return Number.NaN;
  const n = state.c.total;
  if (n < o.min_calls || n % o.min_calls !== 0) return Number.NaN;
  const baseline = ctx.baseline;
  if (baseline.mix.total < o.min_baseline_calls || baselineAge(baseline, ctx.now) < params.learning) return Number.NaN;
  const divergence = categoryDivergence(baseline.mix, state.c);
  if (!(divergence >= o.threshold)) return Number.NaN;
  if (shift(baseline.mix, state.c).gain < o.min_shift) return Number.NaN;
  return divergence;
}

function top(counts: CategoryCountsState, limit: number): Array<{ tool: string; share: number }> {
  const total = counts.total;
  return counts.names
    .map((tool, i) => ({ tool, share: Math.round(((counts.counts[i] as number) / total) * 1000) / 1000 }))
    .sort((a, b) => b.share - a.share)
    .slice(0, limit);
}

const percent = (x: number): string => `${Math.round(x * 100)}%`;

export default defineDetector({
  id: 'tool-mix-drift',
  version: '1.0.0',
  description:
    "The distribution of tools an agent called in a recent window (default 1 h, aligned) diverges from its long-run tool mix " +
    '(the baseline\'s decayed counts): Jensen–Shannon divergence ≥ threshold and at least min_shift of the window moved to ' +
    'tools that gained share. Read every min_calls calls of the window, with at least min_calls calls and a baseline of ' +
    'min_baseline_calls; quiet during the learning period. One alert per agent per window (key mix).',
  eventTypes: ['tool_use'],
  maturity: 'incubating',
  techniques: [TECHNIQUES.toolMisuse, TECHNIQUES.goalHijack, TECHNIQUES.rogueAgents, TECHNIQUES.dataFromInformationRepositories],
  severity: 'medium',
  options,
  createState: (): State => ({ w: -1, c: createCategoryCounts({ k: 8 }), a: -1 }),
  score(event, ctx) {
    const divergence = judge(event, ctx);
    if (Number.isNaN(divergence)) return undefined;
    const id = event.agent.id;
    const state = ctx.state;
    const baseline = ctx.baseline;
    const moved = shift(baseline.mix, state.c);
    const windowMs = paramsOf(ctx.options).window;
    const start = state.w * windowMs;
    const agent = ctx.agent;
    const recentTop = top(state.c, 5);
    const baselineTop = top(baseline.mix, 5);
    return {
      key: 'mix',
      title: `${id} is using a different mix of tools (divergence ${divergence.toFixed(2)})`,
      summary:
        `${id}'s last ${state.c.total} tool calls since ${formatClock(start)} UTC diverge from its usual tool mix (Jensen–Shannon ` +
        `${divergence.toFixed(2)}, threshold ${ctx.options.threshold}): ${percent(moved.gain)} of the calls moved to other tools; ` +
        `${moved.tool} took ${percent(moved.recentShare)} of them against ${percent(moved.baselineShare)} of its baseline ` +
        `(usually: ${baselineTop.map((entry) => `${entry.tool} ${percent(entry.share)}`).join(', ')}).`,
      severity: divergence >= 0.6 ? 'high' : 'medium',
      score: Math.min(95, 40 + 60 * divergence),
      observed: { calls: state.c.total, window_start: new Date(start).toISOString(), divergence: Math.round(divergence * 1000) / 1000, top_tools: recentTop, latest: event.tool },
      expected: { top_tools: baselineTop, baseline_calls: baseline.mix.total, threshold: ctx.options.threshold },
      scope: agent === undefined ? undefined : { tools: agent.scope.tools },
      recommendation:
        `Ask ${agent?.custodian === undefined ? "the agent's operators" : `custodian ${agent.custodian}`} whether ${id} was given a new task; if not, ` +
        `review ${event.agent.session === undefined ? 'its recent sessions' : `session ${event.agent.session}`} for injected instructions ` +
        `(the calls to ${moved.tool} first) and suspend the agent until the change is explained.`,
      window: { start, end: start + windowMs },
    };
  },
  learn(event, ctx) {
    const state = ctx.state;
    const win = Math.floor(event.timeMs / paramsOf(ctx.options).window);
    if (!Number.isNaN(judge(event, ctx))) state.a = win;
    if (win !== state.w) {
      if (win < state.w) return;
      state.w = win;
      resetCategoryCounts(state.c);
    }
    updateCategoryCounts(state.c, event.tool);
  },
});
