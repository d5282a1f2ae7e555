/**
 * The Kafka source through a local broker: sustained events/s from the topic to the alerts, and
 * event-to-alert latency at a fixed rate.
 *
 *   npm run bench:kafka                                  (starts a broker on free ports unless KAFKA_BROKERS is set)
 *   KAFKA_BROKERS=127.0.0.1:29092 npm run bench:kafka
 *   BENCH_EVENTS=500000 BENCH_AGENTS=2000 BENCH_PARTITIONS=6 BENCH_RATE=5000 BENCH_SECONDS=20 BENCH_RUNS=3 npm run bench:kafka
 *   BENCH_ONLY=throughput|latency   one part only;   BENCH_DEBUG=1   prints checkpoints and alerts slower than 150 ms
 *   BENCH_KEEP_TOPIC=1 keeps the throughput topic; BENCH_REUSE_TOPIC=<name> reads it again instead of producing one
 *
 * 1. produces BENCH_EVENTS events (bench/workload.ts) keyed by agent to a BENCH_PARTITIONS topic;
 * 2. baseline: a bare kafkajs consumer group reads the topic to its end (no processing);
 * 3. the same events through the pipeline in memory (the ceiling: decode and detectors, no Kafka);
 *    driftwatch: the Kafka job (the stable detectors, as `driftwatch run` by default; a JSONL file
 *    sink; changelog checkpoints and commits), in a fresh process of its own per run as `driftwatch
 *    run` is, reads the same topic to its end. Sustained (the
 *    target): events/s in the steady state, from BENCH_WARMUP_SECONDS after the first batch was
 *    processed to the last event processed (periodic checkpoints and commits included, the final
 *    checkpoint of stop() not); also the whole run from the first batch, and this process's CPU
 *    time per event in the steady state (all threads; less sensitive than events/s to other load
 *    on the machine). Producing the topic, the baseline and the in-memory run are not timed;
 * 4. latency: with the job running on a second topic, a producer in another process sends
 *    BENCH_RATE events/s for BENCH_SECONDS, 2% of them out of scope (each raises an alert); the
 *    latency is from the producer's send to the file sink's acknowledgement of the alert, for the
 *    events sent after the first BENCH_WARMUP_SECONDS (default 3).
 *
 * The broker, this process and the producer share the machine's cores: the figures move with
 * whatever else runs (the load average is printed first).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import type { Alert } from '../src/alerts/alert.js';
import { buildEngine } from '../src/cli/job.js';
import type { KafkaSourceConfig } from '../src/config/kafka.js';
import { configSchema, type Config } from '../src/config/schema.js';
import { DEFAULT_COMMIT_INTERVAL_MS, KafkaJob } from '../src/kafka/job.js';
import { Pipeline, type SourceRecord } from '../src/pipeline/pipeline.js';
import { createSinks } from '../src/sinks/create.js';
import type { AlertSink } from '../src/sinks/sink.js';
import { silentLogger } from '../src/telemetry/log.js';
import { benchLines, benchRegistryYaml } from './workload.js';

const { Kafka, logLevel } = kafkajs;
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const EVENTS = env('BENCH_EVENTS', 500_000);
const AGENTS = env('BENCH_AGENTS', 2_000);
const PARTITIONS = env('BENCH_PARTITIONS', 6);
const RATE = env('BENCH_RATE', 5_000);
const SECONDS = env('BENCH_SECONDS', 20);
/** Seconds left out at the start of each measurement (throughput and latency): JIT, and first sight of each agent. */
const WARMUP_SECONDS = env('BENCH_WARMUP_SECONDS', 3);
const MAX_BYTES_PER_PARTITION = env('BENCH_MAX_BYTES_PER_PARTITION', 1_048_576);
const COMMIT_INTERVAL_MS = env('BENCH_COMMIT_INTERVAL_MS', DEFAULT_COMMIT_INTERVAL_MS);
/** Throughput runs of the job over the same topic: one machine's speed moves by tens of percent from run to run. */
const RUNS = Math.max(1, env('BENCH_RUNS', 3));
/** `throughput` or `latency` runs only that part. */
const ONLY = process.env.BENCH_ONLY;

/** bench/workload.ts registers agent i on SYSTEMS[i % 8] and SYSTEMS[(i + 3) % 8]. */
const SYSTEMS = ['erp-prod', 'crm-prod', 'mail-internal', 'warehouse', 'docs', 'ticketing', 'git-forge', 'payments'];

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

// ---------------------------------------------------------------- producer process (latency phase)

async function producerRole(): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS!.split(',');
  const topic = process.env.BENCH_TOPIC!;
  const kafka = new Kafka({ clientId: 'bench-rate-producer', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const tickMs = 10;
  const total = RATE * (WARMUP_SECONDS + SECONDS);
  const started = Date.now();
  let sent = 0;
  const inFlight = new Set<Promise<unknown>>();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * RATE));
    if (due > sent) {
      const messages = [];
      for (; sent < due; sent++) {
        const now = Date.now();
        const index = sent % AGENTS;
        const agent = `agent-${String(index).padStart(5, '0')}`;
        // 2% out of scope, each on a system of its own: a scope-violation alert each, not suppressed.
        // The others on the agent's registered systems (as bench/workload.ts registers them).
        const alerting = sent % 50 === 0;
        const system = alerting ? `rogue-${sent}` : SYSTEMS[(index + (sent % 2) * 3) % 8]!;
        const id = `lat-${sent}-${now}`;
        messages.push({
          key: agent,
          value: `{"v":1,"id":"${id}","time":"${new Date(now).toISOString()}","type":"tool_use","agent":{"id":"${agent}"},"tool":"${system.split('-')[0]}.read","system":"${system}","action":"read","bytes":${1000 + (sent % 5000)},"outcome":"success"}`,
        });
      }
      const send = producer.send({ topic, acks: -1, messages }).finally(() => inFlight.delete(send));
      inFlight.add(send);
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await Promise.all(inFlight);
  await producer.disconnect();
  process.stdout.write(JSON.stringify({ sent, seconds: (Date.now() - started) / 1000, started }) + '\n');
}

// ---------------------------------------------------------------- helpers

async function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function waitUntil(check: () => boolean, timeoutMs: number, label: string, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A sink around another that notes when each alert was acknowledged. */
class AckTimes implements AlertSink {
  readonly name: string;
  readonly ackedAt = new Map<string, number>();
  count = 0;
  constructor(private readonly inner: AlertSink) {
    this.name = inner.name;
  }
  async deliver(alerts: readonly Alert[]): Promise<void> {
    await this.inner.deliver(alerts);
    const now = Date.now();
    this.count += alerts.length;
    for (const alert of alerts) if (!this.ackedAt.has(alert.id)) this.ackedAt.set(alert.id, now);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  let stopBroker: (() => void) | undefined;
  if (!process.env.KAFKA_BROKERS) {
    const port = await freePort();
    const controller = await freePort();
    const brokerEnv = { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controller) };
    console.log(`starting a local broker on 127.0.0.1:${port} (scripts/kafka.sh)`);
    const started = spawnSync('bash', [join(ROOT, 'scripts/kafka.sh'), 'start'], { env: brokerEnv, stdio: 'inherit' });
    if (started.status !== 0) throw new Error('scripts/kafka.sh start failed');
    process.env.KAFKA_BROKERS = `127.0.0.1:${port}`;
    stopBroker = () => void spawnSync('bash', [join(ROOT, 'scripts/kafka.sh'), 'stop'], { env: brokerEnv, stdio: 'inherit' });
  }
  try {
    await run(process.env.KAFKA_BROKERS.split(','));
  } finally {
    stopBroker?.();
  }
}

async function run(brokers: string[]): Promise<void> {
  const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const suffix = Date.now().toString(36);
  // BENCH_REUSE_TOPIC: the throughput topic of an earlier run (kept by BENCH_KEEP_TOPIC=1, same
  // BENCH_EVENTS, BENCH_AGENTS and BENCH_PARTITIONS) instead of producing a new one.
  const reused = process.env.BENCH_REUSE_TOPIC;
  const topic = reused ?? `bench-throughput-${suffix}`;
  const latencyTopic = `bench-latency-${suffix}`;
  await admin.createTopics({ waitForLeaders: true, topics: [...(reused ? [] : [{ topic, numPartitions: PARTITIONS }]), { topic: latencyTopic, numPartitions: PARTITIONS }] });

  const dir = await mkdtemp(join(tmpdir(), 'dw-bench-kafka-'));
  const registry = join(dir, 'registry.yaml');
  await writeFile(registry, benchRegistryYaml(AGENTS));
  console.log(`machine: ${(await import('node:os')).cpus().length} cores, load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}; broker ${brokers.join(',')}`);

  // 1. produce (not needed for the latency alone)
  let lines = ONLY === 'latency' ? [] : benchLines(AGENTS, EVENTS, 42);
  const keyOf = (line: string) => line.slice(line.indexOf('"agent":{"id":"') + 15, line.indexOf('"', line.indexOf('"agent":{"id":"') + 15));
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let t = performance.now();
  const chunk = 2_000;
  for (let i = 0; i < lines.length && ONLY !== 'latency' && !reused; i += chunk * 4) {
    const sends = [];
    for (let j = i; j < Math.min(lines.length, i + chunk * 4); j += chunk) {
      sends.push(producer.send({ topic, acks: -1, messages: lines.slice(j, j + chunk).map((value) => ({ key: keyOf(value), value })) }));
    }
    await Promise.all(sends);
  }
  await producer.disconnect();
  const bytes = lines.reduce((n, line) => n + line.length, 0);
  if (ONLY !== 'latency') console.log(`workload: ${fmt(EVENTS)} events (${(bytes / EVENTS).toFixed(0)} bytes avg), ${fmt(AGENTS)} agents, ${PARTITIONS} partitions; ${reused ? `topic ${topic} reused` : `produced in ${((performance.now() - t) / 1000).toFixed(1)} s`}${process.env.BENCH_KEEP_TOPIC ? ` (kept: BENCH_REUSE_TOPIC=${topic})` : ''}`);

  // 2. baseline: a bare kafkajs consumer
  if (ONLY !== 'latency') {
    const consumer = kafka.consumer({ groupId: `bench-baseline-${suffix}`, maxBytesPerPartition: MAX_BYTES_PER_PARTITION, maxWaitTimeInMs: 500 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let read = 0;
    let first = 0;
    await consumer.run({
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        read += batch.messages.length;
      },
    });
    await waitUntil(() => read >= EVENTS, 600_000, 'the baseline consumer');
    const seconds = (performance.now() - first) / 1000;
    await consumer.disconnect();
    baseline = EVENTS / seconds;
    console.log(`bare kafkajs consumer  ${fmt(baseline).padStart(9)} events/s  (${seconds.toFixed(2)} s from the first batch)`);
  }

  // 3a. the ceiling: the same events through the pipeline in memory (decode, detectors, a counting sink; no Kafka)
  if (ONLY !== 'latency') {
    const config = benchConfig(registry, topic, 'unused', join(dir, 'unused.jsonl'));
    const engine = await buildEngine(config, silentLogger);
    const pipeline = new Pipeline(engine, { sinks: [{ name: 'count', deliver: async () => {}, close: async () => {} }], deadLetters: { write: async () => {}, close: async () => {} } });
    const records: SourceRecord[] = lines.map((value) => ({ value: Buffer.from(value), position: { topic, partition: 0, offset: '0' } }));
    const started = performance.now();
    for (let i = 0; i < records.length; i += 2_500) await pipeline.processBatch(records.slice(i, i + 2_500));
    inMemory = EVENTS / ((performance.now() - started) / 1000);
    console.log(`pipeline in memory     ${fmt(inMemory).padStart(9)} events/s  (the same events and detectors, no Kafka, no changelog, a counting sink)`);
  }

  // The job is measured without the workload in this process's heap (~200 MB of strings that
  // every full garbage collection would go over; `driftwatch run` has no such thing).
  lines = [];

  // 3b. driftwatch: throughput, BENCH_RUNS times (each its own group and state topic, and its own
  // process, as `driftwatch run`: in this one, the heap the phases before left behind made garbage
  // collection take about three times the CPU share it takes in a fresh process); the target is
  // judged on the median
  if (ONLY !== 'latency') {
    const rates: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      rates.push(
        await throughputRun({
          BENCH_REGISTRY: registry,
          BENCH_TOPIC: topic,
          BENCH_GROUP: `bench-driftwatch-${suffix}-${run}`,
          BENCH_ALERTS: join(dir, `alerts-${run}.jsonl`),
          BENCH_LABEL: RUNS > 1 ? `run ${run}/${RUNS}: ` : '',
          BENCH_BASELINE_RATE: String(baseline),
          BENCH_IN_MEMORY_RATE: String(inMemory),
        }),
      );
    }
    const sorted = rates.filter((rate) => !Number.isNaN(rate)).sort((a, b) => a - b);
    const middle = sorted.length / 2;
    const median = sorted.length === 0 ? Number.NaN : sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
    if (RUNS > 1) console.log(`sustained, ${RUNS} runs   ${rates.map(fmt).join(' / ')} events/s; median ${fmt(median)}`);
    console.log(`target ≥ 50,000 events/s sustained (median of the runs): ${median >= 50_000 ? 'met' : 'NOT met'}`);
  }

  // 4. latency at a fixed rate
  if (ONLY !== 'throughput') {
    const config = benchConfig(registry, latencyTopic, `bench-latency-${suffix}`, join(dir, 'latency-alerts.jsonl'));
    const { job, acks } = await startJob(config);
    // Joined and idle before the clock starts.
    await new Promise((r) => setTimeout(r, 2_000));
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
      env: { ...process.env, BENCH_ROLE: 'producer', BENCH_TOPIC: latencyTopic },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const code = await new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
    if (code !== 0) throw new Error(`producer process exited with ${code}`);
    const { sent, seconds, started } = JSON.parse(out) as { sent: number; seconds: number; started: number };
    const expectedAlerts = Math.ceil(sent / 50);
    await waitUntil(() => job.pipeline.counters.records >= sent, 60_000, 'the latency events to be processed', 10);
    await waitUntil(() => acks.ackedAt.size >= expectedAlerts, 30_000, 'the latency alerts', 10).catch(() => undefined);
    await job.stop();
    const measured: number[] = [];
    const warm: number[] = [];
    for (const alert of acks.alerts) {
      const evidence = alert.evidence.find((id) => id.startsWith('lat-'));
      if (!evidence) continue;
      const sentAt = Number(evidence.split('-')[2]);
      (sentAt - started < WARMUP_SECONDS * 1000 ? warm : measured).push(acks.ackedAt.get(alert.id)! - sentAt);
    }
    if (process.env.BENCH_DEBUG) {
      for (const alert of acks.alerts) {
        const evidence = alert.evidence.find((id) => id.startsWith('lat-'));
        const sentAt = Number(evidence?.split('-')[2]);
        const latency = acks.ackedAt.get(alert.id)! - sentAt;
        if (latency > 150) console.log(`slow: sent ${sentAt % 100000} acked ${acks.ackedAt.get(alert.id)! % 100000} latency ${latency}`);
      }
    }
    measured.sort((a, b) => a - b);
    warm.sort((a, b) => a - b);
    const p50 = percentile(measured, 50);
    const p99 = percentile(measured, 99);
    console.log(
      `latency at ${fmt(sent / seconds)} events/s: ${measured.length} alerts in the ${SECONDS} s measured (${acks.ackedAt.size} of ${expectedAlerts} expected in all), ` +
        `event-to-alert p50 ${p50} ms, p99 ${p99} ms, max ${measured[measured.length - 1]} ms`,
    );
    console.log(`  during the ${WARMUP_SECONDS} s warm-up before (agents seen for the first time): p50 ${percentile(warm, 50)} ms, p99 ${percentile(warm, 99)} ms, max ${warm[warm.length - 1]} ms`);
    console.log(`target p99 ≤ 250 ms at 5,000 events/s: ${p99 <= 250 ? 'met' : 'NOT met'}`);
  }

  const groups = [...Array.from({ length: RUNS }, (_, i) => `bench-driftwatch-${suffix}-${i + 1}`), `bench-latency-${suffix}`];
  const jobTopics = groups.flatMap((group) => [`${group}-state`, `${group}-dlq`, `${group}-tokens`]);
  const existing = new Set(await admin.listTopics());
  await admin.deleteTopics({ topics: [...(reused || process.env.BENCH_KEEP_TOPIC ? [] : [topic]), latencyTopic, ...jobTopics].filter((name) => existing.has(name)) }).catch(() => undefined);
  await admin.disconnect();
}

let baseline = 0;
const checkpoints = { count: 0, snapshots: 0 };
let inMemory = 0;

/** One throughput run in a child process (role `throughput`); resolves with its steady-state events/s. */
async function throughputRun(env: Record<string, string>): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, ...env, BENCH_ROLE: 'throughput' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let rate = Number.NaN;
  child.on('message', (message) => (rate = (message as { rate: number }).rate));
  const code = await new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
  if (code !== 0) throw new Error(`throughput run exited with ${code}`);
  return rate;
}

async function throughputRole(): Promise<void> {
  const env = (name: string) => process.env[name]!;
  baseline = Number(env('BENCH_BASELINE_RATE'));
  inMemory = Number(env('BENCH_IN_MEMORY_RATE'));
  const rate = await measureThroughput(env('BENCH_REGISTRY'), env('BENCH_TOPIC'), env('BENCH_GROUP'), env('BENCH_ALERTS'), env('BENCH_LABEL'));
  process.send!({ rate });
}

/** One run of the Kafka job over the whole topic; returns its steady-state events/s. */
async function measureThroughput(registry: string, topic: string, group: string, alertsPath: string, label: string): Promise<number> {
  const config = benchConfig(registry, topic, group, alertsPath);
  const { job, acks } = await startJob(config);
  checkpoints.count = 0;
  checkpoints.snapshots = 0;
  const startedAt = performance.now();
  // The clock starts at the first batch processed (its events not counted); the steady state
  // leaves out the first WARMUP_SECONDS after it (JIT, first sight of each agent, restore).
  const counted = () => job.pipeline.counters.records;
  let first = { at: 0, records: 0 };
  let steady = { at: 0, records: 0, cpu: process.cpuUsage() };
  await waitUntil(() => {
    const now = performance.now();
    if (first.at === 0 && counted() > 0) first = { at: now, records: counted() };
    if (first.at > 0 && steady.at === 0 && now - first.at >= WARMUP_SECONDS * 1000) steady = { at: now, records: counted(), cpu: process.cpuUsage() };
    return counted() >= EVENTS;
  }, 600_000, 'driftwatch to process the topic', 2);
  const done = performance.now();
  const cpu = process.cpuUsage(steady.cpu);
  await job.stop();
  const seconds = (done - first.at) / 1000;
  const whole = (EVENTS - first.records) / seconds;
  const rate = steady.at > 0 ? (EVENTS - steady.records) / ((done - steady.at) / 1000) : NaN;
  console.log(
    `${label}driftwatch kafka job   ${fmt(rate).padStart(9)} events/s  steady state: the ${fmt(EVENTS - steady.records)} events after the first ${WARMUP_SECONDS} s, in ${((done - steady.at) / 1000).toFixed(2)} s ` +
      `(this process: ${((cpu.user + cpu.system) / (EVENTS - steady.records)).toFixed(1)} µs CPU per event, all threads)`,
  );
  console.log(
    `${' '.repeat(label.length)}                       ${fmt(whole).padStart(9)} events/s  whole run: ${seconds.toFixed(2)} s from the first batch processed; ${((done - startedAt) / 1000).toFixed(2)} s with start-up and group join; ` +
      `${fmt(acks.count)} alerts acknowledged by the file sink; ${checkpoints.count} partition checkpoints with ${fmt(checkpoints.snapshots)} agent snapshots, commit interval ${COMMIT_INTERVAL_MS} ms`,
  );
  console.log(`${' '.repeat(label.length)}ratio driftwatch/bare  ${(rate / baseline).toFixed(2)}; driftwatch/in-memory pipeline ${(rate / inMemory).toFixed(2)} (steady state)`);
  return rate;
}

function benchConfig(registry: string, topic: string, group: string, alertsPath: string): Config {
  return configSchema.parse({
    registry,
    source: {
      type: 'kafka',
      brokers: process.env.KAFKA_BROKERS!.split(','),
      topics: [topic],
      group,
      from_beginning: true,
      // Per run (by group), also when the event topic is reused: a state topic of an earlier run
      // would restore its agents and skip the events it applied.
      state_topic: `${group}-state`,
      dead_letter_topic: `${group}-dlq`,
      tokens_topic: `${group}-tokens`,
      max_bytes_per_partition: MAX_BYTES_PER_PARTITION,
    },
    sinks: [{ type: 'file', name: 'alerts', path: alertsPath }],
  });
}

async function startJob(config: Config): Promise<{ job: KafkaJob; acks: AckTimes & { alerts: Alert[] } }> {
  const engine = await buildEngine(config, silentLogger);
  const [fileSink] = createSinks(config.sinks, new PassThrough());
  const alerts: Alert[] = [];
  const acks = Object.assign(new AckTimes(fileSink!), { alerts });
  const recording: AlertSink = {
    name: acks.name,
    deliver: async (batch) => {
      await acks.deliver(batch);
      alerts.push(...batch);
    },
    close: () => acks.close(),
  };
  const job = new KafkaJob(config.source as KafkaSourceConfig, engine, [recording], {
    maxEventBytes: config.max_event_bytes,
    logger: silentLogger,
    commitIntervalMs: COMMIT_INTERVAL_MS,
    onCommitted: ({ agents, partition }) => {
      if (process.env.BENCH_DEBUG) console.log(`checkpoint p${partition} at ${Date.now() % 100000} agents ${agents}`);
      checkpoints.count++;
      checkpoints.snapshots += agents;
    },
  });
  await job.start();
  return { job, acks };
}

if (process.env.BENCH_ROLE === 'producer') await producerRole();
else if (process.env.BENCH_ROLE === 'throughput') await throughputRole();
else await main();
