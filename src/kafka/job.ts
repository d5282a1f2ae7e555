import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { KafkaSourceConfig } from '../config/kafka.js';
import type { Engine } from '../engine/engine.js';
import { byLatestEvent, restoreAgent, snapshotAgent, type AgentSnapshot } from '../engine/snapshot.js';
import { DriftwatchError, isDriftwatchError } from '../errors.js';
import { Pipeline, type SourceRecord } from '../pipeline/pipeline.js';
import type { TokenGrant } from '../sdk/detector.js';
import type { AlertSink } from '../sinks/sink.js';
import type { Logger } from '../telemetry/log.js';
import { StateChangelog, type AppliedOffsets, type RestoredState } from './changelog.js';
import { connectionHint, kafkaClient } from './client.js';
import { KafkaDeadLetterSink } from './dead-letters.js';
import { createKafkaJobStats, lagKey, type KafkaJobStats } from './job-stats.js';
import { settlesWithin } from '../settles-within.js';
import { TokenCheckpoint } from './token-checkpoint.js';
import { TokenFeed } from './token-feed.js';
import { ensureTopics, eventPartitionCount, topicNames } from './topics.js';

const EMPTY = new Uint8Array(0);
const HEARTBEAT_EVERY_MS = 3_000;
/**
 * A queue that has not moved for this long is not the engine being busy (a batch takes tens of
 * milliseconds) but a sink or the state topic not acknowledging: the event topics are paused.
 */
export const SATURATED_AFTER_MS = 1_000;

/**
 * How often, at most, a busy partition's changed agents are checkpointed and its offsets
 * committed (as Kafka consumers' auto-commit interval).
 */
export const DEFAULT_COMMIT_INTERVAL_MS = 5_000;
/** On stop, how long the batch in flight may wait for its sinks before they are closed (and given their drain_timeout). */
export const STOP_GRACE_MS = 1_000;
/** How often the lag gauge is read from the brokers' high watermarks. */
const LAG_REFRESH_MS = 5_000;
/** How long stop() waits to leave the group cleanly, within a usual 30 s termination grace. */
export const LEAVE_TIMEOUT_MS = 15_000;

/** When no batch at all came for this long (the job caught up), every partition is checkpointed and committed without waiting for the interval. */
export const IDLE_COMMIT_MS = 500;

export interface CommitInfo {
  topic: string;
  partition: number;
  /** The committed offset: the next event to read. */
  offset: string;
  /** Agent snapshots written with this checkpoint. */
  agents: number;
}

export interface KafkaJobOptions {
  maxEventBytes: number;
  /** See `PipelineOptions.maxFutureSkewMs`. */
  maxFutureSkewMs?: number;
  logger: Logger;
  /**
   * Checkpoint and commit a busy partition at most this often (default 5 s; when no batch came
   * for 500 ms, sooner). Alerts are delivered batch by batch regardless; a longer interval writes fewer
   * snapshots (an agent changed by many batches is written once), and a crash replays more (the
   * same alerts again, with the same ids).
   */
  commitIntervalMs?: number;
  /** Called after each commit (tests and telemetry). */
  onCommitted?: (info: CommitInfo) => void;
}

/** What this instance holds for one partition number it owns (every event topic shares the number). */
interface OwnedPartition {
  /** Per event topic: the last offset whose effect is in the engine. */
  applied: AppliedOffsets;
  /** Per event topic: the last commit, or where processing started; where the lag counts from before a batch is done (a rollback goes back to `resumeAt`). */
  committed: Map<string, bigint>;
  /** Per event topic: the offset to commit at the next checkpoint. */
  uncommitted: Map<string, bigint>;
  /** Per event topic: the next offset to process, where the lag counts from (also while a checkpoint's commit is on its way). */
  position: Map<string, bigint>;
  /** Agents changed since the last checkpoint. */
  dirty: Set<string>;
  /** Token grants recorded since the last checkpoint. */
  grants: TokenGrant[];
  /** Latest event time of the partition's agents (retires old token grants). */
  clock: number;
  /** Wall-clock time of the last checkpoint. */
  checkpointedAt: number;
  /** Shift of this partition's checkpoint slots within the interval (spreads partitions apart). */
  phase: number;
  /** The checkpoint being written in the background (changelog, then commit); settles, never rejects. */
  writing: Promise<void>;
  /** A checkpoint write failed: nothing more is written or committed; the partition is rolled back. */
  failed: boolean;
}

/**
 * The Kafka consumer-group job. Per partition batch: decode and detect, then hand the alerts to
 * the sinks and the dead letters to their topic; the next batch is detected while they are
 * delivered, and hands over its own before it waits for that delivery. At most every commit interval
 * (and at shutdown), per partition: wait for the delivery in progress, write the state of the
 * agents changed since the last checkpoint to the changelog, and only then commit the offsets of
 * the batches processed. Offsets are never committed before the alerts of their events were
 * acknowledged and the state that includes them was checkpointed.
 *
 * A crash at any point replays from the last commit with the state of the last checkpoint:
 * - a crash before the checkpoint: state and offsets are those of the previous checkpoint; the
 *   replay raises the same alerts with the same ids (delivered again: at-least-once);
 * - a crash between checkpoint and commit: the checkpoint records the offsets it includes
 *   (`dw-applied`), and the replay skips those events instead of learning them twice.
 * A batch or checkpoint that fails (a sink that gives up, the changelog, the commit) rolls the
 * partition back: its agents are dropped and restored from the changelog, and reading goes back to
 * the last commit.
 */
export class KafkaJob {
  readonly pipeline: Pipeline;
  /** Lag, rebalances, checkpoints, restores and rollbacks, for the metrics (docs/telemetry.md). */
  readonly stats: KafkaJobStats = createKafkaJobStats();
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly changelog: StateChangelog;
  private readonly tokens: TokenCheckpoint;
  /** The shared tokens topic: grants published at checkpoints, every instance's grants followed. */
  private readonly feed: TokenFeed;
  private readonly commitIntervalMs: number;
  /**
   * The batch whose alerts and dead letters are being delivered, if any: detected, not yet
   * acknowledged. Its partition is checkpointed only after it settled (see `settle`).
   */
  private delivering: { topic: string; partition: number; owned: OwnedPartition; agents: readonly string[]; delivered: Promise<unknown> } | undefined;
  /** The batch in flight (partition and messages), for dead letters that carry the original bytes. */
  private inFlight: { partition: number; messages: readonly KafkaMessage[] } | undefined;
  /**
   * Batches kafkajs handed over that are not processed yet, oldest first. kafkajs fetches the
   * next batches only once `eachBatch` returned; returning as soon as a batch is queued (its offset
   * resolved for the fetch position only, never committed) lets the next fetch run while the
   * engine works. Read-ahead is bounded: `eachBatch` waits until at most one fetch's worth
   * (one batch per assigned partition) is queued before it, or pauses the event topics when the
   * queue does not drain (see `enqueue`). Each batch leaves the set once processed.
   */
  private readonly queued = new Set<Promise<void>>();
  /** A queued batch that failed (its partition rolled back): thrown to kafkajs by the next `eachBatch`, so that kafkajs backs off. */
  private failure: Error | undefined;
  /** Per partition: bumped when its state is released (rollback, revocation); batches queued before are not processed. */
  private readonly epochs = new Map<number, number>();
  /** Partition numbers of the current assignment. */
  private assigned = new Set<number>();
  /** Assignments received so far: a restore that spans a new one reads the changelog again. */
  private assignments = 0;
  /**
   * Per event topic and partition (`lagKey`): where a rollback makes kafkajs read again. The first
   * offset queued since the last commit or rollback, then each commit's offset. Not part of the
   * owned partition: kafkajs reads past a batch once it is queued, before the partition may be
   * owned (its restore can fail) and before the batch tells the owned partition of its topic.
   */
  private readonly resumeAt = new Map<string, bigint>();
  private readonly owned = new Map<number, OwnedPartition>();
  /** The partition number each agent's events arrive on: where its state is checkpointed. */
  private readonly agentPartition = new Map<string, number>();
  /** Batches and checkpoints run one at a time (the engine and `touched` are shared). */
  private exclusive: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** Reads the event topics' high watermarks for the lag gauge while no batch arrives (paused, held up). */
  private lagTimer: NodeJS.Timeout | undefined;
  private readonly lagAdmin: Admin;
  /** Per event topic and partition (`lagKey`) never committed by the group: its end when first seen, where a new group started (see startOffset). */
  private readonly lagStarts = new Map<string, bigint>();
  private lagReading = false;
  /** Wall-clock time of the last batch of any partition (busy partitions wait their turn: not idle). */
  private batchAt = 0;
  /** A timer checkpoint is waiting for its turn (no second one is queued behind a slow batch). */
  private checkpointQueued = false;
  private stopping = false;
  private started = false;
  private fatal: ((error: Error) => void) | undefined;
  /** Rejects when the consumer crashed for good (kafkajs does not restart it): the job must end. */
  readonly failed: Promise<never>;

  constructor(
    private readonly config: KafkaSourceConfig,
    readonly engine: Engine,
    sinks: readonly AlertSink[],
    private readonly options: KafkaJobOptions,
  ) {
    this.kafka = kafkaClient(config, options.logger);
    this.consumer = this.kafka.consumer({
      groupId: config.group,
      sessionTimeout: config.session_timeout_ms,
      metadataMaxAge: config.metadata_max_age_ms,
      heartbeatInterval: Math.min(3_000, Math.floor(config.session_timeout_ms / 3)),
      maxBytesPerPartition: config.max_bytes_per_partition,
      maxWaitTimeInMs: 500,
      allowAutoTopicCreation: false,
      // Once stopping, a consumer that crashes (the broker away during the shutdown) stays down:
      // kafkajs would otherwise start it again after stop() returned, a member fetching for ever.
      retry: { retries: 10, restartOnFailure: async () => !this.stopping },
    });
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.lagAdmin = this.kafka.admin();
    this.changelog = new StateChangelog(this.kafka, this.producer, config.state_topic, config.group, options.logger);
    this.pipeline = new Pipeline(engine, {
      sinks,
      deadLetters: new KafkaDeadLetterSink(this.producer, config.dead_letter_topic, (partition, offset) => this.inFlightMessage(partition, offset)),
      maxEventBytes: options.maxEventBytes,
      maxFutureSkewMs: options.maxFutureSkewMs,
    });
    this.commitIntervalMs = options.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS;
    engine.touched = new Set();
    this.tokens = new TokenCheckpoint(engine);
    this.feed = new TokenFeed(this.kafka, this.producer, config.tokens_topic, config.group, (grant) => this.tokens.adopt(grant), options.logger);
    this.failed = new Promise<never>((_, reject) => (this.fatal = reject));
    this.failed.catch(() => undefined);
  }

  /** Connects, prepares the topics, joins the group and starts consuming. */
  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (error) {
      await this.feed.stop();
      await this.lagAdmin.disconnect().catch(() => undefined);
      if (error instanceof DriftwatchError) throw error;
      // A coded error (the CLI prints code and message, no stack); kafkajs says whether it may pass.
      const kafkaError = error as Error & { retriable?: boolean };
      const hint = connectionHint(this.config, kafkaError.message);
      throw new DriftwatchError('DW_SOURCE_FAILED', `kafka ${this.config.brokers.join(',')}: ${kafkaError.message}${hint === undefined ? '' : ` (${hint})`}`, {
        cause: error,
        retriable: kafkaError.retriable === true,
      });
    }
    // Partitions that received no batch for a while still get their last batches checkpointed and committed.
    this.timer = setInterval(() => void this.checkpointDue(), Math.max(50, Math.min(IDLE_COMMIT_MS / 2, this.commitIntervalMs / 2)));
    this.lagTimer = setInterval(() => void this.refreshLag(), LAG_REFRESH_MS);
    this.started = true;
    this.options.logger.log('info', 'kafka source started', { topics: this.config.topics, group: this.config.group });
  }

  private async connect(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = await topicNames(admin);
      const partitions = await eventPartitionCount(admin, this.config.topics, existing);
      await ensureTopics(admin, existing, {
        stateTopic: this.config.state_topic,
        deadLetterTopic: this.config.dead_letter_topic,
        tokensTopic: this.config.tokens_topic,
        partitions,
        create: this.config.create_topics,
      });
    } finally {
      await admin.disconnect();
    }
    await this.producer.connect();
    await this.lagAdmin.connect();
    // Other instances' grants first: a use of their tokens in the first batches is judged against them.
    await this.feed.start();
    await this.consumer.connect();
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => this.onAssignment(payload.memberAssignment));
    // Another application in the same group: the group leader may hand its topics to driftwatch, which leaves them unread.
    this.consumer.on(this.consumer.events.RECEIVED_UNSUBSCRIBED_TOPICS, ({ payload }) => {
      this.options.logger.log('warn', 'the consumer group has members subscribed to other topics: another application shares this group; give driftwatch a group of its own', {
        code: 'DW_CONFIG_INVALID',
        group: payload.groupId,
        other_topics: payload.topicsNotSubscribed,
      });
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.options.logger.log(payload.restart ? 'warn' : 'error', payload.restart ? 'kafka consumer restarts after an error' : 'kafka consumer crashed', {
        code: 'DW_SOURCE_FAILED',
        error: payload.error.message,
      });
      if (!payload.restart && !this.stopping) {
        this.fatal?.(new DriftwatchError('DW_SOURCE_FAILED', `kafka consumer crashed: ${payload.error.message}`, { cause: payload.error }));
      }
    });
    await this.consumer.subscribe({ topics: this.config.topics, fromBeginning: this.config.from_beginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.enqueue(payload),
    });
  }

  /**
   * Lets the batch in flight finish, checkpoints and commits everything processed, then leaves
   * the group. (kafkajs skips commits once disconnect() has begun: all of it happens before.)
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.timer);
    clearInterval(this.lagTimer);
    const drained = this.serially(async () => {
      await this.settle(this.delivering);
      for (const [partition, owned] of [...this.owned]) {
        await this.checkpoint(partition).catch((error: unknown) => this.rollback(partition, error));
        await owned.writing;
      }
    }).catch(() => undefined);
    // The batch in flight waits for its sinks' acknowledgement, for ever while a receiver is down.
    // Past a short grace the sinks are closed: each waits its drain_timeout, then fails what is
    // still unacknowledged, so that batch fails, is not committed, and is replayed after a restart.
    let sinksClosed: Promise<void> | undefined;
    const grace = setTimeout(() => {
      sinksClosed = this.pipeline.close();
      // Awaited below, after the disconnects: until then a failure must not count as unhandled.
      sinksClosed.catch(() => undefined);
    }, STOP_GRACE_MS);
    await drained;
    clearTimeout(grace);
    // In this order (the consumer commits nothing once it disconnects), each whatever the one before did.
    const left = (async () => {
      for (const close of [() => this.consumer.disconnect(), () => this.feed.stop(), () => this.producer.disconnect(), () => this.lagAdmin.disconnect()]) {
        await close().catch((error: unknown) => this.options.logger.log('warn', 'kafka source: disconnecting failed', { error: (error as Error).message }));
      }
    })();
    // With the broker away, leaving the group waits for it (minutes): past the bound the process
    // goes without; the group moves its partitions after the session timeout, from the last commit.
    if (!(await settlesWithin(left, LEAVE_TIMEOUT_MS))) {
      this.options.logger.log('warn', 'kafka source could not leave the group in time (is the broker reachable?); its partitions move after the session timeout', {
        group: this.config.group,
      });
    }
    await (sinksClosed ?? this.pipeline.close());
    if (this.started) this.options.logger.log('info', 'kafka source stopped', { group: this.config.group });
  }

  /** Runs `task` after every batch and checkpoint before it. */
  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(task, task);
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  /**
   * A new assignment: partitions taken away now belong to another instance; their agents' state
   * is released (what was not checkpointed yet is replayed by the new owner, same alert ids).
   */
  private onAssignment(assignment: Record<string, number[]>): void {
    this.assigned = new Set(Object.values(assignment).flat());
    this.assignments++;
    this.stats.rebalances++;
    this.stats.assigned = this.assigned.size;
    // The lag of partitions taken away before a batch of theirs was processed (never owned).
    for (const [key, { partition }] of this.stats.lag) {
      if (this.assigned.has(partition)) continue;
      this.stats.lag.delete(key);
      this.lagStarts.delete(key);
    }
    for (const partition of [...this.owned.keys()]) {
      if (this.assigned.has(partition)) continue;
      this.release(partition);
      this.options.logger.log('info', 'partition revoked; its agents\' state released', { partition });
    }
    // Restore the new partitions' agents now rather than when their first events arrive (batches
    // wait behind it); should it fail, the first batch of each partition tries again.
    const next = [...this.assigned].find((partition) => !this.owned.has(partition));
    if (next !== undefined && !this.stopping) {
      void this.serially(async () => {
        if (this.assigned.has(next) && !this.owned.has(next)) await this.takeOwnership(next);
      }).catch((error: unknown) =>
        this.options.logger.log('warn', 'state restore on assignment failed; retried with the first batch', {
          code: 'DW_SOURCE_FAILED',
          error: (error as Error).message,
        }),
      );
    }
  }

  /** Forgets the state of a partition's agents (the changelog has it as of the last checkpoint). */
  private release(partition: number, alsoAgents: Iterable<string> = []): void {
    // Batches queued before are not processed: reading starts again from the last commit.
    this.epochs.set(partition, (this.epochs.get(partition) ?? 0) + 1);
    this.owned.delete(partition);
    this.tokens.release(partition);
    for (const topic of this.config.topics) {
      this.stats.lag.delete(lagKey(topic, partition));
      this.lagStarts.delete(lagKey(topic, partition));
      this.resumeAt.delete(lagKey(topic, partition));
    }
    for (const agent of alsoAgents) {
      this.engine.dropAgent(agent);
      this.agentPartition.delete(agent);
    }
    for (const [agent, agentPartition] of this.agentPartition) {
      if (agentPartition === partition) {
        this.engine.dropAgent(agent);
        this.agentPartition.delete(agent);
      }
    }
  }

  /** Goes back to the last checkpoint: state restored from the changelog, reading from the last commit. */
  private rollback(partition: number, error: unknown, alsoAgents: Iterable<string> = []): void {
    // A configuration that cannot work (a state topic without the partition) ends the job: retrying cannot help.
    if (isDriftwatchError(error, 'DW_CONFIG_INVALID')) this.fatal?.(error);
    const owned = this.owned.get(partition);
    if (owned) owned.failed = true;
    this.stats.rollbacks++;
    this.tokens.discard();
    // Every batch of an owned topic was queued first: `resumeAt` knows where each topic starts again.
    const seeks = this.config.topics.map((topic) => ({ topic, offset: this.resumeAt.get(lagKey(topic, partition)) }));
    this.release(partition, alsoAgents);
    for (const { topic, offset } of seeks) {
      if (offset === undefined) continue;
      try {
        this.consumer.seek({ topic, partition, offset: offset.toString() });
      } catch {
        // not running any more: the next owner starts from the committed offset anyway
      }
    }
    this.options.logger.log('warn', 'processing failed; the partition goes back to its last checkpoint and is processed again', {
      // A kafkajs error has a numeric protocol code of its own: the line keeps driftwatch's codes.
      code: isDriftwatchError(error) ? error.code : 'DW_SOURCE_FAILED',
      partition,
      error: (error as Error).message,
    });
  }

  /**
   * Restores, in one read of the changelog, every assigned partition not yet owned (and this one);
   * undefined when the partition is no longer assigned. A read that a new assignment overtook is
   * read again: meanwhile another member may have held one of the partitions and checkpointed it.
   */
  private async takeOwnership(partition: number): Promise<OwnedPartition | undefined> {
    for (;;) {
      const known = this.owned.get(partition);
      if (known) return known;
      if (this.assigned.size > 0 && !this.assigned.has(partition)) return undefined;
      const assignments = this.assignments;
      const partitions = [...new Set([partition, ...this.assigned])].filter((p) => !this.owned.has(p)).sort((a, b) => a - b);
      const restored = await this.changelog.restore(partitions).catch((error: unknown) => {
        // A state topic that is another group's: no retry mends it, the job ends.
        if (isDriftwatchError(error, 'DW_CONFIG_INVALID')) this.fatal?.(error);
        throw error;
      });
      if (assignments === this.assignments) return this.own(partition, partitions, restored);
      this.options.logger.log('info', 'partitions reassigned while their state was read; reading it again', { partitions });
    }
  }

  /** Installs the restored state of `partitions` (read together) and owns them. */
  private own(partition: number, partitions: number[], restored: RestoredState): OwnedPartition {
    const clocks = new Map<number, number>();
    for (const [agent, snapshot] of byLatestEvent(restored.agents, ([, item]) => item)) {
      try {
        restoreAgent(this.engine, snapshot);
      } catch (error) {
        this.options.logger.log('warn', 'agent state in the changelog cannot be restored; the agent starts afresh', {
          code: 'DW_SNAPSHOT_INVALID',
          agent,
          error: (error as Error).message,
        });
        continue;
      }
      this.stats.restored++;
      const at = restored.partitionOf.get(agent) ?? partition;
      this.agentPartition.set(agent, at);
      clocks.set(at, Math.max(clocks.get(at) ?? 0, snapshot.clock));
    }
    for (const [p, grants] of restored.tokens) this.tokens.restore(p, grants.values());
    // Checkpoints of partitions taken together are spread over the interval rather than all due at
    // once: each one holds up batch processing while it is written (latency).
    const now = Date.now();
    partitions.forEach((p, index) => {
      this.owned.set(p, {
        applied: restored.applied.get(p) ?? new Map(),
        committed: new Map(),
        uncommitted: new Map(),
        position: new Map(),
        dirty: new Set(),
        grants: [],
        clock: clocks.get(p) ?? 0,
        checkpointedAt: now,
        phase: Math.floor((index * this.commitIntervalMs) / partitions.length),
        writing: Promise.resolve(),
        failed: false,
      });
    });
    return this.owned.get(partition)!;
  }

  /**
   * kafkajs `eachBatch`: queues the batch behind the batches and checkpoints before it and
   * resolves its offset (kafkajs' fetch position; commits are the job's own, after the
   * checkpoint), then returns once at most one batch per assigned partition is queued before it,
   * so that kafkajs fetches the next batches while this one is processed.
   *
   * When the queue does not move for `SATURATED_AFTER_MS`, the event topics are paused and
   * `eachBatch` returns: kafkajs fetches nothing more for them, while its loop stays free to
   * heartbeat and to take part in a rebalance (a blocked `eachBatch` would hold the group up).
   * They are resumed once the queue is down to its bound again.
   */
  private async enqueue(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    // Stale: fetched before a rollback's seek; the fetch after the seek reads these offsets again.
    if (this.stopping || batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    this.throwFailure();
    const epoch = this.epochs.get(batch.partition) ?? 0;
    // processBatch never rejects: a failure is kept in `failure`.
    const processed: Promise<void> = this.serially(() => this.processBatch(payload, epoch)).then(() => {
      this.queued.delete(processed);
      this.resumeWhenDrained();
    });
    this.queued.add(processed);
    const resumeKey = lagKey(batch.topic, batch.partition);
    if (!this.resumeAt.has(resumeKey)) this.resumeAt.set(resumeKey, BigInt(batch.messages[0]!.offset));
    payload.resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
    while (this.queued.size > this.readAhead()) {
      const oldest = this.queued.values().next().value!;
      if (!(await settlesWithin(oldest, SATURATED_AFTER_MS))) {
        this.pause();
        // The oldest may have finished between the timeout and now, with nothing left to resume.
        this.resumeWhenDrained();
        break;
      }
    }
    this.throwFailure();
  }

  /** Batches that may be queued while kafkajs fetches: one per assigned partition. */
  private readAhead(): number {
    return Math.max(1, this.assigned.size);
  }

  private pause(): void {
    // stats.paused is the job's own flag, not a copy: the metrics read it as it is.
    if (this.stats.paused || this.stopping) return;
    this.stats.paused = true;
    this.consumer.pause(this.config.topics.map((topic) => ({ topic })));
    this.options.logger.log('warn', 'event topics paused: batches wait for the sinks or the state topic', { queued: this.queued.size, topics: this.config.topics });
  }

  private resumeWhenDrained(): void {
    if (!this.stats.paused || this.queued.size > this.readAhead()) return;
    this.stats.paused = false;
    if (this.stopping) return;
    this.consumer.resume(this.config.topics.map((topic) => ({ topic })));
    this.options.logger.log('info', 'event topics resumed', { topics: this.config.topics });
  }

  /** Hands a queued batch's failure to kafkajs (retriable: it backs off and fetches from the rollback's seek). */
  private throwFailure(): void {
    const failure = this.failure;
    if (!failure) return;
    this.failure = undefined;
    throw failure;
  }

  /** The message of the batch in flight at `offset`, for a dead letter. */
  private inFlightMessage(partition: number, offset: string): KafkaMessage | undefined {
    const inFlight = this.inFlight;
    if (!inFlight || inFlight.partition !== partition) return undefined;
    const { messages } = inFlight;
    // Offsets are consecutive unless compaction or transactions left gaps.
    const guess = messages[Number(BigInt(offset) - BigInt(messages[0]!.offset))];
    return guess?.offset === offset ? guess : messages.find((message) => message.offset === offset);
  }

  private async processBatch({ batch, heartbeat }: EachBatchPayload, epoch: number): Promise<void> {
    const { topic, partition } = batch;
    // Rolled back since it was queued (read again from the last commit), revoked, or shutting down.
    if (this.stopping || (this.epochs.get(partition) ?? 0) !== epoch || (this.assigned.size > 0 && !this.assigned.has(partition))) return;
    const keepAlive = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_EVERY_MS);
    const touched = this.engine.touched!;
    touched.clear();
    try {
      const owned = await this.takeOwnership(partition);
      // Revoked while its state was read; or its checkpoint failed: the rollback queued behind this batch reads it again.
      if (owned === undefined || owned.failed) return;
      const first = BigInt(batch.messages[0]!.offset);
      if (!owned.committed.has(topic)) owned.committed.set(topic, first);
      const done = owned.applied.get(topic);
      // Events at or below the checkpoint's applied offset are in the restored state already.
      const messages = done === undefined || done < first ? batch.messages : batch.messages.filter((message) => BigInt(message.offset) > done);
      const last = batch.messages[batch.messages.length - 1]!.offset;
      if (messages.length > 0) {
        this.inFlight = { partition, messages };
        const records: SourceRecord[] = new Array(messages.length);
        for (let i = 0; i < messages.length; i++) {
          const message = messages[i]!;
          records[i] = { value: message.value ?? EMPTY, position: { topic, partition, offset: message.offset } };
        }
        const detected = this.pipeline.detect(records);
        // The engine holds the batch's effects now: they belong to the partition (and are dropped
        // with it, should this batch's delivery fail).
        owned.applied.set(topic, BigInt(last));
        for (const agent of touched) {
          owned.dirty.add(agent);
          this.agentPartition.set(agent, partition);
        }
        owned.grants.push(...this.tokens.take(partition));
        // The dead letters take the original messages now, while the batch is in flight.
        const delivered = this.pipeline.deliver(detected);
        delivered.catch(() => undefined);
        const previous = this.delivering;
        this.delivering = { topic, partition, owned, agents: [...touched], delivered };
        // This batch's alerts are delivered while the next batch is detected. The previous batch's
        // delivery, handed over before, is waited for here: at most two batches are in delivery
        // (in order, each sink's queue keeps it), and a sink that does not acknowledge holds the
        // queue up, which pauses the topics.
        await this.settle(previous);
      } else {
        this.options.logger.log('info', 'events already in the restored state skipped', { topic, partition, from: batch.messages[0]!.offset, to: last });
      }
      owned.uncommitted.set(topic, BigInt(last) + 1n);
      owned.position.set(topic, BigInt(last) + 1n);
      // Still ours: the awaits above may span a revocation, whose series must not come back.
      if (this.owned.get(partition) === owned) this.stats.lag.set(lagKey(topic, partition), { topic, partition, messages: Math.max(0, Number(batch.offsetLag())) });
      this.batchAt = Date.now();
      if (this.slotPassed(owned, Date.now())) await this.checkpoint(partition);
    } catch (error) {
      // The engine may hold effects that were not checkpointed: start over from the last checkpoint.
      this.rollback(partition, error, touched);
      // Always retriable for kafkajs: it backs off and fetches again from the rollback's seek (a
      // non-retriable error would stop the consumer for good while the process lives on).
      this.failure ??= new DriftwatchError('DW_SOURCE_FAILED', `partition ${partition} of ${topic}: ${(error as Error).message}`, { cause: error, retriable: true });
    } finally {
      clearInterval(keepAlive);
      this.inFlight = undefined;
      touched.clear();
    }
  }

  /**
   * Waits for the delivery of a batch's alerts and dead letters (`delivering`, or an earlier one).
   * One that failed rolls its partition back, unless the partition was released since. Never rejects.
   */
  private async settle(pending: KafkaJob['delivering']): Promise<void> {
    if (!pending) return;
    try {
      await pending.delivered;
    } catch (error) {
      if (this.owned.get(pending.partition) === pending.owned) {
        // Its agents too: one the batch after it moved to another partition is not found by partition.
        this.rollback(pending.partition, error, pending.agents);
        this.failure ??= new DriftwatchError('DW_SOURCE_FAILED', `partition ${pending.partition} of ${pending.topic}: ${(error as Error).message}`, { cause: error, retriable: true });
      }
    } finally {
      if (this.delivering === pending) this.delivering = undefined;
    }
  }

  /**
   * Checkpoints the partition: takes the snapshots of its changed agents, its new token grants and
   * the tombstones of retired ones (with the applied offsets), serialised now, and writes them in
   * the background while the next batches are processed: to the changelog, and only then the
   * commit of the offsets processed. The write of the partition's previous checkpoint is waited
   * for first (one at a time per partition, in order). A write that fails rolls the partition
   * back (in turn with the batches) and stops its later writes.
   */
  private async checkpoint(partition: number): Promise<void> {
    // The state checkpointed must not be ahead of alerts not yet acknowledged.
    await this.settle(this.delivering);
    const owned = this.owned.get(partition);
    if (!owned || owned.uncommitted.size === 0) return;
    await owned.writing;
    if (owned.failed || this.owned.get(partition) !== owned) return;
    const snapshots: AgentSnapshot[] = [];
    for (const agent of owned.dirty) {
      const snapshot = snapshotAgent(this.engine, agent);
      if (!snapshot) continue;
      snapshots.push(snapshot);
      if (snapshot.clock > owned.clock) owned.clock = snapshot.clock;
    }
    const retired = this.tokens.due(partition, owned.clock);
    // A detector state JSON cannot write is dropped from the engine and the agent snapshotted again.
    const rewrite = (snapshot: AgentSnapshot) => (this.engine.dropUnstorableStates(snapshot.agent) ? snapshotAgent(this.engine, snapshot.agent) : undefined);
    const requests = this.changelog.encode(partition, { snapshots, grants: owned.grants, retired }, owned.applied, rewrite);
    const published = this.feed.encode(owned.grants, retired);
    const commits = [...owned.uncommitted].map(([topic, offset]) => ({ topic, partition, offset: offset.toString() }));
    owned.uncommitted.clear();
    owned.dirty.clear();
    owned.grants = [];
    owned.checkpointedAt = Date.now();
    owned.writing = this.write(partition, owned, requests, published, commits, snapshots.length);
  }

  /** Writes a checkpoint taken by `checkpoint` to the changelog and its token records to the tokens topic, then commits its offsets. */
  private async write(
    partition: number,
    owned: OwnedPartition,
    requests: readonly Message[][],
    published: readonly Message[],
    commits: { topic: string; partition: number; offset: string }[], agents: number): Promise<void> {
    try {
      await this.changelog.send(requests);
      await this.feed.send(published);
      await this.consumer.commitOffsets(commits);
    } catch (error) {
      owned.failed = true;
      // In turn with the batches (the engine is shared), unless the partition was released since
      // (revoked, or rolled back already). Not awaited: stop() waits for this write in that queue.
      void this.serially(async () => {
        if (this.owned.get(partition) !== owned) return;
        this.rollback(partition, error);
        this.failure ??= new DriftwatchError('DW_SOURCE_FAILED', `checkpoint of partition ${partition}: ${(error as Error).message}`, { cause: error, retriable: true });
      });
      return;
    }
    for (const commit of commits) {
      owned.committed.set(commit.topic, BigInt(commit.offset));
      // Still ours (not rolled back or revoked since): a rollback need not read what is committed again.
      if (this.owned.get(partition) === owned) this.resumeAt.set(lagKey(commit.topic, partition), BigInt(commit.offset));
    }
    this.stats.checkpoints++;
    this.stats.snapshots += agents;
    for (const commit of commits) this.options.onCommitted?.({ ...commit, agents });
  }

  /**
   * Whether a checkpoint slot of the partition began since its last checkpoint: slots are every
   * interval, shifted by the partition's phase, so partitions keep apart (also after idle checkpoints).
   */
  private slotPassed(owned: OwnedPartition, now: number): boolean {
    const slot = (time: number) => Math.floor((time + owned.phase) / this.commitIntervalMs);
    return slot(now) > slot(owned.checkpointedAt);
  }

  /**
   * The lag of every owned partition from the topics' current high watermarks: a batch's own lag
   * is only known when a batch comes, and none comes while the topics are paused or the job is
   * held up, exactly when lag grows. Skipped while the previous read is still out.
   */
  private async refreshLag(): Promise<void> {
    if (this.lagReading || this.stopping) return;
    this.lagReading = true;
    try {
      for (const topic of this.config.topics) {
        let committed: Map<number, bigint> | undefined;
        for (const { partition, high, low } of await this.lagAdmin.fetchTopicOffsets(topic)) {
          if (!this.assigned.has(partition)) continue;
          const owned = this.owned.get(partition);
          let position = owned?.position.get(topic) ?? owned?.committed.get(topic);
          // No batch of it processed yet (queued behind a held-up one, or none came): where the group
          // stands, else where a new group starts reading. Its lag is what a stalled job leaves behind.
          if (position === undefined) {
            committed ??= await this.groupOffsets(topic);
            // Taken away while the group's offsets were read: its series must not come back.
            if (!this.assigned.has(partition)) continue;
            position = committed.get(partition) ?? this.startOffset(lagKey(topic, partition), low, high);
          }
          this.stats.lag.set(lagKey(topic, partition), { topic, partition, messages: Math.max(0, Number(BigInt(high) - position)) });
        }
      }
    } catch {
      // The broker away: the gauge keeps its last values until it answers again.
    } finally {
      this.lagReading = false;
    }
  }

  /** The group's committed offsets of the topic's partitions (those it has). */
  private async groupOffsets(topic: string): Promise<Map<number, bigint>> {
    const offsets = new Map<number, bigint>();
    for (const entry of await this.lagAdmin.fetchOffsets({ groupId: this.config.group, topics: [topic] })) {
      for (const { partition, offset } of entry.partitions) if (BigInt(offset) >= 0n) offsets.set(partition, BigInt(offset));
    }
    return offsets;
  }

  /**
   * Where a partition the group never committed starts: its first offset with `from_beginning`,
   * else its end when the job first looked (the consumer starts at the end it found on joining).
   */
  private startOffset(key: string, low: string, high: string): bigint {
    if (this.config.from_beginning) return BigInt(low);
    let start = this.lagStarts.get(key);
    if (start === undefined) this.lagStarts.set(key, (start = BigInt(high)));
    return start;
  }

  /** Checkpoints partitions whose slot came, or all of them once no batch came for a while (run by the timer). */
  private async checkpointDue(): Promise<void> {
    if (this.stopping || this.checkpointQueued) return;
    this.checkpointQueued = true;
    await this.serially(async () => {
      this.checkpointQueued = false;
      const now = Date.now();
      for (const [partition, owned] of [...this.owned]) {
        if (owned.uncommitted.size === 0) continue;
        if (!this.slotPassed(owned, now) && now - this.batchAt < IDLE_COMMIT_MS) continue;
        await this.checkpoint(partition).catch((error: unknown) => this.rollback(partition, error));
      }
    }).catch(() => undefined);
  }
}
