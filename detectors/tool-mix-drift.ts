import {
  baselineAge,
  categoryCount,
  defineDetector,
  durationMs,
  durationOption,
  formatDuration,
  TECHNIQUES,
  z,
  type CategoryCountsState,
  type DetectorContext,
  type ToolUseEvent,
} from '../src/sdk/index.js';

/**
 * The mix of tools an agent uses drifts away from its long-run mix: the same identity doing a
 * different job (goal hijack, tool misuse), even when every tool is in scope and none is new.
 *
 * A sequential test rather than a comparison of fixed windows: agents work in sessions, and one
 * session often uses a few tools over and over, so the mix of any hour differs from the long-run
 * mix by chance (a JS divergence of 0.4 for an hour of 30 calls is common). Each call contributes
 * its surprise under the baseline mix, −log2 P(tool), minus the entropy of that mix (its expected
 * surprise) and a slack k; Page's CUSUM accumulates that over calls, so the alert needs a run of
 * calls on tools the agent rarely uses, sustained beyond what its own sessions produce. The
 * threshold calibrates itself per agent: the sum must pass both `threshold` and `peak_factor` ×
 * the largest excursion the agent's normal work produced before (learned during the learning
 * period and after), so an agent whose sessions are naturally bursty needs a stronger drift.
 */

const options = z.strictObject({
  learning_period: durationOption('3d', "event time from the agent's first event during which its mix is learned, not reported"),
  slack: z.number().nonnegative().default(1).describe('bits of surprise per call above the mix entropy that a call must exceed to add to the sum'),
  threshold: z.number().gt(0).default(25).describe('accumulated excess surprise (bits) that raises the alert'),
  peak_factor: z.number().min(1).default(4).describe("the sum must also exceed this multiple of the agent's largest excursion so far"),
  clip: z.number().gt(0).default(7).describe('largest surprise of a single call (bits): a never-seen tool is first-seen-tool\'s case'),
  min_baseline_calls: z.number().int().min(10).default(300).describe('tool calls the baseline mix needs before calls are judged'),
  cooldown: durationOption('1d', 'after an alert, the agent stays quiet for this long'),
});
type Options = z.output<typeof options>;

interface State {
  /** CUSUM of excess surprise (bits, ≥ 0). */
  s: number;
  /** Largest value of the current excursion (since the sum last was 0). */
  cur: number;
  /** Largest completed excursion: what the agent's normal work produces. */
  peak: number;
  /** Entropy (bits) of the baseline mix, refreshed every 32 calls. */
  h: number;
  /** Calls judged (for the entropy refresh). */
  n: number;
  /** Event time until which the agent stays quiet after an alert (ms). */
  until: number;
}

const cache = new WeakMap<Options, { learning: number; cooldown: number }>();
function paramsOf(o: Options) {
  let params = cache.get(o);
  if (params === undefined) cache.set(o, (params = { learning: durationMs(o.learning_period), cooldown: durationMs(o.cooldown) }));
  return params;
}

function entropy(mix: CategoryCountsState): number {
  const total = mix.total;
  let h = 0;
  for (let i = 0; i < mix.counts.length; i++) {
    const p = (mix.counts[i] as number) / total;
    if (p > 0) h -= p * Math.log2(p);
  }
  if (mix.other > 0) {
    const p = mix.other / total;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * Surprise (bits) of a call of `tool` under the baseline mix. A tool folded into "other" gets the
 * whole "other" share (an upper bound of its own, so a lower bound of its surprise); a tool never
 * counted gets half a call's worth.
 */
function surprise(mix: CategoryCountsState, tool: string): number {
  const count = categoryCount(mix, tool) ?? mix.other;
  return -Math.log2((count > 0.5 ? count : 0.5) / mix.total);
}

/** The CUSUM after this call, or −1 when the call is not judged (baseline too small). Allocation-free. */
function next(event: ToolUseEvent, ctx: DetectorContext<Options, State>): number {
  const mix = ctx.baseline.mix;
  const o = ctx.options;
  if (mix.total < o.min_baseline_calls) return -1;
  const state = ctx.state;
  const h = state.h > 0 ? state.h : entropy(mix);
  const bits = surprise(mix, event.tool);
  const sum = state.s + (bits < o.clip ? bits : o.clip) - h - o.slack;
  return sum > 0 ? sum : 0;
}

function raises(event: ToolUseEvent, ctx: DetectorContext<Options, State>, sum: number): boolean {
  const o = ctx.options;
  const state = ctx.state;
  if (!(sum > o.threshold) || !(sum > o.peak_factor * state.peak) || event.timeMs < state.until) return false;
  return baselineAge(ctx.baseline, ctx.now) >= paramsOf(o).learning;
}

function topTools(mix: CategoryCountsState, limit: number): Array<{ tool: string; share: number }> {
  return mix.names
    .map((tool, i) => ({ tool, share: Math.round(((mix.counts[i] as number) / mix.total) * 1000) / 1000 }))
    .sort((a, b) => b.share - a.share)
    .slice(0, limit);
}

const percent = (x: number): string => (x < 0.01 ? `${(x * 100).toFixed(1)}%` : `${Math.round(x * 100)}%`);

export default defineDetector({
  id: 'tool-mix-drift',
  version: '1.0.0',
  description:
    "The tools an agent calls drift away from its long-run mix (the baseline's decayed counts per tool): Page's CUSUM " +
    'over its calls of the surprise of each tool under that mix (−log2 share, clipped at clip bits) minus the mix entropy ' +
    'and slack; raised when the sum passes threshold and peak_factor × the largest excursion the agent produced before ' +
    '(self-calibrated to how bursty its sessions are). Judged once the mix holds min_baseline_calls calls; quiet during ' +
    'the learning period and for cooldown after an alert. Key mix.',
  eventTypes: ['tool_use'],
  maturity: 'incubating',
  techniques: [TECHNIQUES.toolMisuse, TECHNIQUES.goalHijack, TECHNIQUES.rogueAgents, TECHNIQUES.dataFromInformationRepositories],
  severity: 'medium',
  options,
  createState: (): State => ({ s: 0, cur: 0, peak: 0, h: 0, n: 0, until: 0 }),
  score(event, ctx) {
    const sum = next(event, ctx);
    if (sum < 0 || !raises(event, ctx, sum)) return undefined;
    const id = event.agent.id;
    const o = ctx.options;
    const state = ctx.state;
    const mix = ctx.baseline.mix;
    const share = (categoryCount(mix, event.tool) ?? 0) / mix.total;
    const usual = topTools(mix, 5);
    const agent = ctx.agent;
    const day = 86_400_000;
    const start = Math.floor(event.timeMs / day) * day;
    return {
      key: 'mix',
      title: `${id} has been calling tools it rarely uses`,
      summary:
        `${id}'s recent calls keep landing on tools it rarely uses (latest: ${event.tool} on ${event.system}, ${percent(share)} of its ` +
        `calls over ${formatDuration(ctx.now - ctx.baseline.t0)}). The surprise of its calls under its usual mix ` +
        `(${usual.map((entry) => `${entry.tool} ${percent(entry.share)}`).join(', ')}) has run ${sum.toFixed(0)} bits above what that ` +
        `mix predicts, against a threshold of ${Math.max(o.threshold, o.peak_factor * state.peak).toFixed(0)} (its normal sessions have reached ${state.peak.toFixed(0)}).`,
      severity: sum >= 2 * Math.max(o.threshold, o.peak_factor * state.peak) ? 'high' : 'medium',
      score: Math.min(90, 50 + 20 * Math.log2(sum / Math.max(o.threshold, o.peak_factor * state.peak, 1) + 1)),
      observed: { excess_surprise_bits: Math.round(sum * 10) / 10, latest_tool: event.tool, latest_tool_share: Math.round(share * 1000) / 1000 },
      expected: {
        usual_tools: usual,
        threshold_bits: Math.round(Math.max(o.threshold, o.peak_factor * state.peak) * 10) / 10,
        largest_normal_excursion_bits: Math.round(state.peak * 10) / 10,
        baseline_calls: mix.total,
      },
      scope: agent === undefined ? undefined : { tools: agent.scope.tools },
      recommendation:
        `Ask ${agent?.custodian === undefined ? "the agent's operators" : `custodian ${agent.custodian}`} whether ${id} was given a new task; if not, ` +
        `review ${event.agent.session === undefined ? 'its recent sessions' : `session ${event.agent.session}`} for injected instructions ` +
        `(its calls to ${event.tool} first) and suspend the agent until the change is explained.`,
      window: { start, end: start + day },
    };
  },
  learn(event, ctx) {
    const state = ctx.state;
    const sum = next(event, ctx);
    if (sum < 0) return;
    if (raises(event, ctx, sum)) state.until = event.timeMs + paramsOf(ctx.options).cooldown;
    if (sum === 0) {
      if (state.cur > state.peak) state.peak = state.cur;
      state.cur = 0;
    } else if (sum > state.cur) {
      state.cur = Math.round(sum * 1000) / 1000;
    }
    state.s = Math.round(sum * 1000) / 1000;
    state.n += 1;
    if (state.h === 0 || state.n % 32 === 0) state.h = Math.round(entropy(ctx.baseline.mix) * 1000) / 1000;
  },
});
