import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DriftwatchError } from '../errors.js';
import { parseFullDate } from '../events/time.js';
import type { Intent } from './intent.js';
import { BENIGN_DRIFT, SCENARIO_CLASSES, type Label, type LabelsFile, type ScenarioClass } from './labels.js';
import { generateProfiles, type AgentProfile } from './profiles.js';
import { registryYaml } from './registry-yaml.js';
import { attackStart, planScenarios } from './scenarios.js';
import { AgentStream, type ActivityWindow, type RenderedEvent, type ToolOverride } from './stream.js';
import { DAY, iso } from './time.js';

/**
 * `driftwatch simulate`: a seeded, deterministic company of agents over some days, its registry,
 * and labelled attack scenarios. Events are produced per agent and merged in global time order,
 * so the output is streamed rather than held in memory.
 */

export const DEFAULT_START = '2026-03-02';

export interface SimulateOptions {
  seed: number;
  agents: number;
  days: number;
  /** First day (UTC midnight), YYYY-MM-DD; default 2026-03-02, a Monday. */
  start?: string;
  /** Scenarios of each class; default 2 per 100 agents, at least 1. */
  scenariosPerClass?: number;
  /** Agents with a benign registry-driven drift; default 2 per 100 agents, at least 1. */
  benignDrift?: number;
  classes?: readonly ScenarioClass[];
}

export interface SimulateResult {
  events: number;
  eventsByType: Record<RenderedEvent['type'], number>;
  registry: string;
  labels: LabelsFile;
  /**
   * Scenario classes (and benign-drift) planned but not generated, once per missing one: no suitable
   * agent, or the agent made no call of it before the period ended.
   */
  skipped: string[];
}

export const MIN_AGENTS = 10;
export const MAX_AGENTS = 100_000;
export const MAX_DAYS = 366;

function checkOptions(options: SimulateOptions): number {
  const { agents, days, seed } = options;
  if (!Number.isInteger(agents) || agents < MIN_AGENTS || agents > MAX_AGENTS) {
    throw new DriftwatchError('DW_USAGE', `--agents must be an integer from ${MIN_AGENTS} to ${MAX_AGENTS}`);
  }
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw new DriftwatchError('DW_USAGE', `--days must be an integer from 1 to ${MAX_DAYS}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new DriftwatchError('DW_USAGE', '--seed must be an integer from 0 to 4294967295');
  const text = options.start ?? DEFAULT_START;
  const start = parseFullDate(text);
  if (!Number.isFinite(start)) throw new DriftwatchError('DW_USAGE', '--start must be a date YYYY-MM-DD');
  return start;
}

/** Binary min-heap of streams by (next event time, stream index): a deterministic merge. */
class StreamHeap {
  private readonly items: { time: number; stream: AgentStream; order: number }[] = [];

  get size(): number {
    return this.items.length;
  }

  push(stream: AgentStream, order: number): void {
    const time = stream.peekTime();
    if (time === undefined) return;
    const items = this.items;
    items.push({ time, stream, order });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): { stream: AgentStream; order: number } {
    const items = this.items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && this.less(items[left]!, items[smallest]!)) smallest = left;
        if (right < items.length && this.less(items[right]!, items[smallest]!)) smallest = right;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest]!, items[i]!];
        i = smallest;
      }
    }
    return top;
  }

  private less(a: { time: number; order: number }, b: { time: number; order: number }): boolean {
    return a.time < b.time || (a.time === b.time && a.order < b.order);
  }
}

/**
 * Generates the simulation; events go to `write` in global time order, in chunks. Returns the
 * registry YAML and the labels, whose time ranges are those of the events actually written.
 */
export async function simulate(options: SimulateOptions, write: (chunk: string) => Promise<void> | void): Promise<SimulateResult> {
  const start = checkOptions(options);
  const { seed, agents, days } = options;
  const end = start + days * DAY;
  const perClass = options.scenariosPerClass ?? Math.max(1, Math.round((2 * agents) / 100));
  const benignDrift = options.benignDrift ?? Math.max(1, Math.round((2 * agents) / 100));
  const classes = options.classes ?? SCENARIO_CLASSES;
  const profiles = generateProfiles({ seed, agents, start, days, retiredForScenarios: classes.includes('retired-agent-active') ? perClass : 0 });
  const attackFrom = attackStart(start, days);
  const plan = planScenarios(profiles, { seed, start, end, attackFrom, perClass, benignDrift, classes });

  const all: AgentProfile[] = [...profiles, ...plan.shadows];
  const scripted = new Map<number, Intent[]>();
  const overrides = new Map<number, ToolOverride>();
  const windows = new Map<number, ActivityWindow>();
  for (const scenario of plan.scenarios) {
    for (const { stream, intents } of scenario.scripted) scripted.set(stream, [...(scripted.get(stream) ?? []), ...intents]);
    if (scenario.override) overrides.set(scenario.override.stream, scenario.override.value);
    if (scenario.window) windows.set(scenario.window.stream, scenario.window.value);
  }
  const driftTags = new Map(plan.drifts.map((drift) => [drift.stream, drift.id]));
  const idPrefix = `sim${seed.toString(36)}`;
  const heap = new StreamHeap();
  for (const profile of all) {
    const stream = new AgentStream(profile, {
      seed,
      idPrefix,
      periodStart: start,
      periodEnd: end,
      scripted: scripted.get(profile.index) ?? [],
      override: overrides.get(profile.index),
      window: windows.get(profile.index),
      driftTag: driftTags.get(profile.index),
    });
    heap.push(stream, profile.index);
  }

  const seen = new Map<string, { first: number; last: number; count: number }>();
  const eventsByType: SimulateResult['eventsByType'] = { tool_use: 0, token_issued: 0, access_denied: 0 };
  let events = 0;
  let chunk: string[] = [];
  let chunkChars = 0;
  let last = -Infinity;
  while (heap.size > 0) {
    const { stream, order } = heap.pop();
    const event = stream.take();
    if (event.time < last) throw new Error(`simulator emitted events out of order (${iso(event.time)} after ${iso(last)})`);
    last = event.time;
    chunk.push(event.line);
    chunkChars += event.line.length + 1;
    events++;
    eventsByType[event.type]++;
    if (event.tag !== undefined) {
      const range = seen.get(event.tag);
      if (range) {
        range.last = event.time;
        range.count++;
      } else seen.set(event.tag, { first: event.time, last: event.time, count: 1 });
    }
    if (chunkChars >= 1 << 20) {
      await write(chunk.join('\n') + '\n');
      chunk = [];
      chunkChars = 0;
    }
    heap.push(stream, order);
  }
  if (chunk.length > 0) await write(chunk.join('\n') + '\n');

  const labels: Label[] = [];
  for (const scenario of plan.scenarios) {
    const range = seen.get(scenario.id);
    if (!range) {
      plan.skipped.push(scenario.scenario);
      continue;
    }
    labels.push({
      id: scenario.id,
      scenario: scenario.scenario,
      agent: scenario.agent,
      start: iso(range.first),
      end: iso(range.last),
      expected_detectors: scenario.expected,
      benign: false,
      related_agents: scenario.related,
      events: range.count,
      description: scenario.description,
    });
  }
  for (const drift of plan.drifts) {
    const range = seen.get(drift.id);
    if (!range) {
      plan.skipped.push(BENIGN_DRIFT);
      continue;
    }
    labels.push({
      id: drift.id,
      scenario: BENIGN_DRIFT,
      agent: drift.agent,
      start: iso(range.first),
      end: iso(range.last),
      expected_detectors: [],
      benign: true,
      related_agents: [],
      events: range.count,
      description: drift.description,
    });
  }
  labels.sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
  const header =
    `Simulated agent registry (driftwatch simulate --agents ${agents} --days ${days} --seed ${seed}).\n` +
    'The final state of the registry: benign scope changes made during the period are already in it.';
  return {
    events,
    eventsByType,
    registry: registryYaml(profiles, header),
    labels: {
      version: 1,
      seed,
      agents,
      days,
      start: iso(start),
      end: iso(end),
      attack_from: iso(attackFrom),
      scenarios: labels,
    },
    skipped: plan.skipped,
  };
}

export interface SimulationFiles {
  events: string;
  registry: string;
  labels: string;
}

export function simulationFiles(dir: string): SimulationFiles {
  return { events: join(dir, 'events.jsonl'), registry: join(dir, 'registry.yaml'), labels: join(dir, 'labels.json') };
}

/** Writes DIR/events.jsonl, DIR/registry.yaml and DIR/labels.json. */
export async function simulateToDirectory(options: SimulateOptions, dir: string): Promise<SimulateResult & { files: SimulationFiles }> {
  const files = simulationFiles(dir);
  await mkdir(dir, { recursive: true });
  const out = createWriteStream(files.events, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  let result: SimulateResult;
  try {
    result = await simulate(options, async (chunk) => {
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
    });
  } finally {
    out.end();
  }
  await Promise.race([once(out, 'finish'), failed]);
  await writeFile(files.registry, result.registry, 'utf8');
  await writeFile(files.labels, JSON.stringify(result.labels, null, 2) + '\n', 'utf8');
  return { ...result, files };
}
