import kafkajs, { type Consumer, type Kafka, type Message, type Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { TokenGrant } from '../sdk/detector.js';
import { redactedValuesJson } from '../redaction.js';
import type { Logger } from '../telemetry/log.js';
import { CHUNK_RECORDS } from './changelog.js';
import { settlesWithin } from '../settles-within.js';

const { CompressionTypes } = kafkajs;

/** How long `start` waits for the tokens topic to be read up to its end before it goes on. */
const CATCH_UP_MS = 30_000;

function isGrant(value: unknown): value is TokenGrant {
  const grant = value as TokenGrant | null;
  return (
    typeof grant === 'object' &&
    grant !== null &&
    typeof grant.fingerprint === 'string' &&
    typeof grant.agentId === 'string' &&
    typeof grant.eventId === 'string' &&
    typeof grant.issuedAt === 'number' &&
    (grant.expiresAt === undefined || typeof grant.expiresAt === 'number')
  );
}

/**
 * The token ledger shared by the instances of a group (GlobalKTable style). Events are keyed by
 * agent, so a token issued to one agent and used by another arrive on different partitions, maybe
 * at different instances. Every instance publishes the grants of its checkpoints to a compacted
 * tokens topic keyed by fingerprint (tombstones when they retire), and follows that topic with a
 * consumer of its own (a private group, read from the beginning), handing every grant to `adopt`.
 * Adopted grants arrive between batches (kafkajs callbacks never run inside the engine's
 * synchronous processing).
 */
export class TokenFeed {
  private readonly groupId: string;
  private consumer: Consumer | undefined;
  private adopted = 0;
  /** The tokens topic's partition count, once `start` read it. */
  private partitions: number | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    readonly topic: string,
    group: string,
    private readonly adopt: (grant: TokenGrant) => void,
    private readonly logger: Logger,
  ) {
    this.groupId = `${group}.tokens.${randomUUID()}`;
  }

  /** The records for the tokens topic of a checkpoint's grants and retired fingerprints (serialised now). */
  encode(grants: readonly TokenGrant[], retired: readonly string[]): Message[] {
    // With one partition (as created), naming it spares kafkajs hashing every key.
    const partition = this.partitions === 1 ? 0 : undefined;
    return [
      ...retired.map((fingerprint) => ({ key: fingerprint, value: null, partition })),
      ...grants.map((grant) => ({ key: grant.fingerprint, value: redactedValuesJson(grant), partition })),
    ];
  }

  /** Writes encoded records, in order, at most `CHUNK_RECORDS` per request; resolves once the brokers acknowledged them (acks = all). */
  async send(messages: readonly Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += CHUNK_RECORDS) {
      await this.producer.send({ topic: this.topic, acks: -1, compression: CompressionTypes.GZIP, messages: messages.slice(start, start + CHUNK_RECORDS) });
    }
  }

  /**
   * Starts following the tokens topic from its beginning; resolves once what it held at the call
   * was read (or after 30 s, with a warning: the rest arrives in the background).
   */
  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    let wanted: Map<number, bigint>;
    try {
      const offsets = await admin.fetchTopicOffsets(this.topic);
      this.partitions = offsets.length;
      wanted = new Map(offsets.filter(({ high, low }) => BigInt(high) > BigInt(low)).map(({ partition, high }) => [partition, BigInt(high)]));
    } finally {
      await admin.disconnect();
    }
    const consumer = this.kafka.consumer({ groupId: this.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    let caughtUp: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => (caughtUp = resolve));
    if (wanted.size === 0) caughtUp();
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (message.value === null) continue;
          let grant: unknown;
          try {
            grant = JSON.parse(message.value.toString('utf8'));
          } catch {
            grant = undefined;
          }
          if (!isGrant(grant)) {
            this.logger.log('warn', 'unreadable record in the tokens topic skipped', { topic: this.topic, partition: batch.partition, offset: message.offset });
            continue;
          }
          this.adopt(grant);
          this.adopted++;
        }
        const end = wanted.get(batch.partition);
        if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) {
          wanted.delete(batch.partition);
          if (wanted.size === 0) caughtUp();
        }
      },
    });
    const late = !(await settlesWithin(reached, CATCH_UP_MS));
    if (late) this.logger.log('warn', 'tokens topic not read to its end in time; the rest is read in the background', { topic: this.topic });
    else this.logger.log('info', 'tokens topic followed', { topic: this.topic, grants: this.adopted });
  }

  /** Stops following and deletes the private group (best effort). */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    this.consumer = undefined;
    await consumer.disconnect().catch(() => undefined);
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch {
      // best effort: an empty group without offsets expires on its own
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
