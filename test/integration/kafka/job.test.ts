// The Kafka job in process, on the real broker: dead letters, a sink that fails, replays of
// checkpointed events, and the state and dead-letter topics.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/alerts/alert.js';
import { isDriftwatchError } from '../../../src/errors.js';
import { lagKey } from '../../../src/kafka/job-stats.js';
import type { AlertSink } from '../../../src/sinks/sink.js';
import { consumeAll, createTopic, deleteTopics, kafka, topicConfig, withAdmin } from '../../helpers/kafka.js';
import {
  CollectingSink,
  committedOffsets,
  DEMO_REGISTRY,
  fileReplay,
  jobConfig,
  jobNames,
  memoryLogger,
  produceValues,
  sortedIds,
  startInProcessJob,
  tempDir,
  TEST_DETECTORS,
  validDemoLines,
  waitForCommittedToEnd,
  type InProcessJob,
} from '../../helpers/kafka-job.js';

const comparable = (alerts: readonly Alert[]) =>
  alerts.map(({ detected_at: _d, ...rest }) => rest).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

describe('kafka job (in process)', () => {
  const topics: string[] = [];
  const jobs: InProcessJob[] = [];
  afterEach(async () => {
    // Taken out first: a stop that hangs must not leave its job to the next test's hook.
    await Promise.all(jobs.splice(0).map((job) => job.stop().catch(() => undefined)));
  });
  afterAll(async () => {
    await deleteTopics(topics).catch(() => undefined);
  });

  it('poison messages go to the dead-letter topic with the original bytes and reason headers; the stream goes on', async () => {
    const names = jobNames('poison');
    // The event topic accepts messages larger than the broker default, like a topic some producer misuses.
    await createTopic(names.topic, { partitions: 1, config: { 'max.message.bytes': String(3 * 1024 * 1024) } });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic);
    const dir = await tempDir();
    const eventsPath = join(dir, 'valid.jsonl');
    const valid = validDemoLines();
    await writeFile(eventsPath, valid.join('\n') + '\n');

    const half = Math.floor(valid.length / 2);
    const big = JSON.stringify({ v: 1, id: 'big-1', time: '2026-11-02T10:00:00Z', type: 'tool_use', agent: { id: 'invoice-bot' }, tool: 'erp.read', system: 'erp-prod', action: 'read', note: 'x'.repeat(10_000) });
    const huge = Buffer.alloc(1536 * 1024, 0x61); // 1.5 MiB: larger than what a dead-letter record may carry
    const poison: { value: Buffer | null; code: string; reason: RegExp }[] = [
      { value: Buffer.from('this is not json'), code: 'DW_EVENT_INVALID', reason: /not JSON/ },
      { value: null, code: 'DW_EVENT_INVALID', reason: /^empty value \(a tombstone/ },
      { value: Buffer.from(big), code: 'DW_EVENT_TOO_LARGE', reason: /larger than the limit of 8192 bytes/ },
      { value: Buffer.from(JSON.stringify({ v: 1, id: 'w-1', time: '2026-11-02T10:00:00Z', type: 'tool_use', agent: {} })), code: 'DW_EVENT_INVALID', reason: /agent\.id/ },
      { value: Buffer.from([0xff, 0xfe, 0x7b]), code: 'DW_EVENT_INVALID', reason: /UTF-8/ },
      { value: huge, code: 'DW_EVENT_TOO_LARGE', reason: /larger than the limit/ },
    ];
    const values: (string | Buffer | null)[] = [...valid.slice(0, half), ...poison.map((p) => p.value), ...valid.slice(half)];
    const positions = await produceValues(names.topic, values, (value) => (typeof value === 'string' ? JSON.parse(value).agent.id : 'poison'), { chunk: 50 });

    const sink = new CollectingSink();
    const config = jobConfig({ ...names, registry: DEMO_REGISTRY, maxEventBytes: 8192, maxBytesPerPartition: 64 * 1024 });
    jobs.push(await startInProcessJob(config, [sink]));
    await waitForCommittedToEnd(names.group, names.topic);

    const dead = await consumeAll(names.deadLetterTopic, { expect: poison.length, timeoutMs: 30_000, settleMs: 500 });
    expect(dead).toHaveLength(poison.length);
    const rawDead = await rawMessages(names.deadLetterTopic, poison.length);
    poison.forEach((p, i) => {
      const message = dead[i]!;
      const offset = positions[half + i]!.offset;
      expect(message.headers['dw-code']).toBe(p.code);
      expect(message.headers['dw-reason']).toMatch(p.reason);
      expect(message.headers['dw-source-topic']).toBe(names.topic);
      expect(message.headers['dw-source-partition']).toBe('0');
      expect(message.headers['dw-source-offset']).toBe(offset.toString());
      expect(message.key).toBe('poison');
      const original = p.value ?? Buffer.alloc(0);
      if (original.byteLength <= 900 * 1024) {
        expect(Buffer.compare(rawDead[i]!, original)).toBe(0);
      } else {
        // Past what one record may carry: the beginning of the original bytes, marked as cut.
        expect(message.headers['dw-truncated']).toBe('true');
        expect(message.headers['dw-original-bytes']).toBe(String(original.byteLength));
        expect(Buffer.compare(rawDead[i]!, original.subarray(0, rawDead[i]!.byteLength))).toBe(0);
      }
    });
    // Valid events before and after the poison gave exactly the alerts of replaying them from a file.
    const expected = await fileReplay(eventsPath, { registry: DEMO_REGISTRY });
    expect(expected.length).toBeGreaterThan(5);
    expect(comparable(sink.alerts)).toEqual(comparable(expected));
  });

  it('a sink that fails for seconds: nothing committed past the undelivered alert, every alert delivered after recovery, state not learned twice', async () => {
    const names = jobNames('flaky-sink');
    await createTopic(names.topic, { partitions: 1 });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic);
    const dir = await tempDir();
    const lines = validDemoLines();
    const eventsPath = join(dir, 'events.jsonl');
    await writeFile(eventsPath, lines.join('\n') + '\n');
    const expected = await fileReplay(eventsPath, { registry: DEMO_REGISTRY });
    const firstAlertLine = firstLineAlerted(lines, expected);

    const sink = new FailingSink();
    sink.failing = true;
    const logger = memoryLogger();
    const config = jobConfig({ ...names, registry: DEMO_REGISTRY, maxBytesPerPartition: 4 * 1024 });
    const running = await startInProcessJob(config, [sink], { logger });
    jobs.push(running);
    await produceValues(names.topic, lines);

    // Outage: the batch with the first alert fails again and again; nothing at or after it is committed.
    const until = Date.now() + 6_000;
    while (Date.now() < until) {
      const committed = (await committedOffsets(names.group, names.topic)).get(0) ?? 0n;
      expect(committed).toBeLessThanOrEqual(BigInt(firstAlertLine));
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(sink.failures).toBeGreaterThan(1);
    expect(sink.delivered).toEqual([]);

    sink.failing = false;
    await waitForCommittedToEnd(names.group, names.topic, 60_000);
    // Every alert, the same as the file replay: the failed batches were processed again from the
    // checkpoint, so the retried alerts were neither suppressed as repeats nor judged on a state
    // that had learned the batch already.
    expect(sortedIds(dedupe(sink.delivered))).toEqual(sortedIds(expected));
    expect(comparable(dedupe(sink.delivered))).toEqual(comparable(expected));
    expect(logger.lines.some((line) => line.includes('processing failed'))).toBe(true);
    // Each rollback says so in the log.
    expect(running.job.stats.rollbacks).toBeGreaterThan(0);
    expect(running.job.stats.rollbacks).toBe(logger.lines.filter((line) => line.includes('processing failed')).length);
  });

  it('alerts still being delivered hold back the commit of their batch, also with no batch after it to wait for them', async () => {
    const names = jobNames('slow-sink');
    await createTopic(names.topic, { partitions: 1 });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic);
    const dir = await tempDir();
    const all = validDemoLines();
    const replayed = await fileReplay(await writeLines(join(dir, 'all.jsonl'), all), { registry: DEMO_REGISTRY });
    // Up to the first line that raises an alert, produced in one request: one batch, the last.
    const firstAlertLine = firstLineAlerted(all, replayed);
    const lines = all.slice(0, firstAlertLine + 1);
    const expected = await fileReplay(await writeLines(join(dir, 'events.jsonl'), lines), { registry: DEMO_REGISTRY });
    expect(expected.length).toBeGreaterThan(0);
    await produceValues(names.topic, lines, undefined, { chunk: lines.length });

    const sink = new HeldSink();
    jobs.push(await startInProcessJob(jobConfig({ ...names, registry: DEMO_REGISTRY }), [sink], { commitIntervalMs: 200 }));
    await sink.reached;
    // Idle checkpoints come every 500 ms; none may commit the batch whose alerts are not acknowledged.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await committedOffsets(names.group, names.topic)).toEqual(new Map());
    sink.release();
    await waitForCommittedToEnd(names.group, names.topic, 30_000);
    expect(sortedIds(sink.delivered)).toEqual(sortedIds(expected));
  });

  it('counts consumer lag per partition while a sink holds the stream, zero once caught up, and its checkpoints', async () => {
    const names = jobNames('lag');
    await createTopic(names.topic, { partitions: 1 });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic);
    const dir = await tempDir();
    const lines = validDemoLines();
    const replayed = await fileReplay(await writeLines(join(dir, 'all.jsonl'), lines), { registry: DEMO_REGISTRY });
    const chunk = 10;
    // The held alert must come from a batch with more to read after it.
    const firstAlertLine = firstLineAlerted(lines, replayed);
    expect(firstAlertLine).toBeLessThan(lines.length - 4 * chunk);
    // Small record batches and fetches: the job reads the topic a few messages at a time.
    await produceValues(names.topic, lines, undefined, { chunk });
    const sink = new HeldSink();
    const running = await startInProcessJob(jobConfig({ ...names, registry: DEMO_REGISTRY, maxBytesPerPartition: 2_048 }), [sink], { commitIntervalMs: 200 });
    jobs.push(running);
    const { job } = running;
    await sink.reached;
    const lag = () => job.stats.lag.get(lagKey(names.topic, 0))?.messages;
    await expect.poll(lag, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(lag()).toBeLessThan(lines.length);
    // Events that arrive while the stream is held count too: no batch comes, the brokers' high watermark is read.
    const before = lag()!;
    await produceValues(names.topic, lines.slice(0, 25), undefined, { chunk });
    await expect.poll(lag, { timeout: 15_000 }).toBeGreaterThanOrEqual(before + 25);
    // Batches before the held one may have been checkpointed (on a slow machine, 200 ms pass
    // between them); the held batch and everything after it may not.
    const committed = (await committedOffsets(names.group, names.topic)).get(0) ?? 0n;
    expect(committed).toBeLessThanOrEqual(BigInt(firstAlertLine));
    expect(job.stats).toMatchObject({ assigned: 1, rollbacks: 0 });
    expect(job.stats.rebalances).toBeGreaterThanOrEqual(1);
    sink.release();
    await waitForCommittedToEnd(names.group, names.topic, 30_000);
    await expect.poll(lag, { timeout: 10_000 }).toBe(0);
    expect(job.stats.checkpoints).toBeGreaterThanOrEqual(1);
    expect(job.stats.snapshots).toBeGreaterThanOrEqual(new Set(replayed.map((alert) => alert.agent.id)).size);
    expect(job.stats).toMatchObject({ rollbacks: 0, restored: 0, paused: false });
  });

  it('events already in the checkpoint (crash between checkpoint and commit) are skipped, not learned twice', async () => {
    const names = jobNames('applied');
    await createTopic(names.topic, { partitions: 2 });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic);
    const agents = ['ap-1', 'ap-2', 'ap-3', 'ap-4'];
    const call = (agent: string, n: number, bytes: number) =>
      JSON.stringify({ v: 1, id: `${agent}-${n}`, time: new Date(Date.parse('2026-11-02T08:00:00Z') + n * 60_000).toISOString(), type: 'tool_use', agent: { id: agent }, tool: 'erp.read', system: 'erp-prod', action: 'read', bytes, outcome: 'success' });
    const warmup = Array.from({ length: 55 }, (_, n) => agents.map((agent) => call(agent, n, 1000))).flat();
    const anomalies = agents.map((agent) => call(agent, 55, 50_000));
    const dir = await tempDir();
    const registry = join(dir, 'registry.yaml');
    await writeFile(registry, `agents:\n${agents.map((id) => `  - { id: ${id}, owner: o@corp.example, custodian: t, reviewed: 2026-10-01, scope: { systems: [erp-prod], tools: ["erp.*"], actions: [read] } }`).join('\n')}\n`);
    const eventsPath = join(dir, 'events.jsonl');
    await writeFile(eventsPath, [...warmup, ...anomalies].join('\n') + '\n');
    const options = { ...names, registry, detectorDirectories: [TEST_DETECTORS], settings: { 'volume-baseline': { enabled: true } } };

    await produceValues(names.topic, warmup);
    const first = await startInProcessJob(jobConfig(options), [new CollectingSink()]);
    await waitForCommittedToEnd(names.group, names.topic);
    await first.stop();
    // As if the instance had died after writing the checkpoint and before committing: offsets back to 0.
    await withAdmin((admin) => admin.setOffsets({ groupId: names.group, topic: names.topic, partitions: [{ partition: 0, offset: '0' }, { partition: 1, offset: '0' }] }));

    const logger = memoryLogger();
    const sink = new CollectingSink();
    const second = await startInProcessJob(jobConfig(options), [sink], { logger });
    jobs.push(second);
    await waitForCommittedToEnd(names.group, names.topic);
    expect(second.job.stats.restored).toBe(agents.length);
    await produceValues(names.topic, anomalies);
    await waitForCommittedToEnd(names.group, names.topic);

    expect(logger.lines.some((line) => line.includes('events already in the restored state skipped'))).toBe(true);
    const expected = (await fileReplay(eventsPath, { registry, detectorDirectories: [TEST_DETECTORS], settings: options.settings })).filter((a) => a.detector === 'volume-baseline');
    expect(expected).toHaveLength(4);
    // Same alerts, same baseline (n = 55 learned calls, not 110).
    expect(comparable(sink.alerts.filter((a) => a.detector === 'volume-baseline'))).toEqual(comparable(expected));
  });

  it('a second consumer group on the first group\'s state topic ends with DW_CONFIG_INVALID instead of skipping every event', async () => {
    const names = jobNames('two-groups');
    await createTopic(names.topic, { partitions: 1 });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic);
    await produceValues(names.topic, validDemoLines());
    const first = await startInProcessJob(jobConfig({ ...names, registry: DEMO_REGISTRY }), [new CollectingSink()], { commitIntervalMs: 200 });
    jobs.push(first);
    await waitForCommittedToEnd(names.group, names.topic);
    await first.stop();

    const second = await startInProcessJob(jobConfig({ ...names, group: `${names.group}-renamed`, registry: DEMO_REGISTRY }), [new CollectingSink()]);
    jobs.push(second);
    await expect(second.job.failed).rejects.toMatchObject({
      code: 'DW_CONFIG_INVALID',
      message: expect.stringContaining(`holds the state of consumer group "${names.group}" (partition 0), not of this group "${names.group}-renamed"`),
    });
    expect(second.job.pipeline.counters.records).toBe(0);
  });

  it('partitions added to the event topic while running: nothing committed without their state; a restart grows the state topic', async () => {
    const names = jobNames('grown');
    await createTopic(names.topic, { partitions: 1 });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic);
    const lines = validDemoLines();
    await produceValues(names.topic, lines);
    const config = jobConfig({ ...names, registry: DEMO_REGISTRY, source: { metadata_max_age_ms: 1_000 } });
    const first = await startInProcessJob(config, [new CollectingSink()], { commitIntervalMs: 200 });
    jobs.push(first);
    await waitForCommittedToEnd(names.group, names.topic);

    await withAdmin((admin) => admin.createPartitions({ topicPartitions: [{ topic: names.topic, count: 2 }] }));
    const producer = kafka('driftwatch-test-grown').producer();
    await producer.connect();
    await producer.send({ topic: names.topic, messages: lines.slice(0, 20).map((value) => ({ partition: 1, value })) });
    await producer.disconnect();
    await expect(first.job.failed).rejects.toMatchObject({ code: 'DW_CONFIG_INVALID', message: expect.stringContaining(`state topic ${names.stateTopic} has no partition 1`) });
    await first.stop();
    expect((await committedOffsets(names.group, names.topic)).has(1)).toBe(false);

    const second = await startInProcessJob(config, [new CollectingSink()], { commitIntervalMs: 200 });
    jobs.push(second);
    const metadata = await withAdmin((admin) => admin.fetchTopicMetadata({ topics: [names.stateTopic] }));
    expect(metadata.topics[0]!.partitions).toHaveLength(2);
    await waitForCommittedToEnd(names.group, names.topic);
  });

  it('warns, naming the topics, when another application shares its consumer group', async () => {
    const names = jobNames('shared-group');
    const other = `${names.topic}-other`;
    await createTopic(names.topic, { partitions: 2 });
    await createTopic(other, { partitions: 2 });
    topics.push(names.topic, other, names.stateTopic, names.deadLetterTopic);
    const stranger = kafka('driftwatch-test-stranger').consumer({ groupId: names.group, sessionTimeout: 10_000 });
    await stranger.connect();
    await stranger.subscribe({ topics: [other] });
    await stranger.run({ eachMessage: async () => {} });
    try {
      const logger = memoryLogger();
      jobs.push(await startInProcessJob(jobConfig({ ...names, registry: DEMO_REGISTRY }), [new CollectingSink()], { logger }));
      await expect.poll(() => logger.lines.find((line) => line.includes('another application shares this group')), { timeout: 30_000 }).toContain(other);
    } finally {
      await stranger.disconnect();
    }
  });

  it('creates missing state and dead-letter topics: compacted state with the events\' partition count', async () => {
    const names = jobNames('topics');
    await createTopic(names.topic, { partitions: 3 });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic);
    jobs.push(await startInProcessJob(jobConfig({ ...names, registry: DEMO_REGISTRY }), [new CollectingSink()]));
    const metadata = await withAdmin((admin) => admin.fetchTopicMetadata({ topics: [names.stateTopic, names.deadLetterTopic] }));
    expect(metadata.topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual([
      [names.deadLetterTopic, 3],
      [names.stateTopic, 3],
    ]);
    expect(await topicConfig(names.stateTopic, ['cleanup.policy'])).toEqual({ 'cleanup.policy': 'compact' });
    expect(await topicConfig(names.deadLetterTopic, ['cleanup.policy'])).toEqual({ 'cleanup.policy': 'delete' });
  });

  it('refuses an existing state topic that is not compacted, or has fewer partitions, missing topics with create_topics: false, and a missing event topic', async () => {
    const names = jobNames('topics-bad');
    await createTopic(names.topic, { partitions: 2 });
    await createTopic(names.stateTopic, { partitions: 2 });
    const fewer = `${names.stateTopic}-fewer`;
    await createTopic(fewer, { partitions: 1, compacted: true });
    const expiring = `${names.stateTopic}-expiring`;
    await createTopic(expiring, { partitions: 2, config: { 'cleanup.policy': 'compact,delete' } });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic, fewer, expiring);

    const refused = async (options: Parameters<typeof jobConfig>[0]) => {
      const error = await startInProcessJob(jobConfig(options), [new CollectingSink()]).then(
        (job) => {
          jobs.push(job);
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(isDriftwatchError(error, 'DW_CONFIG_INVALID'), String(error)).toBe(true);
      return (error as Error).message;
    };
    expect(await refused({ ...names, registry: DEMO_REGISTRY })).toMatch(/cleanup\.policy=compact/);
    expect(await refused({ ...names, stateTopic: fewer, registry: DEMO_REGISTRY, source: { create_topics: false } })).toMatch(/partitions/);
    expect(await refused({ ...names, stateTopic: expiring, registry: DEMO_REGISTRY })).toMatch(/must have cleanup\.policy=compact \(has compact,delete: delete would drop/);
    expect(await refused({ ...names, stateTopic: `${names.topic}-absent`, registry: DEMO_REGISTRY, source: { create_topics: false } })).toMatch(/create_topics is false/);
    // An event topic that does not exist: named plainly, whatever create_topics says (driftwatch never creates event topics).
    expect(await refused({ ...names, topic: `${names.topic}-typo`, stateTopic: fewer, registry: DEMO_REGISTRY })).toMatch(new RegExp(`source\\.topics: ${names.topic}-typo does not exist`));
    // With create_topics (the default) a state topic with fewer partitions grows to the events' count.
    jobs.push(await startInProcessJob(jobConfig({ ...names, stateTopic: fewer, registry: DEMO_REGISTRY }), [new CollectingSink()]));
    const grown = await withAdmin((admin) => admin.fetchTopicMetadata({ topics: [fewer] }));
    expect(grown.topics[0]!.partitions).toHaveLength(2);
  });
});

/** A sink that throws while `failing` (as a sink that gives up would), recording what it delivered. */
class FailingSink implements AlertSink {
  readonly name = 'failing';
  failing = false;
  failures = 0;
  readonly delivered: Alert[] = [];
  async deliver(alerts: readonly Alert[]): Promise<void> {
    if (this.failing) {
      this.failures++;
      throw new Error('receiver unavailable');
    }
    this.delivered.push(...alerts);
  }
  async close(): Promise<void> {}
}

/** A sink that acknowledges nothing until released (a receiver that takes its time), recording what it delivered. */
class HeldSink implements AlertSink {
  readonly name = 'held';
  readonly delivered: Alert[] = [];
  release!: () => void;
  private readonly released = new Promise<void>((resolve) => (this.release = resolve));
  private arrived!: () => void;
  /** Resolves when the first alerts arrived. */
  readonly reached = new Promise<void>((resolve) => (this.arrived = resolve));
  private closed = false;
  async deliver(alerts: readonly Alert[]): Promise<void> {
    this.arrived();
    await this.released;
    if (this.closed) throw new Error('held sink closed before it delivered');
    this.delivered.push(...alerts);
  }
  /** Like a real sink past its drain timeout: what it still holds fails. */
  async close(): Promise<void> {
    this.closed = true;
    this.release();
  }
}

/** Index of the first line whose event is the evidence of one of the alerts. */
function firstLineAlerted(lines: readonly string[], alerts: readonly Alert[]): number {
  return Math.min(...alerts.map((alert) => lines.findIndex((line) => line.includes(`"id":"${alert.evidence[0]}"`))).filter((i) => i >= 0));
}

async function writeLines(path: string, lines: readonly string[]): Promise<string> {
  await writeFile(path, lines.join('\n') + '\n');
  return path;
}

function dedupe(alerts: readonly Alert[]): Alert[] {
  return [...new Map(alerts.map((alert) => [alert.id, alert])).values()];
}

/** Raw values of a topic's first `count` messages (consumeAll decodes them as UTF-8). */
async function rawMessages(topic: string, count: number): Promise<Buffer[]> {
  const { kafka } = await import('../../helpers/kafka.js');
  const consumer = kafka('driftwatch-test-raw').consumer({ groupId: `${topic}-raw-${Date.now()}`, maxWaitTimeInMs: 200 });
  const out: Buffer[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          out.push(message.value ?? Buffer.alloc(0));
          if (out.length >= count) resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

