import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { KafkaSourceConfig } from '../config/kafka.js';
import type { Engine } from '../engine/engine.js';
import { restoreAgent, snapshotAgent, type AgentSnapshot } from '../engine/snapshot.js';
import { Pipeline, type SourceRecord } from '../pipeline/pipeline.js';
import type { AlertSink } from '../sinks/sink.js';
import type { Logger } from '../telemetry/log.js';
import { StateChangelog } from './changelog.js';
import { kafkaClient } from './client.js';
import { KafkaDeadLetterSink } from './dead-letters.js';
import { ensureTopics, eventPartitionCount } from './topics.js';

const EMPTY = new Uint8Array(0);
const HEARTBEAT_EVERY_MS = 3_000;

export interface KafkaJobOptions {
  maxEventBytes: number;
  logger: Logger;
  /** Called after each batch is committed (tests and telemetry). */
  onCommitted?: (info: { topic: string; partition: number; offset: string; records: number; alerts: number }) => void;
}

/**
 * The Kafka consumer-group job. Per partition batch: decode and detect, wait until every sink
 * acknowledged the alerts and the dead letters are written, write the state of the agents the
 * batch touched to the changelog, and only then commit the batch's offsets. A crash at any point
 * replays from the last commit, and the replay gives the same alert ids.
 */
export class KafkaJob {
  readonly pipeline: Pipeline;
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly changelog: StateChangelog;
  /** Messages of the batch in flight, for dead letters that carry the original bytes. */
  private inFlight = new Map<string, KafkaMessage>();
  /** Event partitions whose agents' state this instance holds (restored or built here). */
  private readonly owned = new Set<number>();
  /** The event partition each agent's events arrive on: where its state is checkpointed. */
  private readonly agentPartition = new Map<string, number>();
  private stopping = false;

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
      maxBytesPerPartition: config.max_bytes_per_partition,
      allowAutoTopicCreation: false,
      retry: { retries: 10 },
    });
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.changelog = new StateChangelog(this.kafka, this.producer, config.state_topic, options.logger);
    this.pipeline = new Pipeline(engine, {
      sinks,
      deadLetters: new KafkaDeadLetterSink(this.producer, config.dead_letter_topic, (partition, offset) => this.inFlight.get(`${partition}:${offset}`)),
      maxEventBytes: options.maxEventBytes,
    });
    engine.touched = new Set();
  }

  /** Connects, prepares the topics, joins the group and starts consuming. */
  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const partitions = await eventPartitionCount(admin, this.config.topics);
      await ensureTopics(admin, {
        stateTopic: this.config.state_topic,
        deadLetterTopic: this.config.dead_letter_topic,
        partitions,
        create: this.config.create_topics,
      });
    } finally {
      await admin.disconnect();
    }
    await this.producer.connect();
    await this.consumer.connect();
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => this.onAssignment(payload.memberAssignment));
    for (const topic of this.config.topics) await this.consumer.subscribe({ topic, fromBeginning: this.config.from_beginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.processBatch(payload),
    });
    this.options.logger.log('info', 'kafka source started', { topics: this.config.topics, group: this.config.group });
  }

  /** Finishes the batch in flight (flushed, checkpointed, committed), then leaves the group. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.consumer.disconnect();
    await this.producer.disconnect();
    await this.pipeline.close();
    this.options.logger.log('info', 'kafka source stopped', { group: this.config.group });
  }

  /** Partitions taken away by a rebalance: their agents' state now belongs to another instance. */
  private onAssignment(assignment: Record<string, number[]>): void {
    const assigned = new Set(Object.values(assignment).flat());
    for (const partition of [...this.owned]) {
      if (assigned.has(partition)) continue;
      this.owned.delete(partition);
      for (const [agent, agentPartition] of this.agentPartition) {
        if (agentPartition === partition) {
          this.engine.dropAgent(agent);
          this.agentPartition.delete(agent);
        }
      }
      this.options.logger.log('info', 'partition revoked; its agents\' state released', { partition });
    }
  }

  private async takeOwnership(partition: number): Promise<void> {
    if (this.owned.has(partition)) return;
    const restored: Map<string, AgentSnapshot> = await this.changelog.restore([partition]);
    for (const snapshot of restored.values()) {
      restoreAgent(this.engine, snapshot);
      this.agentPartition.set(snapshot.agent, partition);
    }
    this.owned.add(partition);
  }

  private async processBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    const { topic, partition } = batch;
    const keepAlive = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_EVERY_MS);
    try {
      await this.takeOwnership(partition);
      this.inFlight = new Map(batch.messages.map((message) => [`${partition}:${message.offset}`, message]));
      const records: SourceRecord[] = batch.messages.map((message) => ({
        value: message.value ?? EMPTY,
        position: { topic, partition, offset: message.offset },
      }));
      const touched = this.engine.touched!;
      touched.clear();
      const result = await this.pipeline.processBatch(records);
      const snapshots: AgentSnapshot[] = [];
      for (const agent of touched) {
        this.agentPartition.set(agent, partition);
        const snapshot = snapshotAgent(this.engine, agent);
        if (snapshot) snapshots.push(snapshot);
      }
      await this.changelog.write(partition, snapshots);
      const last = batch.messages[batch.messages.length - 1]!.offset;
      await this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(last) + 1n).toString() }]);
      resolveOffset(last);
      this.options.onCommitted?.({ topic, partition, offset: last, records: records.length, alerts: result.alerts.length });
    } finally {
      clearInterval(keepAlive);
      this.inFlight = new Map();
    }
  }
}
