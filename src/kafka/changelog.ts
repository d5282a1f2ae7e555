import type { Kafka, Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { AgentSnapshot } from '../engine/snapshot.js';
import { DriftwatchError } from '../errors.js';
import type { Logger } from '../telemetry/log.js';

/**
 * Per-agent state in a compacted topic keyed by agent id (the Kafka Streams changelog pattern).
 * The changelog is co-partitioned with the events: an agent's state is written to the partition
 * number its events come from, so taking over event partition p means reading state partition p.
 */
export class StateChangelog {
  constructor(
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    readonly topic: string,
    private readonly logger: Logger,
  ) {}

  /** Writes snapshots and resolves once the brokers acknowledged them (acks = all). */
  async write(partition: number, snapshots: readonly AgentSnapshot[]): Promise<void> {
    if (snapshots.length === 0) return;
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: snapshots.map((snapshot) => ({ key: snapshot.agent, value: JSON.stringify(snapshot), partition })),
    });
  }

  /** Reads the latest snapshot of every agent in the given partitions, up to their current end. */
  async restore(partitions: readonly number[], timeoutMs = 60_000): Promise<Map<string, AgentSnapshot>> {
    const restored = new Map<string, AgentSnapshot>();
    if (partitions.length === 0) return restored;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.topic);
      const wanted = new Map<number, bigint>();
      for (const { partition, high, low } of offsets) {
        if (partitions.includes(partition) && BigInt(high) > BigInt(low)) wanted.set(partition, BigInt(high));
      }
      if (wanted.size === 0) return restored;
      // kafkajs has no manual assignment: a private, throw-away group reads the topic from the start.
      const groupId = `driftwatch-restore-${randomUUID()}`;
      const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false });
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: this.topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new DriftwatchError('DW_SOURCE_FAILED', `state restore from ${this.topic} timed out`, { retriable: true })), timeoutMs);
          void consumer.run({
            eachBatch: async ({ batch }) => {
              const end = wanted.get(batch.partition);
              if (end === undefined) return;
              for (const message of batch.messages) {
                if (BigInt(message.offset) >= end) break;
                const agent = message.key?.toString('utf8');
                if (agent === undefined) continue;
                if (message.value === null) restored.delete(agent);
                else restored.set(agent, JSON.parse(message.value.toString('utf8')) as AgentSnapshot);
              }
              if (BigInt(batch.lastOffset()) + 1n >= end) wanted.delete(batch.partition);
              if (wanted.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          }).catch(reject);
        });
      } finally {
        await consumer.disconnect();
        await admin.deleteGroups([groupId]).catch(() => undefined);
      }
      this.logger.log('info', 'state restored from changelog', { topic: this.topic, partitions, agents: restored.size });
      return restored;
    } finally {
      await admin.disconnect();
    }
  }
}
