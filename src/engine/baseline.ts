/**
 * The behavioural baseline of one agent: what it normally does, learned from its own stream in
 * event time. One plain-data object per agent, kept by the engine, updated after every
 * detector has scored and learned the event (so detectors judge an event against the baseline
 * as it was before it), checkpointed with the rest of the agent's state, and read by detectors
 * as `ctx.baseline`. Detectors keep only what is specific to them in their own state.
 *
 * What it holds, all bounded:
 *
 * - `t0`: the time of the agent's first event (in stream order; a later event dated earlier does not
 *   move it), from which detectors count their learning period.
 * - `systems` (top-8) and `tools` (top-12): bounded sets (exact top-K + 256-bit Bloom filter +
 *   HLL) of the systems and tools used (tool_use only). A tracked value costs K string
 *   comparisons and no hashing; "never seen" is never wrong (Bloom filters have no false
 *   negatives), a saturated filter only loses recall.
 * - `w`: five window metrics over 5-minute event-time windows (aligned to the epoch, UTC),
 *   flattened into one array: `events` (every event type: cadence), `bytes` and `records`
 *   (tool_use volume, learned without the window's largest call), `denials` and `tokens`. Each
 *   keeps the total of the open window, a ring of the totals of its last *active* windows for a
 *   robust typical value (median, MAD), and 24 per-hour-of-day peaks: the largest window total
 *   seen in that hour of the (UTC) day, log-quantised, losing one level (≈ 16%) per day. The peaks
 *   carry the agent's own rhythm: a batch agent that moves 2 GB at 03:00 every night has a
 *   03:00 peak of 2 GB, so its next night is normal, while the same volume at 15:00 is not.
 * - `calls`: per tracked tool, the usual bytes of one call (mean level, warm-up then α = 1/64),
 *   the agent's variation of call sizes, and the open window's calls against them: what tells a
 *   run of oversized calls (bulk read, exfiltration) from a heavy-tailed but normal window.
 * - `hours`: an hour-of-week histogram of active hours (tool calls and denials; token issuance,
 *   which identity providers do at any hour for refreshes, does not count).
 * - `inst`: the runtime instance the agent acts from and a Bloom filter of those seen.
 * - `mix`: counts per tool (K = 12, halved above 4 096), the agent's long-run tool mix.
 * - `fresh`: systems first used per UTC day over 14 days, for slow drift (a widening set of
 *   systems). Daily volumes are kept per tool by the slow-drift detector itself (what it judges is
 *   specific to it: one tool's days against that tool's usual weekday or weekend).
 *
 * Why 5-minute windows: a spike is reported within one window, which is the latency a SOC expects
 * of an exfiltration alert; a window is long enough to hold tens of events of a busy agent, so
 * that its total is not dominated by the noise of single calls; and it is the example unit of
 * the alert contract ("read 48 MB from erp-prod in 5 min").
 *
 * Why active-window rings rather than rings of every window: an agent that works office hours
 * has mostly empty windows; a median over all windows would be 0 every morning. The typical
 * value of the windows in which the agent does something is what a spike is compared with.
 *
 * Units, to keep the JSON small: the open `bytes` total is in bytes, its ring and peaks in KB
 * (rounded up). Peaks are levels: level(x) = ⌈4·log2(1 + x)⌉, four levels per doubling, so a
 * level reads back as an upper bound of the value within 19% (`levelValue`). Call sizes are
 * levels in fixed point (× 64).
 *
 * Cost per event: O(1) arithmetic on the open window; bounded-set, call-size and tool-mix updates
 * (K comparisons each) for tool_use only; O(1) for the hour-of-week histogram and the instance
 * (a string comparison unless it changed). Closing a window (once per active window) is
 * O(metrics); peaks decay lazily (a slot stores level + age), so no daily sweep. Robust statistics
 * (median, MAD) are computed only by readers, which detectors call after a cheap gate (rarely).
 *
 * Size, JSON, measured on `simulate --agents 500 --days 14`: ≈ 1.0 KB for a new agent; median
 * 1.9 KB, largest 2.4 KB after two weeks; bounded whatever the number of distinct systems, tools or
 * instances (fixed K, fixed filters, names capped at 48 characters).
 */

import { createBoundedSet, updateBoundedSet, boundedSetHasSeen, boundedSetFillRatio, type BoundedSetState } from '../stats/bounded-set.js';
import { createCategoryCounts, updateCategoryCounts, type CategoryCountsState } from '../stats/category-counts.js';
import { createHourOfWeek, hourOfWeekCount, updateHourOfWeek, HOURS_PER_WEEK, type HourOfWeekState } from '../stats/hour-of-week.js';
import { madOfSorted, medianOfSorted, scratchView, sortSmall } from '../stats/order-statistics.js';
import { DAY_MS } from '../stats/trend.js';
import { MAD_TO_SIGMA } from '../stats/window-ring.js';
import type { AgentEvent } from '../events/contract.js';
import { boundedKey, hashTwice } from '../stats/hash.js';
import { intern, internAll } from '../stats/intern.js';
import { bloomAdd, bloomHas, bloomSetBits, createBloomWords } from '../stats/bloom-filter.js';

/**
 * 2: checkpoints leave out the sets' parameters (see `storedBaseline`). A release that knows only 1
 * relearns a version-2 baseline instead of reading sets without their parameters; this one reads both.
 */
export const BASELINE_VERSION = 2;
const READABLE_VERSIONS: readonly unknown[] = [1, 2];
/** Width of a baseline window (ms): 5 minutes. */
export const BASELINE_WINDOW_MS = 300_000;
const HOUR_MS = 3_600_000;

/** Levels per doubling of a quantised peak. */
export const LEVELS_PER_DOUBLING = 4;
const MAX_LEVEL = 255;
/**
 * Peaks lose one level (×0.84) per day without being renewed, lazily: a slot stores its level plus
 * the age (days since the baseline's first day) at which it was written, and reads subtract the
 * current age. No daily sweep; a slot that was ever active never reads below 1.
 */
const FRESH_DAYS = 14;

const INSTANCE_BLOOM_BITS = 256;
const INSTANCE_KEY_LENGTH = 48;
const instanceHashes = [0, 0];

/** Fixed-point scale of call levels. */
const CALL_SCALE = 64;
/** Calls after which a tool's usual size moves by 1/64 of each new call's difference. */
const CALL_MEMORY = 64;

const METRICS = ['events', 'bytes', 'records', 'denials', 'tokens'] as const;
export type BaselineMetric = (typeof METRICS)[number];

/**
 * The five window metrics live in one flat array (`AgentBaseline.w`), so that an event touches one
 * allocation rather than fifteen: with thousands of agents, every event of another agent is a
 * cache miss per object touched. Per metric, in order: `cur` (total of the open window; `bytes` in
 * bytes, others counts), `top` (largest single event's contribution to it, for `bytes` and
 * `records`), `n` (active windows closed so far), the ring of the last active windows' totals
 * (window n − 1 at slot (n − 1) mod L; `bytes` in KB rounded up), and 24 peak slots, one per hour
 * of the UTC day: the level of the largest window total plus the age (days since `day`) when it
 * was set, 0 when never active at that hour (read with `peakLevelAt`: one level lost per day).
 */
const METRIC_INDEX: Readonly<Record<BaselineMetric, number>> = { events: 0, bytes: 1, records: 2, denials: 3, tokens: 4 };
/** Ring length L per metric (by index). */
const RING_LENGTHS = [12, 12, 12, 8, 8] as const;
const CUR = 0;
const TOP = 1;
const COUNT = 2;
const RING = 3;
/** Offset of each metric's segment in `w`. */
const OFFSETS: readonly number[] = RING_LENGTHS.map((_, i) => RING_LENGTHS.slice(0, i).reduce((sum, length) => sum + RING + length + 24, 0));
const W_LENGTH = RING_LENGTHS.reduce((sum, length) => sum + RING + length + 24, 0);
const EVENTS = OFFSETS[0] as number;
const BYTES = OFFSETS[1] as number;
const RECORDS = OFFSETS[2] as number;
const DENIALS = OFFSETS[3] as number;
const TOKENS = OFFSETS[4] as number;

const offsetOf = (metric: BaselineMetric): number => OFFSETS[METRIC_INDEX[metric]] as number;
const ringLengthOf = (metric: BaselineMetric): number => RING_LENGTHS[METRIC_INDEX[metric]] as number;
const peaksOf = (metric: BaselineMetric): number => offsetOf(metric) + RING + ringLengthOf(metric);

/**
 * Sizes of single calls, per tool: what "a usual call" of each of the agent's most used tools
 * moves. Entry i belongs to the tool at `tools.v[i]` (the exact top-K of the tools set) and is
 * reset when another tool takes that slot; calls of tools outside the top-K are not judged.
 * Levels are fixed-point integers in 1/64 of a level (`CALL_SCALE`), so the JSON holds integers.
 */
export interface CallSizes {
  /** Per tracked tool: mean level of the bytes of a call (α = max(1/count, 1/64)), × 64. */
  lv: number[];
  /** Per tracked tool: calls with bytes seen, capped at 64 (the warm-up of `lv`); 0 = none yet. */
  c: number[];
  /** EWMA (α = 1/16) of |call level − its tool's level|, × 64: how much this agent's call sizes vary. */
  dev: number;
  /** Calls with bytes in the open window (tool_use). */
  n: number;
  /** Sum over those calls of (call level − its tool's level before the call), × 64. */
  x: number;
}

/**
 * The runtime instances the agent acts from (`agent.instance`): the current one, when it was first
 * used if it was new then, and a Bloom filter of the instances seen (reset when half full, so it
 * keeps meaning "seen recently" for agents whose instances rotate). An agent acting from an
 * instance it never used before is what stolen credentials or a rogue deployment look like.
 */
export interface InstanceHistory {
  /** The instance of the latest event with one (bounded to 48 characters). */
  v: string;
  /** When `v` was first used, if it was new then (ms); 0 when it had been seen before. */
  t: number;
  /** Bloom filter of instances seen (256 bits, 2 hashes; reset when half full, about 90 instances). */
  b: number[];
}

export interface AgentBaseline {
  /** Layout version: a baseline of another version is discarded on restore. */
  v: number;
  /** Time of the agent's first event in stream order (ms). */
  t0: number;
  /** Index of the open 5-minute window (⌊time / 5 min⌋); −1 before the first event. */
  win: number;
  /** UTC day index of the first event: the origin of the peaks' ages. */
  day: number;
  /** The window metrics events, bytes, records, denials and tokens, flattened (see `METRIC_INDEX`). */
  w: number[];
  /** Bytes per call, per tool, and how far the open window's calls are above them. */
  calls: CallSizes;
  /** Systems used in tool calls. */
  systems: BoundedSetState;
  /** Tools called. */
  tools: BoundedSetState;
  /** Active hours by hour of week (UTC), from tool calls and denials. */
  hours: HourOfWeekState;
  /** Runtime instances. */
  inst: InstanceHistory;
  /** Long-run tool mix (counts per tool, decayed). */
  mix: CategoryCountsState;
  /** Systems first used per UTC day, the last 14 days up to day `fresh.d`. */
  fresh: { d: number; c: number[] };
}

export function createBaseline(): AgentBaseline {
  return {
    v: BASELINE_VERSION,
    t0: 0,
    win: -1,
    day: 0,
    w: new Array<number>(W_LENGTH).fill(0),
    calls: { lv: [], c: [], dev: 0, n: 0, x: 0 },
    systems: createBoundedSet({ k: 8, bloomBits: 256, bloomHashes: 3, hllRegisters: 16, timeUnitMs: HOUR_MS }),
    // K = 12: most agents call fewer tools, so their per-tool call sizes never lose a slot.
    tools: createBoundedSet({ k: 12, bloomBits: 256, bloomHashes: 3, hllRegisters: 16, timeUnitMs: HOUR_MS }),
    hours: createHourOfWeek(),
    inst: { v: '', t: 0, b: createBloomWords(INSTANCE_BLOOM_BITS) },
    mix: createCategoryCounts({ k: 12, cap: 4096 }),
    fresh: { d: -1, c: new Array<number>(FRESH_DAYS).fill(0) },
  };
}

// ---------------------------------------------------------------------------------------------
// Levels (log-quantised values)

const LEVEL_VALUES = new Float64Array(MAX_LEVEL + 1);
for (let q = 0; q <= MAX_LEVEL; q++) LEVEL_VALUES[q] = 2 ** (q / LEVELS_PER_DOUBLING) - 1;

/** The level of a value: ⌈4·log2(1 + x)⌉, 0 for x ≤ 0, at most 255. */
export function levelOf(x: number): number {
  if (!(x > 0)) return 0;
  const q = Math.ceil(LEVELS_PER_DOUBLING * Math.log2(1 + x));
  return q > MAX_LEVEL ? MAX_LEVEL : q;
}

/** The largest value of a level (what a peak at that level stands for). */
export function levelValue(level: number): number {
  return LEVEL_VALUES[level < 0 ? 0 : level > MAX_LEVEL ? MAX_LEVEL : level] as number;
}

// ---------------------------------------------------------------------------------------------
// Update

function hourOfDayOfWindow(win: number): number {
  return Math.floor(((win * BASELINE_WINDOW_MS) % DAY_MS) / HOUR_MS);
}

/** The level of a stored peak slot at `age` days (0 = never active; an active slot reads at least 1). */
function peakLevelAt(slot: number, age: number): number {
  if (slot === 0) return 0;
  const level = slot - age;
  return level > 1 ? level : 1;
}

/** Days since the baseline's first day, at `timeMs`. */
function ageAt(baseline: AgentBaseline, timeMs: number): number {
  const age = Math.floor(timeMs / DAY_MS) - baseline.day;
  return age > 0 ? age : 0;
}

/** Closes the open window of the metric at `offset` with total `value` (its ring and its hour's peak). */
function closeMetric(w: number[], offset: number, length: number, value: number, hour: number, age: number): void {
  w[offset + CUR] = 0;
  w[offset + TOP] = 0;
  if (!(value > 0)) return;
  const n = w[offset + COUNT] as number;
  w[offset + RING + (n % length)] = value;
  w[offset + COUNT] = n + 1;
  const level = levelOf(value);
  const peak = offset + RING + length + hour;
  if (level > peakLevelAt(w[peak] as number, age)) w[peak] = level + age;
}

/** Closes the open window and opens window `win` (> the open one). */
function rollTo(baseline: AgentBaseline, win: number): void {
  const hour = hourOfDayOfWindow(baseline.win);
  const age = ageAt(baseline, baseline.win * BASELINE_WINDOW_MS);
  const w = baseline.w;
  let total = w[EVENTS + CUR] as number;
  if (total > 0) closeMetric(w, EVENTS, RING_LENGTHS[0], total, hour, age);
  // Volume windows are learned trimmed, without their largest call (see `baselineObserved`).
  total = w[BYTES + CUR] as number;
  if (total > 0) closeMetric(w, BYTES, RING_LENGTHS[1], Math.ceil((total - (w[BYTES + TOP] as number)) / 1024), hour, age);
  total = w[RECORDS + CUR] as number;
  if (total > 0) closeMetric(w, RECORDS, RING_LENGTHS[2], Math.ceil(total - (w[RECORDS + TOP] as number)), hour, age);
  total = w[DENIALS + CUR] as number;
  if (total > 0) closeMetric(w, DENIALS, RING_LENGTHS[3], total, hour, age);
  total = w[TOKENS + CUR] as number;
  if (total > 0) closeMetric(w, TOKENS, RING_LENGTHS[4], total, hour, age);
  baseline.calls.n = 0;
  baseline.calls.x = 0;
  baseline.win = win;
}

/** Index of `tool` in the tools set's exact top-K (the index of its call sizes), or −1. */
function trackedTool(baseline: AgentBaseline, tool: string): number {
  const tools = baseline.tools;
  return tools.v.indexOf(tool.length <= tools.len ? tool : boundedKey(tool, tools.len));
}

/** The excess (× 64 levels) of a call of `bytes` over its tool's usual size; 0 when the tool has no history. */
function callExcess(calls: CallSizes, index: number, bytes: number): number {
  return index < 0 || !((calls.c[index] ?? 0) > 0) ? 0 : levelOf(bytes) * CALL_SCALE - (calls.lv[index] as number);
}

/** Clears the call sizes of top-K index `index`: the tool that just took the slot has none yet. */
function forgetCallSize(calls: CallSizes, index: number): void {
  if (index < 0 || index >= calls.c.length) return;
  calls.lv[index] = 0;
  calls.c[index] = 0;
}

/**
 * Learns the size of a call of the tool at top-K index `index` (−1: not tracked, nothing learned).
 * `fresh`: the tool has just taken that slot, so the slot's history is someone else's.
 */
function learnCallSize(calls: CallSizes, index: number, fresh: boolean, bytes: number, current: boolean): void {
  if (index < 0) return;
  while (calls.lv.length <= index) {
    calls.lv.push(0);
    calls.c.push(0);
  }
  if (current) calls.n += 1;
  const level = levelOf(bytes) * CALL_SCALE;
  const count = fresh ? 0 : (calls.c[index] as number);
  if (count === 0) {
    calls.lv[index] = level;
    calls.c[index] = 1;
    return;
  }
  const excess = level - (calls.lv[index] as number);
  const seen = count < CALL_MEMORY ? count + 1 : CALL_MEMORY;
  calls.c[index] = seen;
  calls.lv[index] = (calls.lv[index] as number) + Math.round(excess / seen);
  calls.dev += Math.round((Math.abs(excess) - calls.dev) / 16);
  if (current) calls.x += excess;
}

function instanceKey(instance: string): string {
  return instance.length <= INSTANCE_KEY_LENGTH ? instance : boundedKey(instance, INSTANCE_KEY_LENGTH);
}

/** Records the instance of an event: O(1) string comparison unless the instance changed. */
function learnInstance(history: InstanceHistory, instance: string, time: number): void {
  const key = instanceKey(instance);
  if (key === history.v) return;
  hashTwice(key, instanceHashes);
  if (bloomSetBits(history.b) * 2 >= INSTANCE_BLOOM_BITS) history.b.fill(0);
  const seen = bloomAdd(history.b, 2, instanceHashes[0] as number, instanceHashes[1] as number);
  history.v = intern(key);
  history.t = seen ? 0 : time;
}

function countNewSystem(fresh: AgentBaseline['fresh'], time: number): void {
  const day = Math.floor(time / DAY_MS);
  if (day > fresh.d) {
    for (let d = Math.max(fresh.d + 1, day - FRESH_DAYS + 1); d <= day; d++) fresh.c[d % FRESH_DAYS] = 0;
    fresh.d = day;
  } else if (day <= fresh.d - FRESH_DAYS) {
    return;
  }
  fresh.c[day % FRESH_DAYS] = (fresh.c[day % FRESH_DAYS] as number) + 1;
}

/**
 * Learns one event (mutates `baseline`). Called by the engine after every detector has scored and
 * learned the event. A late event (from a window already closed) still updates the sets, the mix
 * and the hour-of-week histogram, but not the window totals.
 */
export function updateBaseline(baseline: AgentBaseline, event: AgentEvent): void {
  const time = event.timeMs;
  const win = Math.floor(time / BASELINE_WINDOW_MS);
  if (baseline.win < 0) {
    baseline.t0 = time;
    baseline.win = win;
    baseline.day = Math.floor(time / DAY_MS);
  } else if (win > baseline.win) {
    rollTo(baseline, win);
  }
  // t0 stays the first event's time: a late event dated weeks back must not end the learning period.
  const current = win === baseline.win;
  // Token issuance is the identity provider's doing (refreshes run at any hour); what the agent
  // does is tool calls and the attempts that were denied.
  if (event.type !== 'token_issued') updateHourOfWeek(baseline.hours, time);
  const instance = event.agent.instance;
  if (instance !== undefined) learnInstance(baseline.inst, instance, time);
  const w = baseline.w;
  if (current) w[EVENTS + CUR] = (w[EVENTS + CUR] as number) + 1;
  switch (event.type) {
    case 'tool_use': {
      if (current) {
        const bytes = event.bytes;
        if (bytes !== undefined && bytes > 0) {
          w[BYTES + CUR] = (w[BYTES + CUR] as number) + bytes;
          if (bytes > (w[BYTES + TOP] as number)) w[BYTES + TOP] = bytes;
        }
        const records = event.records;
        if (records !== undefined && records > 0) {
          w[RECORDS + CUR] = (w[RECORDS + CUR] as number) + records;
          if (records > (w[RECORDS + TOP] as number)) w[RECORDS + TOP] = records;
        }
      }
      if (!updateBoundedSet(baseline.systems, event.system, time)) countNewSystem(baseline.fresh, time);
      const before = trackedTool(baseline, event.tool);
      updateBoundedSet(baseline.tools, event.tool, time);
      const index = before >= 0 ? before : trackedTool(baseline, event.tool);
      const bytes = event.bytes;
      if (bytes !== undefined && bytes > 0) learnCallSize(baseline.calls, index, before < 0, bytes, current);
      // A tool that took another's slot with a call without bytes must not inherit that tool's call sizes.
      else if (before < 0) forgetCallSize(baseline.calls, index);
      updateCategoryCounts(baseline.mix, event.tool);
      break;
    }
    case 'access_denied':
      if (current) w[DENIALS + CUR] = (w[DENIALS + CUR] as number) + 1;
      break;
    case 'token_issued':
      if (current) w[TOKENS + CUR] = (w[TOKENS + CUR] as number) + 1;
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Restore

const isNumberArray = (value: unknown, length?: number): value is number[] =>
  Array.isArray(value) && (length === undefined || value.length === length) && value.every((x) => typeof x === 'number' && Number.isFinite(x));

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((x) => typeof x === 'string');

/**
 * A checkpointed baseline, or a fresh one when the value is missing, of another layout version or
 * malformed (the agent then learns its baseline again rather than failing on bad state).
 */
export function restoreBaseline(value: unknown): AgentBaseline {
  const b = value as Partial<AgentBaseline> | null | undefined;
  if (
    typeof b !== 'object' || b === null || !READABLE_VERSIONS.includes(b.v) ||
    typeof b.t0 !== 'number' || typeof b.win !== 'number' || typeof b.day !== 'number' ||
    !isNumberArray(b.w, W_LENGTH) ||
    typeof b.calls !== 'object' || b.calls === null || !isNumberArray(b.calls.lv) || !isNumberArray(b.calls.c, b.calls.lv.length) ||
    typeof b.calls.dev !== 'number' || typeof b.calls.n !== 'number' || typeof b.calls.x !== 'number' ||
    typeof b.systems !== 'object' || typeof b.tools !== 'object' || typeof b.hours !== 'object' ||
    typeof b.mix !== 'object' || typeof b.fresh !== 'object' || b.fresh === null || typeof b.fresh.d !== 'number' ||
    typeof b.inst !== 'object' || b.inst === null || typeof b.inst.v !== 'string' || typeof b.inst.t !== 'number' || !isNumberArray(b.inst.b, INSTANCE_BLOOM_BITS / 32) ||
    !isNumberArray(b.hours?.w, HOURS_PER_WEEK / 7) || !isNumberArray(b.fresh.c, FRESH_DAYS) ||
    !isNumberArray(b.systems?.bloom) || !isNumberArray(b.tools?.bloom) ||
    !isStringArray(b.systems?.v) || !isStringArray(b.tools?.v) || !isStringArray(b.mix?.names)
  ) {
    return createBaseline();
  }
  // Names parsed from the checkpoint are copies of their own: share the process-wide ones.
  internAll(b.systems.v);
  internAll(b.tools.v);
  internAll(b.mix.names);
  b.inst.v = intern(b.inst.v);
  // The sets' parameters are the layout's, not the checkpoint's (checkpoints leave them out);
  // rebuilt in creation order, so restored and new baselines share their shapes.
  const template = createBaseline();
  b.v = BASELINE_VERSION;
  b.systems = withParams(b.systems, template.systems);
  b.tools = withParams(b.tools, template.tools);
  b.mix = { k: template.mix.k, len: template.mix.len, cap: template.mix.cap, names: b.mix.names, counts: b.mix.counts, other: b.mix.other, total: b.mix.total };
  return b as AgentBaseline;
}

type SetParams = 'k' | 'h' | 'unit' | 'len';

/** A checkpointed baseline (see `storedBaseline`). */
export type StoredBaseline = Omit<AgentBaseline, 'systems' | 'tools' | 'mix'> & {
  systems: Omit<BoundedSetState, SetParams>;
  tools: Omit<BoundedSetState, SetParams>;
  mix: Omit<CategoryCountsState, 'k' | 'len' | 'cap'>;
};

/** A set as a checkpoint stores it: its state, in creation order, without its parameters. */
function storedSet(set: BoundedSetState): Omit<BoundedSetState, SetParams> {
  return { t0: set.t0, n: set.n, v: set.v, c: set.c, err: set.err, first: set.first, last: set.last, bloom: set.bloom, hll: set.hll };
}

function withParams(set: BoundedSetState, template: BoundedSetState): BoundedSetState {
  const { k, h, unit, len } = template;
  return { k, h, unit, len, ...storedSet(set) };
}

/**
 * The baseline as a checkpoint stores it: without the sets' parameters, which its layout version
 * fixes (restoreBaseline puts them back). A copy of the few objects that change; the rest is shared.
 */
export function storedBaseline(b: AgentBaseline): StoredBaseline {
  const { systems, tools, mix } = b;
  return {
    ...b,
    systems: storedSet(systems),
    tools: storedSet(tools),
    mix: { names: mix.names, counts: mix.counts, other: mix.other, total: mix.total },
  };
}

// ---------------------------------------------------------------------------------------------
// Readers (pure; allocation-free unless they return an object)

/** How long the agent has been observed as of `now` (ms): 0 before its first event. */
export function baselineAge(baseline: AgentBaseline, now: number): number {
  return baseline.win < 0 ? 0 : now - baseline.t0;
}

/** Start (ms) of the 5-minute window holding `timeMs`. */
export function baselineWindowStart(timeMs: number): number {
  return Math.floor(timeMs / BASELINE_WINDOW_MS) * BASELINE_WINDOW_MS;
}

/**
 * Total of `metric` in the 5-minute window holding `timeMs`, before the event at `timeMs` is
 * counted (0 when that window is not the open one). `bytes` in bytes.
 */
export function baselineWindowTotal(baseline: AgentBaseline, metric: BaselineMetric, timeMs: number): number {
  return Math.floor(timeMs / BASELINE_WINDOW_MS) === baseline.win ? (baseline.w[offsetOf(metric) + CUR] as number) : 0;
}

/**
 * The largest single event's contribution to `metric` (`bytes` or `records`) in the 5-minute
 * window holding `timeMs`, before the event at `timeMs` is counted (0 when that window is not the
 * open one). `bytes` in bytes.
 */
export function baselineWindowLargest(baseline: AgentBaseline, metric: 'bytes' | 'records', timeMs: number): number {
  return Math.floor(timeMs / BASELINE_WINDOW_MS) === baseline.win ? (baseline.w[offsetOf(metric) + TOP] as number) : 0;
}

/** Hour of the UTC day (0–23) of a time. */
export function hourOfDay(timeMs: number): number {
  return Math.floor((((timeMs % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
}

/** Largest peak level of `metric` within ±`radius` hours of the hour of day of `timeMs`, as of `timeMs`; 0 when none. */
export function baselineHourPeakLevel(baseline: AgentBaseline, metric: BaselineMetric, timeMs: number, radius = 1): number {
  const w = baseline.w;
  const peaks = peaksOf(metric);
  const hour = hourOfDay(timeMs);
  const age = ageAt(baseline, timeMs);
  let peak = 0;
  for (let d = -radius; d <= radius; d++) {
    const q = peakLevelAt(w[peaks + ((((hour + d) % 24) + 24) % 24)] as number, age);
    if (q > peak) peak = q;
  }
  return peak;
}

/** Largest peak level of `metric` over every hour of the day, as of `timeMs`; 0 when the metric was never active. */
export function baselinePeakLevel(baseline: AgentBaseline, metric: BaselineMetric, timeMs: number): number {
  const w = baseline.w;
  const peaks = peaksOf(metric);
  const age = ageAt(baseline, timeMs);
  let peak = 0;
  for (let h = 0; h < 24; h++) {
    const q = peakLevelAt(w[peaks + h] as number, age);
    if (q > peak) peak = q;
  }
  return peak;
}

/**
 * Systems first used on UTC day `day` (as recorded; 0 for a day with none, or older than 14 days
 * before the last day with one). O(1).
 */
export function baselineNewSystemsOn(baseline: AgentBaseline, day: number): number {
  const fresh = baseline.fresh;
  return day <= fresh.d && day > fresh.d - FRESH_DAYS ? (fresh.c[day % FRESH_DAYS] as number) : 0;
}

/** Number of active windows held in the metric's ring. */
export function baselineWindows(baseline: AgentBaseline, metric: BaselineMetric): number {
  const n = baseline.w[offsetOf(metric) + COUNT] as number;
  const length = ringLengthOf(metric);
  return n < length ? n : length;
}

export interface TypicalWindow {
  /** Active windows the figures come from. */
  windows: number;
  /** Median total of an active window (`bytes`: KB). */
  median: number;
  /** MAD × 1.4826: a robust standard deviation (`bytes`: KB). */
  spread: number;
}

/** Median and robust spread of the metric's recent active windows; NaN figures when there are none. */
export function baselineTypical(baseline: AgentBaseline, metric: BaselineMetric): TypicalWindow {
  const count = baselineWindows(baseline, metric);
  if (count === 0) return { windows: 0, median: Number.NaN, spread: Number.NaN };
  const ring = offsetOf(metric) + RING;
  const view = scratchView(count);
  for (let i = 0; i < count; i++) view[i] = baseline.w[ring + i] as number;
  const sorted = sortSmall(view);
  const median = medianOfSorted(sorted);
  const spread = madOfSorted(sorted, median) * MAD_TO_SIGMA;
  return { windows: count, median, spread };
}

export interface SpikeParams {
  /** Observed must exceed `factor` × the peak this agent reached around this hour of day. */
  factor: number;
  /** Observed must reach this (metric units; `bytes`: KB). */
  minimum: number;
  /** Robust z against the typical active window must reach this (applied with ≥ `minWindows` windows). */
  minZ: number;
  /** Active windows needed before the robust z applies. */
  minWindows: number;
  /** Hours either side of this hour of day whose peaks count as "for this time". */
  radius: number;
  /** Observed must also exceed this multiple of the peak of any hour (0: not required). */
  factorAny?: number;
}

export interface Spike {
  metric: BaselineMetric;
  /** Window total including the event (`bytes`: KB). */
  observed: number;
  /** The peak it is compared with (`bytes`: KB): this hour's, or any hour's when this hour has none. */
  peak: number;
  /** Whether `peak` is this hour's (±radius) or, the agent having no history at this hour, the peak of any hour. */
  peakScope: 'hour' | 'day' | 'none';
  /** observed / the usual: the peak, or the typical window when that is larger (Infinity with neither). */
  ratio: number;
  /** The largest window at any hour of the day (`bytes`: KB); 0 when the metric was never active. */
  peakAny: number;
  /** Typical active window (median, robust spread), when the ring has enough windows. */
  typical: TypicalWindow;
  /** Robust z of observed against the typical window; NaN without enough windows. */
  z: number;
  /** Start of the 5-minute window (ms). */
  windowStart: number;
}

/**
 * Window total of `metric` including an event at `timeMs` adding `add` (`bytes`: KB). For `bytes`
 * and `records` the total is trimmed: without the largest single call of the window. Agents'
 * single calls are heavy-tailed (one export of 50 MB among calls of 20 KB), and a window made of one
 * large call says little; what a window of many calls moves beyond its largest one is what a bulk
 * read or an exfiltration in chunks looks like. The peaks and rings are learned the same way.
 */
export function baselineObserved(baseline: AgentBaseline, metric: BaselineMetric, timeMs: number, add: number): number {
  const open = Math.floor(timeMs / BASELINE_WINDOW_MS) === baseline.win;
  const offset = offsetOf(metric);
  const w = baseline.w;
  let total = (open ? (w[offset + CUR] as number) : 0) + add;
  if (metric === 'bytes' || metric === 'records') {
    const top = open && (w[offset + TOP] as number) > add ? (w[offset + TOP] as number) : add;
    total -= top;
  }
  return metric === 'bytes' ? total / 1024 : total;
}

/**
 * The cheap test of a spike, O(1) and allocation-free: whether the window total including the
 * event reaches `minimum` and exceeds `factor` × the peak of this hour of day (or, with no history
 * at this hour, of any hour). A detector calls `baselineSpike` only when this passes.
 */
export function baselineSpikeGate(baseline: AgentBaseline, metric: BaselineMetric, timeMs: number, add: number, params: SpikeParams): boolean {
  const observed = baselineObserved(baseline, metric, timeMs, add);
  if (!(observed >= params.minimum)) return false;
  let level = baselineHourPeakLevel(baseline, metric, timeMs, params.radius);
  const any = level === 0 || params.factorAny !== undefined ? baselinePeakLevel(baseline, metric, timeMs) : 0;
  if (level === 0) level = any;
  if (!(observed > params.factor * levelValue(level))) return false;
  return params.factorAny === undefined || observed > params.factorAny * levelValue(any);
}

/**
 * The full judgement of a window total (allocates the result): undefined when it is not a spike
 * by `params`, otherwise the figures for the alert.
 */
export function baselineSpike(baseline: AgentBaseline, metric: BaselineMetric, timeMs: number, add: number, params: SpikeParams): Spike | undefined {
  if (!baselineSpikeGate(baseline, metric, timeMs, add, params)) return undefined;
  const observed = baselineObserved(baseline, metric, timeMs, add);
  let level = baselineHourPeakLevel(baseline, metric, timeMs, params.radius);
  let peakScope: Spike['peakScope'] = 'hour';
  if (level === 0) {
    level = baselinePeakLevel(baseline, metric, timeMs);
    peakScope = level === 0 ? 'none' : 'day';
  }
  const peak = levelValue(level);
  const typical = baselineTypical(baseline, metric);
  let z = Number.NaN;
  if (typical.windows >= params.minWindows) {
    // A floor on the spread: a flat history (MAD 0) must not make any change infinitely unusual.
    const scale = Math.max(typical.spread, 0.25 * typical.median, 1);
    z = (observed - typical.median) / scale;
    if (z < params.minZ) return undefined;
  }
  // "Usual" is never below the typical active window: a peak that faded over quiet days can be.
  const usual = Math.max(peak, typical.windows >= params.minWindows ? typical.median : 0);
  return {
    metric,
    observed,
    peak,
    peakScope,
    ratio: usual > 0 ? observed / usual : Number.POSITIVE_INFINITY,
    peakAny: levelValue(baselinePeakLevel(baseline, metric, timeMs)),
    typical,
    z,
    windowStart: baselineWindowStart(timeMs),
  };
}

/** The agent's typical deviation of a call's level from its tool's usual level (levels, ≥ 2). */
function callSigma(calls: CallSizes): number {
  // Mean absolute deviation × 1.25 estimates the standard deviation of normal data.
  const sigma = (calls.dev / CALL_SCALE) * 1.25;
  return sigma > 2 ? sigma : 2;
}

/**
 * How far a call of `tool` moving `bytes` is above that tool's usual size for this agent, in units
 * of the agent's own variation of call sizes (a z-score on a log scale); NaN when the tool has no
 * history yet. O(1), allocation-free.
 */
export function baselineCallZ(baseline: AgentBaseline, tool: string, bytes: number): number {
  const calls = baseline.calls;
  const index = trackedTool(baseline, tool);
  if (index < 0 || !((calls.c[index] ?? 0) > 0) || !(bytes > 0)) return Number.NaN;
  return callExcess(calls, index, bytes) / CALL_SCALE / callSigma(calls);
}

/**
 * The usual bytes of one call of `tool` for this agent (the upper bound of its level), or NaN when
 * the tool is not among its tracked tools or has no call with bytes yet. O(K), allocation-free.
 */
export function baselineCallUsual(baseline: AgentBaseline, tool: string): number {
  const calls = baseline.calls;
  const index = trackedTool(baseline, tool);
  if (index < 0 || !((calls.c[index] ?? 0) > 0)) return Number.NaN;
  return 2 ** ((calls.lv[index] as number) / CALL_SCALE / LEVELS_PER_DOUBLING) - 1;
}

export interface CallShift {
  /** Calls with bytes in the window, the event included. */
  calls: number;
  /** Mean excess of those calls over their tools' usual sizes, as a factor (geometric: 3 = three times larger). */
  factor: number;
  /** The same in levels (4 per doubling). */
  levels: number;
  /** The agent's typical deviation of a call from its tool's usual size, in levels (≥ 2). */
  deviation: number;
  /** Mean excess / (deviation / √calls): how unusual a window of such calls is. */
  z: number;
}

/**
 * How far the calls of the 5-minute window holding `timeMs`, including a call of `tool` moving
 * `bytes`, are above their tools' usual sizes (allocates: call it after a cheap gate). A bulk read
 * or an exfiltration makes every call larger; a busy but normal window has calls of the usual
 * size, with a few large ones.
 */
export function baselineCallShift(baseline: AgentBaseline, tool: string, bytes: number, timeMs: number): CallShift {
  const calls = baseline.calls;
  const open = Math.floor(timeMs / BASELINE_WINDOW_MS) === baseline.win;
  const excess = bytes > 0 ? callExcess(calls, trackedTool(baseline, tool), bytes) : 0;
  const n = (open ? calls.n : 0) + (bytes > 0 ? 1 : 0);
  const sum = (open ? calls.x : 0) + excess;
  const levels = n === 0 ? 0 : sum / n / CALL_SCALE;
  const deviation = callSigma(calls);
  return { calls: n, factor: 2 ** (levels / LEVELS_PER_DOUBLING), levels, deviation, z: n === 0 ? 0 : levels / (deviation / Math.sqrt(n)) };
}

/**
 * When the agent started to act from `instance`, if that instance was new to it: the event time
 * `now` for an instance never seen (the event being judged is its first), the time of its first use
 * when it is the current instance and was new then; undefined when the instance was seen before.
 * O(1) unless the instance differs from the current one (then one hashing pass).
 */
export function baselineInstanceNewSince(baseline: AgentBaseline, instance: string, now: number): number | undefined {
  const history = baseline.inst;
  const key = instanceKey(instance);
  if (key === history.v) return history.t > 0 ? history.t : undefined;
  hashTwice(key, instanceHashes);
  // A filter about to be reset (half full) would forget everything: judge against it as it is.
  return bloomHas(history.b, 2, instanceHashes[0] as number, instanceHashes[1] as number) ? undefined : now;
}

/** Whether the agent ever used `system` in a tool call (exact for tracked systems; Bloom filter otherwise, no false "never"). */
export function baselineHasSeenSystem(baseline: AgentBaseline, system: string): boolean {
  return boundedSetHasSeen(baseline.systems, system);
}

/** Whether the agent ever called `tool` (see `baselineHasSeenSystem`). */
export function baselineHasSeenTool(baseline: AgentBaseline, tool: string): boolean {
  return boundedSetHasSeen(baseline.tools, tool);
}

/**
 * Fill ratio of a set's Bloom filter. Near 1 (a cardinality attack) the filter answers "seen" for
 * nearly anything, so first-seen judgements lose recall; they never raise a wrong "new".
 */
export function baselineSetFill(set: BoundedSetState): number {
  return boundedSetFillRatio(set);
}

/**
 * Active hours recorded at hour of day `hour` (UTC) ± `radius`, summed over the seven days of
 * the week: 0 means the agent's history shows no activity around that time of day.
 */
export function baselineActivityNearHour(baseline: AgentBaseline, hour: number, radius = 1): number {
  let count = 0;
  for (let d = -radius; d <= radius; d++) {
    const h = (((hour + d) % 24) + 24) % 24;
    for (let day = 0; day < 7; day++) count += hourOfWeekCount(baseline.hours, day * 24 + h);
  }
  return count;
}

/** Number of hours of the day (0–24) in which the agent was ever active (any day of the week). */
export function baselineActiveHoursOfDay(baseline: AgentBaseline): number {
  let hours = 0;
  for (let h = 0; h < 24; h++) {
    for (let day = 0; day < 7; day++) {
      if (hourOfWeekCount(baseline.hours, day * 24 + h) > 0) {
        hours++;
        break;
      }
    }
  }
  return hours;
}

/** Hours of the day (UTC) in which the agent was ever active, e.g. for an alert's `expected` (allocates). */
export function baselineActiveHourList(baseline: AgentBaseline): number[] {
  const hours: number[] = [];
  for (let h = 0; h < 24; h++) {
    for (let day = 0; day < 7; day++) {
      if (hourOfWeekCount(baseline.hours, day * 24 + h) > 0) {
        hours.push(h);
        break;
      }
    }
  }
  return hours;
}

/** A size in KB for people: `850 KB`, `1.2 MB`, `48 MB`, `3.1 GB`. */
export function formatKb(kb: number): string {
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = kb;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value >= 100 || unit === 0 ? 0 : value >= 10 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** A count for people, with at most one decimal: `12`, `2.5`. */
export function formatCount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** `HH:MM` (UTC) of a time. */
export function formatClock(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(11, 16);
}
