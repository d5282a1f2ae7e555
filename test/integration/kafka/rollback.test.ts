// Rollbacks on the real broker: every event is processed once the partition goes back to its last
// checkpoint, also when the failure came before the partition was owned (its state could not be
// read) or before a second event topic's first batch was processed; and a restore that a
// rebalance overtakes is read again.
//
// The failures are injected into the job's changelog reads and into its pipeline's delivery: a
// single local broker cannot be made to fail a read of one topic on cue.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildEngine } from '../../../src/cli/job.js';
import type { KafkaSourceConfig } from '../../../src/config/kafka.js';
import { snapshotAgent } from '../../../src/engine/snapshot.js';
import type { RestoredState } from '../../../src/kafka/changelog.js';
import { KafkaJob } from '../../../src/kafka/job.js';
import { createTopic, deleteTopics } from '../../helpers/kafka.js';
import {
  CollectingSink,
  DEMO_REGISTRY,
  endOffsets,
  jobConfig,
  jobNames,
  memoryLogger,
  produceValues,
  validDemoLines,
  waitFor,
  waitForCommittedToEnd,
} from '../../helpers/kafka-job.js';


type Restore = (partitions: readonly number[]) => Promise<RestoredState>;
/** The job's changelog reads, to fail or slow them. */
const changelogOf = (job: KafkaJob) => (job as unknown as { changelog: { restore: Restore } }).changelog;

/** A job on `topics` that records the offsets its pipeline processed, per topic. */
async function startRecordingJob(names: ReturnType<typeof jobNames>, topics: string[], options: { commitIntervalMs?: number; before?: (job: KafkaJob) => void } = {}) {
  const config = jobConfig({ ...names, topic: topics, registry: DEMO_REGISTRY, maxBytesPerPartition: 4 * 1024, sessionTimeoutMs: 10_000 });
  const logger = memoryLogger();
  const job = new KafkaJob(config.source as KafkaSourceConfig, await buildEngine(config, logger), [new CollectingSink()], {
    maxEventBytes: config.max_event_bytes,
    logger,
    commitIntervalMs: options.commitIntervalMs ?? 200,
  });
  const processed = new Map<string, Set<bigint>>();
  const detect = job.pipeline.detect.bind(job.pipeline);
  job.pipeline.detect = (records) => {
    for (const { position } of records) {
      if (!('topic' in position)) continue;
      if (!processed.has(position.topic)) processed.set(position.topic, new Set());
      processed.get(position.topic)!.add(BigInt(position.offset));
    }
    return detect(records);
  };
  options.before?.(job);
  await job.start();
  return { job, logger, processed };
}

/** Offsets of the topic's partition 0 that the pipeline never processed. */
async function unprocessed(topic: string, processed: Map<string, Set<bigint>>): Promise<bigint[]> {
  const end = (await endOffsets(topic)).get(0) ?? 0n;
  const missing: bigint[] = [];
  for (let offset = 0n; offset < end; offset++) if (!processed.get(topic)?.has(offset)) missing.push(offset);
  return missing;
}

describe('kafka job rollbacks', () => {
  const topics: string[] = [];
  const jobs: KafkaJob[] = [];
  afterEach(async () => {
    await Promise.all(jobs.splice(0).map((job) => job.stop().catch(() => undefined)));
  });
  afterAll(async () => {
    await deleteTopics(topics).catch(() => undefined);
  });

  it('a state read that fails before the partition is owned: its first batch is read again, not skipped and committed past', async () => {
    const names = jobNames('rb-restore');
    await createTopic(names.topic, { partitions: 1 });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic, names.tokensTopic);
    await produceValues(names.topic, validDemoLines(), undefined, { chunk: 20 });
    let reads = 0;
    const { job, logger, processed } = await startRecordingJob(names, [names.topic], {
      before: (job) => {
        const changelog = changelogOf(job);
        const restore = changelog.restore.bind(changelog);
        // The state topic unavailable for the first two reads: on assignment, and with the first
        // batch (an error as kafkajs gives it, with a numeric protocol code).
        changelog.restore = async (partitions) => {
          reads++;
          if (reads <= 2) throw Object.assign(new Error(`This server does not host this topic-partition (read ${reads})`), { name: 'KafkaJSProtocolError', code: 3, type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true });
          return restore(partitions);
        };
      },
    });
    jobs.push(job);
    await waitForCommittedToEnd(names.group, names.topic, 60_000);
    expect(reads).toBeGreaterThanOrEqual(3);
    const rollbackLine = logger.lines.find((line) => line.includes('processing failed'));
    // Logged with driftwatch's code, not kafkajs' numeric one.
    expect(rollbackLine).toContain('"code":"DW_SOURCE_FAILED"');
    expect(await unprocessed(names.topic, processed)).toEqual([]);
  }, 120_000);

  it('two event topics: a rollback while the second topic\'s first batch waits reads that batch again too', async () => {
    const names = jobNames('rb-topics');
    const second = `${names.topic}-b`;
    await createTopic(names.topic, { partitions: 1 });
    await createTopic(second, { partitions: 1 });
    topics.push(names.topic, second, names.stateTopic, names.deadLetterTopic, names.tokensTopic);
    const lines = validDemoLines();
    await produceValues(names.topic, lines.slice(0, 100), undefined, { chunk: 20 });
    let failed = false;
    const { job, processed } = await startRecordingJob(names, [names.topic, second], {
      // A checkpoint after every batch: the failed delivery is found by the checkpoint that ends
      // the first topic's last batch, while the second topic's first batch waits behind it.
      commitIntervalMs: 1,
      before: (job) => {
        const deliver = job.pipeline.deliver.bind(job.pipeline);
        // The delivery of the first topic's last batch fails once, after the second topic's first events came in.
        job.pipeline.deliver = async (batch) => {
          const lastOfFirst = !failed && processed.get(names.topic)?.has(99n) === true && !processed.has(second);
          if (!lastOfFirst) return deliver(batch);
          failed = true;
          await produceValues(second, lines.slice(100, 140), undefined, { chunk: 20 });
          await new Promise((resolve) => setTimeout(resolve, 1_200));
          throw new Error('sink refused the batch');
        };
      },
    });
    jobs.push(job);
    await waitFor(() => failed, { timeoutMs: 60_000 });
    await waitForCommittedToEnd(names.group, names.topic, 60_000);
    await waitForCommittedToEnd(names.group, second, 60_000);
    expect(job.stats.rollbacks).toBeGreaterThanOrEqual(1);
    expect(await unprocessed(names.topic, processed)).toEqual([]);
    expect(await unprocessed(second, processed)).toEqual([]);
  }, 120_000);

  it('a state read overtaken by a rebalance is read again: a partition another member checkpointed meanwhile comes back with that state', async () => {
    const names = jobNames('rb-stale');
    await createTopic(names.topic, { partitions: 2 });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic, names.tokensTopic);
    const lines = validDemoLines();
    const quarter = Math.floor(lines.length / 4);
    await produceValues(names.topic, lines.slice(0, quarter));
    const first = await startRecordingJob(names, [names.topic]);
    await waitForCommittedToEnd(names.group, names.topic);
    await first.job.stop();

    // A's first read of the state topic is slow; B joins meanwhile and takes one partition.
    let reads = 0;
    const a = await startRecordingJob(names, [names.topic], {
      before: (job) => {
        const changelog = changelogOf(job);
        const restore = changelog.restore.bind(changelog);
        changelog.restore = async (partitions) => {
          reads++;
          const state = await restore(partitions);
          if (reads === 1) await new Promise((resolve) => setTimeout(resolve, 6_000));
          return state;
        };
      },
    });
    jobs.push(a.job);
    await waitFor(() => reads >= 1, { timeoutMs: 30_000 });
    const b = await startRecordingJob(names, [names.topic]);
    jobs.push(b.job);
    await waitFor(() => a.job.stats.assigned === 1 && b.job.stats.assigned === 1, { timeoutMs: 30_000, label: 'the two members share the partitions' });
    // B processes and checkpoints the next half of the stream on its partition, then leaves.
    await produceValues(names.topic, lines.slice(quarter, 3 * quarter));
    await waitForCommittedToEnd(names.group, names.topic);
    const bAgents = [...b.job.engine.agentIds()];
    const checkpointedByB = new Map(bAgents.map((agent) => [agent, snapshotAgent(b.job.engine, agent)!]));
    await b.job.stop();
    await waitFor(() => a.job.stats.assigned === 2, { timeoutMs: 30_000, label: 'A takes both partitions' });
    await waitFor(() => bAgents.every((agent) => snapshotAgent(a.job.engine, agent)?.clock === checkpointedByB.get(agent)!.clock), {
      timeoutMs: 20_000,
      label: "A holds B's checkpointed state of B's agents",
    });
    // The same state, not only the same clock: B's checkpoint, nothing relearned.
    for (const agent of bAgents) expect(snapshotAgent(a.job.engine, agent)).toEqual(checkpointedByB.get(agent));
  }, 180_000);
});
