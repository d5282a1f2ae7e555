/**
 * The "window total far above the agent's own peak for this hour" judgement, shared by the
 * built-in rate-spike, token-burst and denial-burst detectors and open to plugin detectors: the
 * options every such detector takes, its per-agent state (the last alerted window and a cooldown),
 * and the judgement of an event's 5-minute window against the agent's baseline.
 *
 * ```ts
 * const spike = windowSpike('tokens', 'min_tokens');
 * const options = z.strictObject(windowSpikeOptions('min_tokens', { factor: 4, minimum: 10, minZ: 4, minWindows: 4 }, {
 *   counted: 'tokens issued', window: 'window with tokens', windows: 'windows with tokens', peak: "the agent's peak (the most it had in a window, fading about 16% a day)",
 * }));
 * export default defineDetector({
 *   …, options, createState: createWindowSpikeState,
 *   score(event, ctx) { const found = spike.judge(event.timeMs, ctx); return found && { …finding from found… }; },
 *   learn(event, ctx) { spike.learn(event.timeMs, ctx); },
 * });
 * ```
 */
import { z } from 'zod';
import {
  baselineAge,
  baselineSpike,
  baselineSpikeGate,
  BASELINE_WINDOW_MS,
  formatClock,
  type BaselineMetric,
  type Spike,
  type SpikeParams,
} from '../engine/baseline.js';
import { durationMs, durationOption, fromOptions, type DetectorContext } from './detector.js';

/** Default values of the options made by `windowSpikeOptions`. */
export interface WindowSpikeDefaults {
  /** `factor`: the window must exceed this multiple of the agent's peak around this hour of day. */
  factor: number;
  /** The minimum option (named by the detector, e.g. `min_events`): smallest window total worth an alert. */
  minimum: number;
  /** `min_z`: robust z against the typical window the total must reach. */
  minZ: number;
  /** `min_windows`: windows needed in the ring before the robust z applies. */
  minWindows: number;
  /** `learning_period` (default `3d`). */
  learningPeriod?: string;
  /** `hour_radius` (default 1). */
  hourRadius?: number;
  /** `factor_any_hour` (default 1.5). */
  factorAnyHour?: number;
  /** `cooldown` (default `1h`). */
  cooldown?: string;
}

/** The words of the option descriptions (what `driftwatch detectors list` shows). */
export interface WindowSpikeWords {
  /** What a window counts, as the subject of a sentence: `events`, `tokens issued`, `denials`. */
  counted: string;
  /** A window with some of it: `active window`, `window with tokens`. */
  window: string;
  /** The same in the plural: `active windows`, `windows with tokens`. */
  windows: string;
  /** The peak `factor` is a multiple of: `the agent's peak (its busiest window, fading about 16% a day)`. */
  peak: string;
}

/** Zod shape of the options of a window-spike detector, keyed by the name of its minimum option. */
export type WindowSpikeShape<K extends string> = {
  learning_period: ReturnType<typeof durationOption>;
  factor: z.ZodDefault<z.ZodNumber>;
  min_z: z.ZodDefault<z.ZodNumber>;
  min_windows: z.ZodDefault<z.ZodNumber>;
  hour_radius: z.ZodDefault<z.ZodNumber>;
  factor_any_hour: z.ZodDefault<z.ZodNumber>;
  cooldown: ReturnType<typeof durationOption>;
} & { [P in K]: z.ZodDefault<z.ZodNumber> };

/** The validated options of a window-spike detector (what `ctx.options` must hold). */
export type WindowSpikeOptions<K extends string> = {
  learning_period: string;
  factor: number;
  min_z: number;
  min_windows: number;
  hour_radius: number;
  factor_any_hour: number;
  cooldown: string;
} & { [P in K]: number };

/**
 * The options of a window-spike detector, in this order: `learning_period`, `factor`, the
 * minimum (named `minimumKey`), `min_z`, `min_windows`, `hour_radius`, `factor_any_hour`,
 * `cooldown`. Spread it into `z.strictObject({...})`, with the detector's own options around it.
 */
export function windowSpikeOptions<K extends string>(minimumKey: K, defaults: WindowSpikeDefaults, words: WindowSpikeWords): WindowSpikeShape<K> {
  return {
    learning_period: durationOption(defaults.learningPeriod ?? '3d', "event time from the agent's first event during which it only learns"),
    factor: z.number().gt(1).default(defaults.factor).describe(`${words.counted} in the window must exceed this multiple of ${words.peak} around this hour of day`),
    [minimumKey]: z.number().int().min(1).default(defaults.minimum).describe(`smallest number of ${words.counted} in a 5-minute window worth an alert`),
    min_z: z.number().nonnegative().default(defaults.minZ).describe(`robust z of the window count against the typical ${words.window} it must reach`),
    min_windows: z.number().int().min(1).default(defaults.minWindows).describe(`${words.windows} needed before the robust z applies`),
    hour_radius: z.number().int().min(0).max(12).default(defaults.hourRadius ?? 1).describe('hours either side whose peaks count as "this time of day"'),
    factor_any_hour: z.number().min(0).default(defaults.factorAnyHour ?? 1.5).describe('…and this multiple of the largest window the agent had at any hour (0: not required)'),
    cooldown: durationOption(defaults.cooldown ?? '1h', 'after an alert, later windows of the same agent stay quiet for this long'),
  } as WindowSpikeShape<K>;
}

/** Per-agent state of a window-spike detector (plain data; extend it with the detector's own fields). */
export interface WindowSpikeState {
  /** Window index (5 min) of the last alert; −1 before any. */
  w: number;
  /** Event time until which later windows stay quiet (ms). */
  until: number;
}

/** A fresh `WindowSpikeState`. */
export function createWindowSpikeState(): WindowSpikeState {
  return { w: -1, until: 0 };
}

/** The options of a window-spike detector turned into the figures its judgement uses (ms, `SpikeParams`). */
export interface WindowSpikeParams {
  spike: SpikeParams;
  learning: number;
  cooldown: number;
}

/** A window-spike judgement of one baseline metric; see `windowSpike`. */
export interface WindowSpike<K extends string> {
  readonly metric: BaselineMetric;
  /** The options as judgement figures (cached per options object). */
  params(options: WindowSpikeOptions<K>): WindowSpikeParams;
  /** Whether the window of `timeMs` stays quiet: already alerted, or within the cooldown of an alert. */
  quiet(state: WindowSpikeState, timeMs: number): boolean;
  /**
   * The spike of the window holding the event at `timeMs` (the event counted), or undefined: quiet
   * window, below the gate, within the learning period, or short of `min_z`. Allocation-free
   * unless it finds a spike; call it from `score` and from `learn`.
   */
  judge(timeMs: number, ctx: DetectorContext<WindowSpikeOptions<K>, WindowSpikeState>): Spike | undefined;
  /** Records an alert in the window of `timeMs`: that window and the cooldown after it stay quiet. */
  remember(timeMs: number, ctx: DetectorContext<WindowSpikeOptions<K>, WindowSpikeState>): void;
  /** The detector's `learn`: remembers the window when `judge` finds a spike in it. */
  learn(timeMs: number, ctx: DetectorContext<WindowSpikeOptions<K>, WindowSpikeState>): void;
}

/**
 * The judgement of a window total of `metric` against the agent's own peaks: the window holding
 * the event (the event included) must reach the minimum option (`minimumKey`), exceed `factor` ×
 * the largest window the agent had within `hour_radius` hours of this hour of day (of any hour
 * when it has none at this hour) and, with `factor_any_hour` > 0, that multiple of its largest
 * window at any hour, and reach a robust z of `min_z` against its typical window once the ring
 * holds `min_windows`. Quiet during `learning_period` (event time since the agent's first event),
 * for `cooldown` after an alert, and for the rest of an alerted window.
 */
export function windowSpike<K extends string>(metric: BaselineMetric, minimumKey: K): WindowSpike<K> {
  const params = fromOptions(
    (o: WindowSpikeOptions<K>): WindowSpikeParams => ({
      spike: {
        factor: o.factor,
        minimum: o[minimumKey] as number,
        minZ: o.min_z,
        minWindows: o.min_windows,
        radius: o.hour_radius,
        factorAny: o.factor_any_hour > 0 ? o.factor_any_hour : undefined,
      },
      learning: durationMs(o.learning_period),
      cooldown: durationMs(o.cooldown),
    }),
  );
  function quiet(state: WindowSpikeState, timeMs: number): boolean {
    return Math.floor(timeMs / BASELINE_WINDOW_MS) === state.w || timeMs < state.until;
  }
  function judge(timeMs: number, ctx: DetectorContext<WindowSpikeOptions<K>, WindowSpikeState>): Spike | undefined {
    if (quiet(ctx.state, timeMs)) return undefined;
    const p = params(ctx.options);
    const baseline = ctx.baseline;
    if (!baselineSpikeGate(baseline, metric, timeMs, 1, p.spike)) return undefined;
    if (baselineAge(baseline, ctx.now) < p.learning) return undefined;
    return baselineSpike(baseline, metric, timeMs, 1, p.spike);
  }
  function remember(timeMs: number, ctx: DetectorContext<WindowSpikeOptions<K>, WindowSpikeState>): void {
    ctx.state.w = Math.floor(timeMs / BASELINE_WINDOW_MS);
    ctx.state.until = timeMs + params(ctx.options).cooldown;
  }
  return {
    metric,
    params,
    quiet,
    judge,
    remember,
    learn(timeMs, ctx) {
      if (judge(timeMs, ctx) !== undefined) remember(timeMs, ctx);
    },
  };
}

/**
 * The peak a spike was compared with, in words for a finding's summary: `a peak of 12 in a 5-min
 * window around 14:05 UTC` (this hour's) or `… at any hour` (the agent had no history at this
 * hour); `none` when it had no window with the metric at all. Peaks are stored rounded up and fade
 * by about 16% a day until renewed, so the number is said to be faded, not the window it came from.
 */
export function windowSpikePeakText(spike: Spike, none: string): string {
  if (spike.peakScope === 'none') return none;
  return `a faded peak of ${formatPeak(spike.peak)} in a 5-min window ${spike.peakScope === 'hour' ? `around ${formatClock(spike.windowStart)} UTC` : 'at any hour'} (${PEAK_FADING})`;
}

/** How the agent's peaks age, in the words of an alert. */
export const PEAK_FADING = 'a peak loses about 16% a day until the agent reaches it again';

/** A faded peak: one decimal below 10 (a peak of 0.2 is a window of 1 or 2 that faded over days), whole above. */
export function roundPeak(value: number): number {
  return value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
}

/** A faded peak in words, as `roundPeak` gives it to `expected`. */
export function formatPeak(value: number): string {
  return String(roundPeak(value));
}
