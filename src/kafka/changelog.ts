import kafkajs, { type Batch, type IHeaders, type Kafka, type Message, type Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { AgentSnapshot } from '../engine/snapshot.js';
import { DriftwatchError } from '../errors.js';
import type { TokenGrant } from '../sdk/detector.js';
import type { Logger } from '../telemetry/log.js';
import { redactedJson, redactedValuesJson } from '../redaction.js';
import { TOKEN_KEY_PREFIX } from './token-checkpoint.js';

const { CompressionTypes } = kafkajs;

/**
 * Most bytes of snapshots (before compression) per produce request. One request per partition is
 * one record batch, which the broker refuses above the topic's `max.message.bytes` (1 MiB by
 * default); snapshots compress about 6× with gzip, so 2 MiB make about 300 KiB.
 */
const CHUNK_BYTES = 2 * 1024 * 1024;
/**
 * Most records per produce request: kafkajs groups the records of a send per partition in time
 * quadratic in their number (tulios/kafkajs#1576), which at thousands of token grants per
 * checkpoint cost more than encoding them.
 */
export const CHUNK_RECORDS = 512;

/** Header of every changelog record: the last event offset, per event topic, the state includes. */
export const APPLIED_HEADER = 'dw-applied';
/**
 * Header of every changelog record: the consumer group whose state it is. Applied offsets are
 * those of one group's reading: another group restoring them would skip every event the first
 * group had processed, and both would write their state into one changelog.
 */
export const GROUP_HEADER = 'dw-group';

/**
 * For one partition number: the offset of the last event, per event topic, whose effect is in the
 * checkpointed state. An event at or below it was processed (its alerts acknowledged) before the
 * checkpoint was written, so a replay after a crash between checkpoint and commit skips it.
 */
export type AppliedOffsets = Map<string, bigint>;

/** What one checkpoint writes for one partition. */
export interface Checkpoint {
  snapshots: readonly AgentSnapshot[];
  grants?: readonly TokenGrant[];
  /** Fingerprints of retired token grants (tombstones). */
  retired?: readonly string[];
}

export interface RestoredState {
  agents: Map<string, AgentSnapshot>;
  /** The partition each restored agent's latest snapshot was read from. */
  partitionOf: Map<string, number>;
  /** Per restored partition number: the applied offsets found in its changelog. */
  applied: Map<number, AppliedOffsets>;
  /** Per restored partition number: the token grants recorded there, by fingerprint, in write order. */
  tokens: Map<number, Map<string, TokenGrant>>;
  /** Records that could not be read (not JSON): skipped, the agent starts afresh. */
  unreadable: number;
}

function encodeApplied(applied: AppliedOffsets): string {
  return JSON.stringify(Object.fromEntries([...applied].map(([topic, offset]) => [topic, offset.toString()])));
}

function headerText(header: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  const raw = Array.isArray(header) ? header[header.length - 1] : header;
  return raw?.toString();
}

function mergeApplied(into: AppliedOffsets, header: Buffer | string | (Buffer | string)[] | undefined): void {
  const raw = headerText(header);
  if (raw === undefined) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return;
  }
  if (!parsed || typeof parsed !== 'object') return;
  for (const [topic, offset] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof offset !== 'string' || !/^\d+$/.test(offset)) continue;
    const value = BigInt(offset);
    const known = into.get(topic);
    if (known === undefined || value > known) into.set(topic, value);
  }
}

/**
 * Per-agent state in a compacted topic keyed by agent id (the Kafka Streams changelog pattern).
 * The changelog is co-partitioned with the events: an agent's state is written to the partition
 * number its events come from, so taking over event partition p means reading state partition p.
 * The last request of each checkpoint carries the applied offsets of its partition (header
 * `dw-applied`); compaction keeps the latest record of every agent, and the latest record of the
 * partition is the latest of its agent, so the maximum over what survives is the newest complete
 * checkpoint's (or an older one's, when a checkpoint that stopped half-way replaced those records:
 * then more is replayed, never less).
 */
export class StateChangelog {
  constructor(
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    readonly topic: string,
    /** The consumer group whose state this changelog holds. */
    private readonly group: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Writes agent snapshots, token grants and tombstones of retired grants, and resolves once the
   * brokers acknowledged them (acks = all).
   */
  async write(partition: number, checkpoint: Checkpoint, applied: AppliedOffsets): Promise<void> {
    await this.send(this.encode(partition, checkpoint, applied));
  }

  /**
   * The records of a checkpoint, in produce requests of bounded size, serialised now: what
   * `send` writes later is the state as it is at this call.
   *
   * Only the records of the last request carry the applied offsets. A checkpoint of several
   * requests is not atomic: if the job stops after some of them, the applied offsets restored are
   * still the previous checkpoint's (records without the header do not count), so the replay
   * starts there. Agents whose new snapshot was written then learn those events a second time;
   * none of them misses an event.
   */
  encode(partition: number, checkpoint: Checkpoint, applied: AppliedOffsets, rewrite?: (snapshot: AgentSnapshot) => AgentSnapshot | undefined): Message[][] {
    const { snapshots, grants = [], retired = [] } = checkpoint;
    if (snapshots.length === 0 && grants.length === 0 && retired.length === 0) return [];
    const requests: Message[][] = [];
    let request: Message[] = [];
    let bytes = 0;
    const add = (message: Message, size: number) => {
      if (request.length > 0 && (bytes + size > CHUNK_BYTES || request.length >= CHUNK_RECORDS)) {
        requests.push(request);
        request = [];
        bytes = 0;
      }
      request.push(message);
      bytes += size;
    };
    const groupHeaders: IHeaders = { [GROUP_HEADER]: this.group };
    for (const fingerprint of retired) add({ key: TOKEN_KEY_PREFIX + fingerprint, value: null, partition, headers: groupHeaders }, 0);
    for (const grant of grants) {
      const value = redactedValuesJson(grant);
      add({ key: TOKEN_KEY_PREFIX + grant.fingerprint, value, partition, headers: groupHeaders }, value.length);
    }
    for (const snapshot of snapshots) {
      let value: string;
      try {
        value = redactedJson(snapshot);
      } catch (error) {
        // A snapshot JSON cannot write (a plugin's state with a cycle): `rewrite` gives one without the culprit.
        const rewritten = rewrite?.(snapshot);
        if (rewritten === undefined) throw error;
        value = redactedJson(rewritten);
      }
      add({ key: snapshot.agent, value, partition, headers: groupHeaders }, value.length);
    }
    requests.push(request);
    const headers: IHeaders = { ...groupHeaders, [APPLIED_HEADER]: encodeApplied(applied) };
    for (const message of request) message.headers = headers;
    return requests;
  }

  /**
   * Sends encoded checkpoint records request after request, in order: the applied offsets ride
   * on every record, and a checkpoint counts only once its last request is acknowledged (the
   * commit waits for it).
   */
  async send(requests: readonly Message[][]): Promise<void> {
    for (const messages of requests) {
      const written = await this.producer.send({ topic: this.topic, acks: -1, compression: CompressionTypes.GZIP, messages });
      // kafkajs drops records for a partition the topic does not have, and resolves: partitions
      // added to an event topic while running. Committing past them would lose their state.
      for (const message of messages) {
        if (!written.some((metadata) => metadata.partition === message.partition)) {
          throw new DriftwatchError(
            'DW_CONFIG_INVALID',
            `state topic ${this.topic} has no partition ${String(message.partition)}: partitions were added to an event topic; restart to grow the state topic with it (create_topics), or add its partitions first (docs/kafka.md)`,
          );
        }
      }
    }
  }

  /** Reads the latest snapshot of every agent in the given partitions, up to their current end. */
  async restore(partitions: readonly number[], timeoutMs = 60_000): Promise<RestoredState> {
    const restored: RestoredState = { agents: new Map(), partitionOf: new Map(), applied: new Map(), tokens: new Map(), unreadable: 0 };
    if (partitions.length === 0) return restored;
    for (const partition of partitions) {
      restored.applied.set(partition, new Map());
      restored.tokens.set(partition, new Map());
    }
    const started = performance.now();
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
      const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: this.topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new DriftwatchError('DW_SOURCE_FAILED', `state restore from ${this.topic} timed out`, { retriable: true })), timeoutMs);
          const readBatch = (batch: Batch): void => {
            const end = wanted.get(batch.partition);
            if (end === undefined) return;
            const applied = restored.applied.get(batch.partition)!;
            for (const message of batch.messages) {
              if (BigInt(message.offset) >= end) break;
              const agent = message.key?.toString('utf8');
              if (agent === undefined) continue;
              const group = headerText(message.headers?.[GROUP_HEADER]);
              // Records written before the header existed carry none: taken as this group's.
              if (group !== undefined && group !== this.group) {
                throw new DriftwatchError(
                  'DW_CONFIG_INVALID',
                  `state topic ${this.topic} holds the state of consumer group "${group}" (partition ${batch.partition}), not of this group "${this.group}": each group needs a state_topic of its own (restoring another group's state would skip the events that group processed)`,
                );
              }
              mergeApplied(applied, message.headers?.[APPLIED_HEADER]);
              if (agent.startsWith(TOKEN_KEY_PREFIX)) {
                const tokens = restored.tokens.get(batch.partition)!;
                const fingerprint = agent.slice(TOKEN_KEY_PREFIX.length);
                tokens.delete(fingerprint);
                if (message.value === null) continue;
                try {
                  tokens.set(fingerprint, JSON.parse(message.value.toString('utf8')) as TokenGrant);
                } catch {
                  restored.unreadable++;
                }
                continue;
              }
              restored.agents.delete(agent);
              restored.partitionOf.delete(agent);
              if (message.value === null) continue;
              try {
                restored.agents.set(agent, JSON.parse(message.value.toString('utf8')) as AgentSnapshot);
                restored.partitionOf.set(agent, batch.partition);
              } catch {
                restored.unreadable++;
              }
            }
            if (BigInt(batch.lastOffset()) + 1n >= end) wanted.delete(batch.partition);
            if (wanted.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          };
          void consumer
            .run({
              eachBatch: async ({ batch }) => {
                try {
                  readBatch(batch);
                } catch (error) {
                  // Not for kafkajs to retry: the restore fails.
                  clearTimeout(timer);
                  reject(error as Error);
                }
              },
            })
            .catch((error: unknown) => {
              clearTimeout(timer);
              reject(error as Error);
            });
        });
      } finally {
        await consumer.disconnect();
        await admin.deleteGroups([groupId]).catch(() => undefined);
      }
      this.logger.log('info', 'state restored from changelog', {
        topic: this.topic,
        partitions,
        agents: restored.agents.size,
        tokens: [...restored.tokens.values()].reduce((sum, tokens) => sum + tokens.size, 0),
        unreadable: restored.unreadable,
        ms: Math.round(performance.now() - started),
      });
      return restored;
    } finally {
      await admin.disconnect();
    }
  }
}
