// Helpers for the Kafka job's integration tests (test/integration/kafka): configs for `driftwatch
// run`, child processes to kill, the in-process file replay to compare with, and the waiting on
// consumer-group offsets. Every wait is bounded. Builds on test/helpers/kafka.ts.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import * as kafkajs from 'kafkajs';
import { afterAll, afterEach } from 'vitest';
import { benchLines, benchRegistryYaml } from '../../bench/workload.js';
import type { Alert } from '../../src/alerts/alert.js';
import { buildEngine, runJob } from '../../src/cli/job.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import type { KafkaSourceConfig } from '../../src/config/kafka.js';
import { decodeLine } from '../../src/events/native.js';
import { KafkaJob, type KafkaJobOptions } from '../../src/kafka/job.js';
import type { AlertSink } from '../../src/sinks/sink.js';
import { silentLogger, type Logger } from '../../src/telemetry/log.js';
import { spawnCli, type CliProcess } from '../fixtures/core/cli.js';
import { brokers, createTopic, deleteTopics, kafka, randomTopicName, withAdmin } from './kafka.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEMO_EVENTS = join(ROOT, 'fixtures/demo/events.jsonl');

/** The demo stream's lines (blank lines left out). */
const demoLines = (): string[] => readFileSync(DEMO_EVENTS, 'utf8').split('\n').filter((line) => line.trim() !== '');

/** The demo stream's valid events, as lines (it holds a few invalid ones on purpose). */
export const validDemoLines = (): string[] => demoLines().filter((line) => decodeLine(line).ok);
export const DEMO_REGISTRY = join(ROOT, 'fixtures/demo/registry.yaml');
export const TEST_DETECTORS = join(ROOT, 'test/integration/kafka/fixtures/detectors');

export async function tempDir(prefix = 'dw-kafka-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Names for one test: event topic, group, state, dead-letter and tokens topics, all unique. */
export function jobNames(prefix: string): { topic: string; group: string; stateTopic: string; deadLetterTopic: string; tokensTopic: string } {
  const topic = randomTopicName(prefix);
  return { topic, group: `${topic}-group`, stateTopic: `${topic}-state`, deadLetterTopic: `${topic}-dlq`, tokensTopic: `${topic}-tokens` };
}

export interface JobConfigOptions {
  topic: string | string[];
  group: string;
  stateTopic: string;
  deadLetterTopic: string;
  /** The shared tokens topic (omitted: the config's default). */
  tokensTopic?: string;
  registry: string;
  /** JSONL alerts file (`type: file` sink); omitted: no file sink. */
  alertsPath?: string;
  /** Extra sink entries (YAML-able objects). */
  sinks?: Record<string, unknown>[];
  detectorDirectories?: string[];
  maturity?: string[];
  settings?: Record<string, unknown>;
  maxEventBytes?: number;
  /** Small values make many small batches (many commits): mid-stream kills land between them. */
  maxBytesPerPartition?: number;
  sessionTimeoutMs?: number;
  /** Extra keys of the kafka source (sasl, tls, create_topics…). */
  source?: Record<string, unknown>;
}

/** The config as plain data (what the YAML file holds). */
export function jobConfigData(options: JobConfigOptions): Record<string, unknown> {
  return {
    registry: options.registry,
    source: {
      type: 'kafka',
      brokers: brokers(),
      client_id: 'driftwatch-test-job',
      topics: Array.isArray(options.topic) ? options.topic : [options.topic],
      group: options.group,
      from_beginning: true,
      state_topic: options.stateTopic,
      dead_letter_topic: options.deadLetterTopic,
      ...(options.tokensTopic ? { tokens_topic: options.tokensTopic } : {}),
      session_timeout_ms: options.sessionTimeoutMs ?? 10_000,
      ...(options.maxBytesPerPartition ? { max_bytes_per_partition: options.maxBytesPerPartition } : {}),
      ...options.source,
    },
    ...(options.maxEventBytes ? { max_event_bytes: options.maxEventBytes } : {}),
    detectors: {
      directories: options.detectorDirectories ?? [],
      maturity: options.maturity ?? ['stable'],
      settings: options.settings ?? {},
    },
    sinks: [...(options.alertsPath ? [{ type: 'file', name: 'alerts', path: options.alertsPath }] : []), ...(options.sinks ?? [])],
  };
}

/** Writes the config as YAML (JSON is YAML) and returns its path. */
export async function writeJobConfig(dir: string, options: JobConfigOptions, name = 'driftwatch.yaml'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(jobConfigData(options), null, 2) + '\n');
  return path;
}

/** The validated config, for in-process jobs. */
export function jobConfig(options: JobConfigOptions): Config {
  return configSchema.parse(jobConfigData(options));
}

export type JobProcess = CliProcess;

/** `driftwatch run --config <path>` as a child process (its own OS process, to be killed). */
export function spawnJob(configPath: string, env: Record<string, string> = {}): JobProcess {
  return spawnCli(['run', '--config', configPath], { env });
}

/** Kills a child that is still running (test clean-up) and waits for it. */
export async function ensureStopped(job: JobProcess | undefined): Promise<void> {
  if (!job) return;
  job.kill('SIGKILL');
  await job.exited;
}

/**
 * The clean-up of a describe block of job tests, registered with vitest: the child processes
 * started with `spawn` are killed after each test, the topics in `topics` deleted after all.
 */
export interface JobSuite {
  /** Topics to delete after the block (`benchWorkload` and `topic` add theirs). */
  readonly topics: string[];
  /** `spawnJob`, killed after the test if it is still running. */
  spawn(configPath: string, env?: Record<string, string>): JobProcess;
  /**
   * Writes a config `<name>.yaml` into `dir` (alerts to `alerts-<name>.jsonl` there, unless
   * `alertsPath` is given) and spawns `driftwatch run` on it.
   */
  start(dir: string, name: string, options: JobConfigOptions): Promise<JobProcess>;
  /** Fresh job names, the event topic created (and deleted after the block). */
  topic(prefix: string, partitions?: number): Promise<ReturnType<typeof jobNames>>;
  /** A temp dir with the benchmark workload (registry and events file), its topic created. */
  benchWorkload(prefix: string, workload: BenchWorkloadOptions): Promise<BenchWorkload>;
}

export interface BenchWorkloadOptions {
  agents: number;
  events: number;
  seed: number;
  partitions?: number;
  /** Rewrites the generated lines before they are written (e.g. `withTokenMisuse`). */
  transform?: (lines: string[]) => string[];
}

export interface BenchWorkload {
  names: ReturnType<typeof jobNames>;
  dir: string;
  /** registry.yaml in `dir`. */
  registry: string;
  lines: string[];
  /** events.jsonl in `dir`: the lines, for `fileReplay`. */
  eventsPath: string;
}

/** Call at the top of a describe block: see `JobSuite`. */
export function jobSuite(): JobSuite {
  const topics: string[] = [];
  let running: JobProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.map(ensureStopped));
    running = [];
  });
  afterAll(async () => {
    await deleteTopics(topics).catch(() => undefined);
  });
  const spawn = (configPath: string, env?: Record<string, string>): JobProcess => {
    const job = spawnJob(configPath, env);
    running.push(job);
    return job;
  };
  const topic = async (prefix: string, partitions = 1) => {
    const names = jobNames(prefix);
    await createTopic(names.topic, { partitions });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic, names.tokensTopic);
    return names;
  };
  return {
    topics,
    spawn,
    start: async (dir, name, options) => spawn(await writeJobConfig(dir, { alertsPath: join(dir, `alerts-${name}.jsonl`), ...options }, `${name}.yaml`)),
    topic,
    async benchWorkload(prefix, { agents, events, seed, partitions = 1, transform = (lines) => lines }) {
      const dir = await tempDir();
      const registry = join(dir, 'registry.yaml');
      await writeFile(registry, benchRegistryYaml(agents));
      const lines = transform(benchLines(agents, events, seed));
      const eventsPath = join(dir, 'events.jsonl');
      await writeFile(eventsPath, lines.join('\n') + '\n');
      return { names: await topic(prefix, partitions), dir, registry, lines, eventsPath };
    },
  };
}

/** Waits until the job committed something on the topic, then `settleMs` more, so that it is mid-stream. */
export async function waitForFirstCommit(job: JobProcess, group: string, topic: string, { timeoutMs = 120_000, settleMs = 1_500 } = {}): Promise<void> {
  await waitFor(async () => (await committedTotal(group, topic)) > 0n, { timeoutMs, label: 'a first commit', alive: [job] });
  await new Promise((r) => setTimeout(r, settleMs));
}

/**
 * Lets the job consume the rest of the stream (`live`, once it is produced) up to the end of the
 * topic, then stops it with SIGTERM. Returns how it exited.
 */
export async function drainAndStop(job: JobProcess, group: string, topic: string, live?: LiveProducer, timeoutMs = 120_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  await live?.finished;
  await waitForCommittedToEnd(group, topic, timeoutMs, [job]);
  job.kill('SIGTERM');
  return job.exited;
}

/** The alerts of several JSONL alerts files of `dir`, in order. */
export function readAlertFiles(dir: string, names: readonly string[]): Alert[] {
  return names.flatMap((name) => readAlerts(join(dir, name)));
}

/** Canonical alerts of a JSONL alerts file; a torn last line (the writer was killed) is ignored. */
export function readAlerts(path: string): Alert[] {
  if (!existsSync(path)) return [];
  const alerts: Alert[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      alerts.push(JSON.parse(line) as Alert);
    } catch {
      // torn write at a SIGKILL
    }
  }
  return alerts;
}

export interface ReplayOptions {
  registry: string;
  detectorDirectories?: string[];
  maturity?: string[];
  settings?: Record<string, unknown>;
  maxEventBytes?: number;
}

/** The alerts of replaying an events file in process (file source, JSONL sink): the reference. */
export async function fileReplay(eventsPath: string, options: ReplayOptions): Promise<Alert[]> {
  const dir = await tempDir('dw-replay-');
  const alertsPath = join(dir, 'alerts.jsonl');
  const config = configSchema.parse({
    registry: options.registry,
    source: { type: 'file', path: eventsPath },
    dead_letter: { path: join(dir, 'dead-letters.jsonl') },
    ...(options.maxEventBytes ? { max_event_bytes: options.maxEventBytes } : {}),
    detectors: { directories: options.detectorDirectories ?? [], maturity: options.maturity ?? ['stable'], settings: options.settings ?? {} },
    sinks: [{ type: 'file', name: 'alerts', path: alertsPath }],
  });
  await runJob(config, { stdin: new PassThrough(), stdout: new PassThrough(), logger: silentLogger });
  return readAlerts(alertsPath);
}

/** The `agent.id` of a JSONL event line, or null when the line is not such an event. */
export function agentOfLine(line: string): string | null {
  try {
    const id = (JSON.parse(line) as { agent?: { id?: unknown } }).agent?.id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

/**
 * Produces raw values in order, keyed like driftwatch's producers (by agent.id), in chunks that
 * keep each record batch under the broker's limit. Returns each value's partition and offset.
 */
export async function produceValues(
  topic: string,
  values: readonly (string | Buffer | null)[],
  keyOf: (value: string | Buffer | null, index: number) => string | null = (value) => (typeof value === 'string' ? agentOfLine(value) : null),
  { chunk = 500, timestamps }: { chunk?: number; timestamps?: boolean } = {},
): Promise<{ partition: number; offset: bigint }[]> {
  const producer = kafka('driftwatch-test-producer').producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const positions: { partition: number; offset: bigint }[] = [];
  try {
    for (let start = 0; start < values.length; start += chunk) {
      const slice = values.slice(start, start + chunk);
      const keys = slice.map((value, i) => keyOf(value, start + i));
      const partitions = await partitionsOf(topic, keys);
      const messages = slice.map((value, i) => ({
        key: keys[i],
        value,
        partition: partitions[i],
        ...(timestamps ? { timestamp: String(Date.now()) } : {}),
      }));
      const metadata = await producer.send({ topic, acks: -1, messages, timeout: 30_000 });
      // Within one send, the messages of a partition are consecutive from its base offset, in order.
      const next = new Map(metadata.map((m) => [m.partition, BigInt(m.baseOffset ?? '0')]));
      for (const partition of partitions) {
        const offset = next.get(partition)!;
        positions.push({ partition, offset });
        next.set(partition, offset + 1n);
      }
    }
  } finally {
    await producer.disconnect();
  }
  return positions;
}

let partitionCounts = new Map<string, number>();

/** The partition of each key: murmur2 as Kafka's default partitioner; set explicitly so the test knows it. */
async function partitionsOf(topic: string, keys: readonly (string | null)[]): Promise<number[]> {
  let count = partitionCounts.get(topic);
  if (count === undefined) {
    count = await withAdmin(async (admin) => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length);
    partitionCounts.set(topic, count);
  }
  if (count === 1) return keys.map(() => 0);
  return keys.map((key) => {
    if (key === null) return 0;
    return (murmur2(Buffer.from(key)) & 0x7fffffff) % count!;
  });
}

/** Kafka's murmur2 (as in kafkajs' DefaultPartitioner / the Java client). */
function murmur2(data: Buffer): number {
  const length = data.length;
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  let h = seed ^ length;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4]! & 0xff) + ((data[i4 + 1]! & 0xff) << 8) + ((data[i4 + 2]! & 0xff) << 16) + ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const left = length % 4;
  const base = length - left;
  if (left >= 3) h ^= (data[base + 2]! & 0xff) << 16;
  if (left >= 2) h ^= (data[base + 1]! & 0xff) << 8;
  if (left >= 1) {
    h ^= data[base]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h;
}

/** Committed offsets of a group on a topic, by partition (absent: nothing committed). */
export async function committedOffsets(group: string, topic: string): Promise<Map<number, bigint>> {
  return withAdmin(async (admin) => {
    const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const out = new Map<number, bigint>();
    for (const { partition, offset } of entry?.partitions ?? []) if (BigInt(offset) >= 0n) out.set(partition, BigInt(offset));
    return out;
  });
}

/** End (high-watermark) offsets of a topic, by partition. */
export async function endOffsets(topic: string): Promise<Map<number, bigint>> {
  return withAdmin(async (admin) => new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)])));
}

/** Sum of committed offsets (records consumed and committed when the topic started empty). */
export async function committedTotal(group: string, topic: string): Promise<bigint> {
  let total = 0n;
  for (const offset of (await committedOffsets(group, topic)).values()) total += offset;
  return total;
}

/** Waits until the group committed every partition of the topic up to its end. */
export async function waitForCommittedToEnd(group: string, topic: string, timeoutMs = 60_000, alive: JobProcess[] = []): Promise<void> {
  const end = await endOffsets(topic);
  await waitFor(
    async () => {
      // A fresh broker's group coordinator may still be loading: not yet.
      const committed = await committedOffsets(group, topic).catch((error: { retriable?: boolean }) => {
        if (error.retriable) return new Map<number, bigint>();
        throw error;
      });
      return [...end].every(([partition, high]) => high === 0n || (committed.get(partition) ?? -1n) >= high);
    },
    { timeoutMs, label: `group ${group} to commit ${topic} to its end`, alive },
  );
}

/** Members of a consumer group (describeGroups), with their assigned partitions of `topic`. */
export async function groupMembers(group: string, topic?: string): Promise<{ memberId: string; clientId: string; partitions: number[] }[]> {
  const kafkajs = await import('kafkajs');
  const { AssignerProtocol } = kafkajs.default;
  return withAdmin(async (admin) => {
    const { groups } = await admin.describeGroups([group]);
    return (groups[0]?.members ?? []).map((member) => {
      let partitions: number[] = [];
      if (topic && member.memberAssignment.length > 0) {
        const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
        partitions = decoded?.assignment[topic] ?? [];
      }
      return { memberId: member.memberId, clientId: member.clientId, partitions };
    });
  });
}

/**
 * Polls `check` until it returns true; throws after `timeoutMs` with the label, or as soon as one
 * of the `alive` processes has ended (with the end of its stderr).
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 30_000, intervalMs = 200, label = 'condition', alive = [] as JobProcess[] } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    const dead = alive.find((job) => job.hasExited());
    if (dead) throw new Error(`process ended while waiting for ${label} (exit ${dead.child.exitCode ?? dead.child.signalCode}):\n${dead.stderr().slice(-4000)}`);
    if (Date.now() > deadline) {
      const logs = alive.map((job, i) => `--- process ${i} stderr:\n${job.stderr().slice(-4000)}`).join('\n');
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}${logs ? '\n' + logs : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A sink that keeps what it receives (in-process jobs). */
export class CollectingSink implements AlertSink {
  readonly alerts: Alert[] = [];
  /** Receipt time (ms since epoch) of each alert, by id (first receipt). */
  readonly receivedAt = new Map<string, number>();
  constructor(readonly name = 'collect') {}
  async deliver(alerts: readonly Alert[]): Promise<void> {
    const now = Date.now();
    for (const alert of alerts) {
      this.alerts.push(alert);
      if (!this.receivedAt.has(alert.id)) this.receivedAt.set(alert.id, now);
    }
  }
  async close(): Promise<void> {}
}

export interface InProcessJob {
  job: KafkaJob;
  stop(): Promise<void>;
}

/** Builds the engine from the config and starts a KafkaJob with the given sinks, in this process. */
export async function startInProcessJob(config: Config, sinks: AlertSink[], options: Partial<KafkaJobOptions> & { logger?: Logger } = {}): Promise<InProcessJob> {
  const logger = options.logger ?? silentLogger;
  const engine = await buildEngine(config, logger);
  const job = new KafkaJob(config.source as KafkaSourceConfig, engine, sinks, { maxEventBytes: config.max_event_bytes, logger, ...options });
  await job.start();
  let stopped: Promise<void> | undefined;
  return { job, stop: () => (stopped ??= job.stop()) };
}

/** A logger that keeps its lines (and can echo them when DRIFTWATCH_TEST_LOG is set). */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    log(level, message, fields) {
      const line = `${level} ${message} ${fields ? JSON.stringify(fields) : ''}`;
      lines.push(line);
      if (process.env.DRIFTWATCH_TEST_LOG) process.stderr.write(line + '\n');
    },
  };
}

/** Multiset comparison helpers on alert ids. */
export function idSet(alerts: readonly Alert[]): Set<string> {
  return new Set(alerts.map((alert) => alert.id));
}

export function sortedIds(alerts: readonly Alert[]): string[] {
  return alerts.map((alert) => alert.id).sort();
}

export function resetPartitionCache(): void {
  partitionCounts = new Map();
}

/**
 * The benchmark workload (bench/workload.ts) with token misuse spliced in: every `every` events a
 * token is issued to one agent, and `gap` events later another agent uses it (a critical
 * token-misuse alert that needs the token ledger across the gap).
 */
export function withTokenMisuse(lines: readonly string[], { every = 1000, gap = 1500 } = {}): string[] {
  const out: string[] = [];
  const pending = new Map<number, string>();
  const timeOf = (line: string) => (JSON.parse(line) as { time: string }).time;
  const agentOf = (line: string) => (JSON.parse(line) as { agent: { id: string } }).agent.id;
  lines.forEach((line, n) => {
    out.push(line);
    const use = pending.get(n);
    if (use !== undefined) {
      pending.delete(n);
      out.push(use.replace('__TIME__', timeOf(line)).replace('__USER__', agentOf(line) === use.split('"issued-to":"')[1]?.split('"')[0] ? 'agent-misuser' : agentOf(line)));
    }
    if (n % every === every - 1 && n + gap < lines.length) {
      const issuedTo = agentOf(line);
      const fingerprint = `sha256:${createHash('sha256').update(`misuse-${n}`).digest('hex')}`;
      out.push(
        `{"v":1,"id":"tok-${n}","time":"${timeOf(line)}","type":"token_issued","agent":{"id":"${issuedTo}"},"token":{"fingerprint":"${fingerprint}","issuer":"https://idp.corp.example","audience":"erp-prod","scopes":["read"],"ttl_s":2592000,"grant":"client_credentials"}}`,
      );
      pending.set(
        n + gap,
        `{"v":1,"id":"use-${n}","time":"__TIME__","type":"tool_use","agent":{"id":"__USER__"},"issued-to":"${issuedTo}","tool":"erp.read","system":"erp-prod","action":"read","outcome":"success","token":"${fingerprint}"}`,
      );
    }
  });
  return out;
}

export interface LiveProducer {
  /** Lines produced (acknowledged) so far. */
  produced(): number;
  /** Lets the held lines go. */
  release(): void;
  readonly finished: Promise<void>;
}

/**
 * Produces the lines in order, `initial` at once and the rest at about `rate` lines/s in the
 * background: a live stream, so that a job is mid-stream whenever the test acts on it. The last
 * `held` lines wait for `release()`: on a machine of any speed, events are still to come when the
 * test acts.
 */
export function produceLive(topic: string, lines: readonly string[], { rate = 4_000, initial = 5_000, held = 0 } = {}): LiveProducer {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const end = lines.length - held;
  let produced = 0;
  const finished = (async () => {
    await produceValues(topic, lines.slice(0, Math.min(initial, end)));
    produced = Math.min(initial, end);
    const started = Date.now();
    while (produced < end) {
      const due = Math.min(end, initial + Math.floor(((Date.now() - started) / 1000) * rate));
      if (due > produced) {
        await produceValues(topic, lines.slice(produced, due));
        produced = due;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (held === 0) return;
    await released;
    await produceValues(topic, lines.slice(end));
    produced = lines.length;
  })();
  finished.catch(() => undefined);
  return { produced: () => produced, release, finished };
}

export interface SaslBroker {
  /** SASL_PLAINTEXT listener (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). */
  saslBrokers: string[];
  /** PLAINTEXT listener of the same broker (for test set-up). */
  plainBrokers: string[];
  /** SASL_SSL listener (client certificate required), when started with `tls`. */
  tlsBrokers: string[];
  user: string;
  password: string;
  stop(): Promise<void>;
}

/** Where scripts/kafka.sh keeps the broker jars; undefined when they are not installed. */
export function kafkaLibs(): string | undefined {
  const libs = join(process.env.KAFKA_CACHE_DIR ?? join(ROOT, '.cache/kafka'), 'libs');
  return existsSync(libs) && readdirSync(libs).some((name) => /^kafka_2\.13-.*\.jar$/.test(name)) ? libs : undefined;
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolvePort) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * A private single-node KRaft broker (the jars of scripts/kafka.sh) with a SASL_PLAINTEXT listener
 * accepting PLAIN and SCRAM-SHA-256/512 for one user, besides PLAINTEXT. Its own data directory,
 * stopped by `stop()`. About as slow to start as `scripts/kafka.sh start` (10–15 s).
 */
export async function startSaslBroker(
  libs: string,
  { user = 'alice', password = `pw-${randomBytes(6).toString('hex')}`, tls }: { user?: string; password?: string; tls?: { caFile: string; certFile: string; keyFile: string } } = {},
): Promise<SaslBroker> {
  const [plain, sasl, controller, secure] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const dir = await tempDir('dw-sasl-broker-');
  const keystore = join(dir, 'server-keystore.pem');
  if (tls) await writeFile(keystore, readFileSync(tls.keyFile, 'utf8') + readFileSync(tls.certFile, 'utf8'));
  const jaas = (listener: string) => [
    `listener.name.${listener}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${user}="${password}";`,
    `listener.name.${listener}.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    `listener.name.${listener}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
  ];
  const config = join(dir, 'server.properties');
  const log4j = join(dir, 'log4j2.xml');
  await writeFile(
    log4j,
    '<?xml version="1.0" encoding="UTF-8"?><Configuration status="WARN"><Appenders><Console name="o" target="SYSTEM_OUT"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console></Appenders><Loggers><Root level="WARN"><AppenderRef ref="o"/></Root></Loggers></Configuration>\n',
  );
  await writeFile(
    config,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.bootstrap.servers=127.0.0.1:${controller}`,
      `listeners=PLAINTEXT://127.0.0.1:${plain},SASL_PLAINTEXT://127.0.0.1:${sasl},CONTROLLER://127.0.0.1:${controller}${tls ? `,SASL_SSL://127.0.0.1:${secure}` : ''}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${plain},SASL_PLAINTEXT://127.0.0.1:${sasl}${tls ? `,SASL_SSL://127.0.0.1:${secure}` : ''}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      ...jaas('sasl_plaintext'),
      ...(tls
        ? [
            ...jaas('sasl_ssl'),
            'listener.name.sasl_ssl.ssl.keystore.type=PEM',
            `listener.name.sasl_ssl.ssl.keystore.location=${keystore}`,
            'listener.name.sasl_ssl.ssl.truststore.type=PEM',
            `listener.name.sasl_ssl.ssl.truststore.location=${tls.caFile}`,
            'listener.name.sasl_ssl.ssl.client.auth=required',
          ]
        : []),
      `log.dirs=${join(dir, 'data')}`,
      'auto.create.topics.enable=false',
      'num.partitions=1',
      'default.replication.factor=1',
      'min.insync.replicas=1',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'num.network.threads=2',
      'num.io.threads=2',
    ].join('\n') + '\n',
  );
  const classpath = `${libs}/*`;
  const clusterId = randomBytes(16).toString('base64url').replace(/^-/, 'A');
  const format = spawnSync(
    'java',
    [
      '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', `-Dlog4j2.configurationFile=${log4j}`, '-cp', classpath, 'kafka.tools.StorageTool',
      'format', '-t', clusterId, '-c', config, '--standalone',
      '--add-scram', `SCRAM-SHA-256=[name=${user},password=${password}]`,
      '--add-scram', `SCRAM-SHA-512=[name=${user},password=${password}]`,
    ],
    { encoding: 'utf8' },
  );
  if (format.status !== 0) throw new Error(`StorageTool format failed: ${format.stdout}${format.stderr}`);
  let output = '';
  const broker = spawn('java', ['-Xms128m', '-Xmx384m', '-XX:+UseG1GC', `-Dlog4j2.configurationFile=${log4j}`, '-cp', classpath, 'kafka.Kafka', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  broker.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  broker.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (broker.exitCode === null && broker.signalCode === null) {
      const exited = new Promise((r) => broker.once('exit', r));
      broker.kill('SIGTERM');
      const timer = setTimeout(() => broker.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const client = new (kafkajs.default.Kafka)({
      clientId: 'sasl-broker-wait',
      brokers: [`127.0.0.1:${sasl}`],
      sasl: { mechanism: 'plain', username: user, password },
      logLevel: kafkajs.default.logLevel.NOTHING,
      retry: { retries: 0 },
    });
    await waitFor(
      async () => {
        if (broker.exitCode !== null) throw new Error(`SASL broker exited: ${output.slice(-3000)}`);
        const admin = client.admin();
        try {
          await admin.connect();
          await admin.listTopics();
          // The group coordinator loaded (a fresh broker answers COORDINATOR_LOAD_IN_PROGRESS first).
          await admin.fetchOffsets({ groupId: 'sasl-broker-warm-up', topics: [] });
          return true;
        } catch {
          return false;
        } finally {
          await admin.disconnect().catch(() => undefined);
        }
      },
      { timeoutMs: 90_000, intervalMs: 500, label: 'the SASL broker' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { saslBrokers: [`127.0.0.1:${sasl}`], plainBrokers: [`127.0.0.1:${plain}`], tlsBrokers: tls ? [`127.0.0.1:${secure}`] : [], user, password, stop };
}
