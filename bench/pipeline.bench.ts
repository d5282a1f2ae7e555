/**
 * Whole-pipeline throughput against bare JSON.parse over the same lines, and state per agent.
 *
 *   npm run bench            (builds, then runs with --expose-gc)
 *   BENCH_AGENTS=10000 BENCH_EVENTS=1000000 npm run bench
 *
 * Prints: events/s (per CPU second of this single-threaded process) for JSON.parse alone and for
 * the pipeline (decode, validate, every built-in detector, alert building, a sink that counts),
 * their ratio, and heap and snapshot bytes per agent.
 */
import { configSchema } from '../src/config/schema.js';
import { Engine } from '../src/engine/engine.js';
import { snapshotEngine } from '../src/engine/snapshot.js';
import { Pipeline, type SourceRecord } from '../src/pipeline/pipeline.js';
import { loadDetectors } from '../src/plugins/load.js';
import { selectDetectors } from '../src/plugins/select.js';
import { parseRegistry } from '../src/registry/registry.js';
import type { AlertSink } from '../src/sinks/sink.js';
import { benchRegistryYaml, benchLines } from './workload.js';

const agents = Number(process.env.BENCH_AGENTS ?? 10_000);
const events = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const gc = (globalThis as { gc?: () => void }).gc;

function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

async function buildPipeline(): Promise<{ pipeline: Pipeline; engine: Engine; delivered: () => number }> {
  const parsed = parseRegistry(benchRegistryYaml(agents), 'bench-registry.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  const config = configSchema.parse({ registry: 'bench', detectors: { maturity: ['stable', 'incubating', 'sandbox'] } });
  const detectors = selectDetectors(await loadDetectors(), config.detectors.maturity, {});
  const engine = new Engine(detectors, { registry: parsed.registry });
  let count = 0;
  const sink: AlertSink = { name: 'count', deliver: async (alerts) => void (count += alerts.length), close: async () => {} };
  const deadLetters = { write: async () => {}, close: async () => {} };
  return { pipeline: new Pipeline(engine, { sinks: [sink], deadLetters }), engine, delivered: () => count };
}

/** CPU seconds of this process: on a shared machine, steadier than wall time, and what "one core" means. */
function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function timeJsonParse(lines: readonly string[]): number {
  const started = cpuSeconds();
  let sink = 0;
  for (const line of lines) sink += (JSON.parse(line) as { id: string }).id.length;
  if (sink === 0) throw new Error('unreachable');
  return cpuSeconds() - started;
}

async function timePipeline(pipeline: Pipeline, records: readonly SourceRecord[]): Promise<number> {
  const started = cpuSeconds();
  for (let i = 0; i < records.length; i += 1024) await pipeline.processBatch(records.slice(i, i + 1024));
  return cpuSeconds() - started;
}

/**
 * A round's workload: every round the same week of events under other ids (the engine would skip
 * events it has just seen as repeats). A stream that went on in time would make this workload's
 * agents, which pick their tools at random, find new tools every week (one alert in 20 events).
 */
function workload(round: number): { lines: string[]; records: SourceRecord[] } {
  const lines = benchLines(agents, events, 42, `e42r${round}`);
  return { lines, records: lines.map((value, index) => ({ value, position: { file: 'bench', line: index + 1 } })) };
}

let current = workload(0);
console.log(`workload: ${events.toLocaleString('en-US')} events, ${agents.toLocaleString('en-US')} agents, ${(current.lines.reduce((n, l) => n + l.length, 0) / current.lines.length).toFixed(0)} bytes/event avg`);

timeJsonParse(current.lines); // flattens the generated strings, so the heap figures below measure state alone
const { pipeline, engine, delivered } = await buildPipeline();
const heapBefore = heapUsed();
let bestParse = Infinity;
let bestPipeline = Infinity;
// Warm-up and the first (state-building) round run through the same pipeline: state grows to its
// steady size.
for (let round = 0; round < rounds; round++) {
  if (round > 0) {
    current = workload(round);
    timeJsonParse(current.lines);
  }
  bestParse = Math.min(bestParse, timeJsonParse(current.lines));
  bestPipeline = Math.min(bestPipeline, await timePipeline(pipeline, current.records));
}
const heapAfter = heapUsed();
const snapshotBytes = Buffer.byteLength(JSON.stringify(snapshotEngine(engine).agents));

const parseRate = events / bestParse;
const pipelineRate = events / bestPipeline;
console.log(`JSON.parse alone      ${Math.round(parseRate).toLocaleString('en-US')} events/s`);
console.log(`whole pipeline        ${Math.round(pipelineRate).toLocaleString('en-US')} events/s  (${engine.detectors.length} detectors, ${delivered()} alerts delivered over ${rounds} rounds)`);
console.log(`ratio pipeline/parse  ${(pipelineRate / parseRate).toFixed(2)}`);
console.log(`heap per agent        ${Math.round((heapAfter - heapBefore) / engine.agentCount)} bytes (${engine.agentCount} agents; includes the token ledger)`);
console.log(`snapshot per agent    ${Math.round(snapshotBytes / engine.agentCount)} bytes of JSON`);
