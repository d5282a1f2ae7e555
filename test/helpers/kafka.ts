// Kafka helpers for integration tests, against the broker that `npm test` (scripts/test.sh) starts
// and announces in KAFKA_BROKERS (comma-separated host:port). Every wait here is bounded.
//
// kafkajs logging is off by default; set DRIFTWATCH_KAFKA_LOG=debug|info|warn|error to see it.
import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Admin, Consumer, IHeaders, ITopicConfig, Kafka as KafkaClient, RecordMetadata } from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

/** Broker list from KAFKA_BROKERS; throws a clear error when it is unset. */
export function brokers(): string[] {
  const raw = process.env.KAFKA_BROKERS?.trim();
  if (!raw) {
    throw new Error(
      'KAFKA_BROKERS is not set: integration tests need a Kafka broker. Run them through `npm test` ' +
        '(scripts/test.sh starts a local broker and sets KAFKA_BROKERS), or start one with ' +
        '`scripts/kafka.sh start` and export KAFKA_BROKERS=127.0.0.1:19092.',
    );
  }
  return raw.split(',').map((b) => b.trim()).filter(Boolean);
}

function kafkaLogLevel(): number {
  switch ((process.env.DRIFTWATCH_KAFKA_LOG ?? '').toLowerCase()) {
    case 'debug':
      return logLevel.DEBUG;
    case 'info':
      return logLevel.INFO;
    case 'warn':
      return logLevel.WARN;
    case 'error':
      return logLevel.ERROR;
    default:
      return logLevel.NOTHING;
  }
}

/** A kafkajs client for the test broker. */
export function kafka(clientId = 'driftwatch-test'): KafkaClient {
  return new Kafka({
    clientId,
    brokers: brokers(),
    logLevel: kafkaLogLevel(),
    connectionTimeout: 5_000,
    requestTimeout: 15_000,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2_000 },
  });
}

/** Runs `fn` with a connected admin client, disconnecting afterwards. */
export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka('driftwatch-test-admin').admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** A topic name that no other test uses: `<prefix>-<time>-<random>`, legal Kafka characters only. */
export function randomTopicName(prefix = 'test'): string {
  const safe = prefix.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, 150);
  return `${safe}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export interface CreateTopicOptions {
  partitions?: number;
  /** Sets cleanup.policy=compact. */
  compacted?: boolean;
  /** Extra topic configs, e.g. { 'segment.ms': '100', 'min.cleanable.dirty.ratio': '0.01' }. */
  config?: Record<string, string>;
  timeoutMs?: number;
}

/** Creates a topic and waits for its partition leaders. Returns the name. */
export async function createTopic(name: string, opts: CreateTopicOptions = {}): Promise<string> {
  const configEntries = Object.entries({
    ...(opts.compacted ? { 'cleanup.policy': 'compact' } : {}),
    ...(opts.config ?? {}),
  }).map(([configName, value]) => ({ name: configName, value }));
  const topic: ITopicConfig = { topic: name, numPartitions: opts.partitions ?? 1, replicationFactor: 1, configEntries };
  await withAdmin(async (admin) => {
    const created = await admin.createTopics({ topics: [topic], waitForLeaders: true, timeout: opts.timeoutMs ?? 15_000 });
    if (!created) throw new Error(`topic ${name} already exists`);
  });
  return name;
}

/** The topic's configuration as name → value (describeConfigs). */
export async function topicConfig(topic: string, names?: string[]): Promise<Record<string, string>> {
  return withAdmin(async (admin) => {
    const res = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2 /* ConfigResourceTypes.TOPIC */, name: topic, ...(names ? { configNames: names } : {}) }],
    });
    const out: Record<string, string> = {};
    for (const e of res.resources[0]?.configEntries ?? []) out[e.configName] = e.configValue;
    return out;
  });
}

export async function deleteTopics(topics: string[]): Promise<void> {
  if (topics.length === 0) return;
  await withAdmin((admin) => admin.deleteTopics({ topics, timeout: 15_000 }));
}

/**
 * Produces one message per line. Objects are JSON.stringify'd; strings are sent as they are (so a
 * test can send malformed JSON on purpose). `keyOf` gives the message key (null/undefined: no key).
 */
export async function produceJsonLines<T>(
  topic: string,
  lines: readonly T[],
  keyOf?: (line: T, index: number) => string | null | undefined,
  opts: { headers?: IHeaders; timeoutMs?: number } = {},
): Promise<RecordMetadata[]> {
  const producer = kafka('driftwatch-test-producer').producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const messages = lines.map((line, i) => ({
      key: keyOf?.(line, i) ?? null,
      value: typeof line === 'string' ? line : JSON.stringify(line),
      ...(opts.headers ? { headers: opts.headers } : {}),
    }));
    return await producer.send({ topic, messages, acks: -1, timeout: opts.timeoutMs ?? 15_000 });
  } finally {
    await producer.disconnect();
  }
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  timestamp: string;
  headers: Record<string, string>;
}

export interface ConsumeAllOptions {
  /** Give up after this long (default 20 s): throws if `expect` is set and not reached. */
  timeoutMs?: number;
  /**
   * Stop once this many messages are read. Without it: read up to the end offsets the topic had
   * when the call started.
   */
  expect?: number;
  /** After reaching `expect`, keep reading this long to catch extra messages (default 0). */
  settleMs?: number;
  /** Consumer group (default: a fresh random one, reading from the beginning). */
  groupId?: string;
}

/** Reads the topic from the beginning with a fresh consumer group; messages in per-partition order. */
export async function consumeAll(topic: string, opts: ConsumeAllOptions = {}): Promise<ConsumedMessage[]> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const groupId = opts.groupId ?? randomTopicName('driftwatch-test-group');
  const client = kafka('driftwatch-test-consumer');

  // Target end offsets, when no count is expected.
  const remaining = new Map<number, bigint>();
  if (opts.expect === undefined) {
    const offsets = await withAdmin((admin) => admin.fetchTopicOffsets(topic));
    for (const o of offsets) {
      if (BigInt(o.high) > BigInt(o.low)) remaining.set(o.partition, BigInt(o.high));
    }
    if (remaining.size === 0) return [];
  }

  const consumer = client.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
  const received: ConsumedMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      let settleTimer: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => {
        if (opts.expect === undefined || received.length < opts.expect) {
          reject(
            new Error(
              `consumeAll(${topic}): got ${received.length} message(s)` +
                (opts.expect !== undefined ? ` of ${opts.expect} expected` : ' before reaching the end offsets') +
                ` within ${timeoutMs} ms`,
            ),
          );
        } else resolve();
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const removeCrash = consumer.on(consumer.events.CRASH, (e) => {
        clearTimeout(timer);
        removeCrash();
        reject(e.payload.error);
      });
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ topic: t, partition, message }) => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(message.headers ?? {})) {
              if (v !== undefined) headers[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
            }
            received.push({
              topic: t,
              partition,
              offset: message.offset,
              key: message.key ? message.key.toString('utf8') : null,
              value: message.value ? message.value.toString('utf8') : null,
              timestamp: message.timestamp,
              headers,
            });
            if (opts.expect !== undefined) {
              if (received.length >= opts.expect && !settleTimer) {
                settleTimer = setTimeout(done, opts.settleMs ?? 0);
              }
            } else {
              const end = remaining.get(partition);
              if (end !== undefined && BigInt(message.offset) + 1n >= end) remaining.delete(partition);
              if (remaining.size === 0) done();
            }
          },
        })
        .catch((err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        });
    });
  } finally {
    await consumer.disconnect();
  }
  return received;
}

/**
 * Resolves when the consumer has joined its group (GROUP_JOIN event), rejecting on CRASH or after
 * `timeoutMs` (default 15 s). Call it before `consumer.run()`, await it after:
 *   const joined = waitForConsumerToJoinGroup(consumer); await consumer.run(...); await joined;
 */
export function waitForConsumerToJoinGroup(
  consumer: Consumer,
  { timeoutMs = 15_000, label = '' }: { timeoutMs?: number; label?: string } = {},
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      removeJoin();
      removeCrash();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`consumer ${label} did not join its group within ${timeoutMs} ms`.replace('  ', ' ')));
    }, timeoutMs);
    const removeJoin = consumer.on(consumer.events.GROUP_JOIN, (event) => {
      cleanup();
      resolve(event.payload);
    });
    const removeCrash = consumer.on(consumer.events.CRASH, (event) => {
      cleanup();
      reject(event.payload.error);
    });
  });
}
