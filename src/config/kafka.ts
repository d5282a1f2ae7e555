import { z } from 'zod';

/** Longest wait a Node.js timer keeps (2^31 − 1 ms, 24.8 days): a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Milliseconds kafkajs or the job wait with a timer, `fallback` when not given. */
const timerMs = (fallback: number) => z.number().int().positive().max(MAX_TIMER_MS).default(fallback);

/**
 * A broker address: a host name or an IPv4 address, a colon and a port 1–65535. Not an IPv6
 * literal: kafkajs splits an address at its first colon, so `[::1]:9092` would reach it as host `[`.
 */
const BROKER_ADDRESS = /^([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?):([0-9]{1,5})$/;

function isBrokerAddress(address: string): boolean {
  const port = BROKER_ADDRESS.exec(address)?.[2];
  return port !== undefined && Number(port) >= 1 && Number(port) <= 65_535;
}

/**
 * An entry of `brokers`: one address, or several separated by commas (what `${KAFKA_BROKERS}` holds
 * when it is set the way Kafka's own tools take it). Checked here: kafkajs takes a bad one and
 * retries for a minute before it names the port as NaN.
 */
const brokerEntry = z
  .string()
  .min(1)
  .refine((entry) => entry.split(',').every((address) => isBrokerAddress(address.trim())), {
    error: (issue) => `must be host:port, or several comma-separated, with a port from 1 to 65535 and a host name or IPv4 address (got ${JSON.stringify(issue.input)})`,
  });

/** The broker addresses of the `brokers` entries, comma-separated ones apart. */
export function brokerAddresses(entries: readonly string[]): string[] {
  return entries.flatMap((entry) => entry.split(',').map((address) => address.trim()));
}

/** Connection settings shared by the Kafka source and the Kafka sinks. Secrets come through ${ENV}. */
export const kafkaConnectionSchema = z.strictObject({
  brokers: z.array(brokerEntry).min(1).describe('bootstrap brokers host:port (an entry may list several, comma-separated)'),
  client_id: z.string().min(1).default('driftwatch'),
  tls: z
    .strictObject({
      enabled: z.boolean().default(true),
      ca: z.string().optional().describe('path of a PEM CA bundle'),
      cert: z.string().optional().describe('path of a PEM client certificate'),
      key: z.string().optional().describe('path of the PEM client key'),
      reject_unauthorized: z.boolean().default(true).describe('verify the broker certificate (keep true in production)'),
      servername: z.string().optional(),
    })
    .optional(),
  sasl: z
    .strictObject({
      mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
      username: z.string().min(1),
      password: z.string().min(1).describe('use ${ENV_VAR}: never write it in the file'),
    })
    .optional(),
  connection_timeout_ms: timerMs(10_000),
  request_timeout_ms: timerMs(30_000),
});

export const kafkaSourceSchema = kafkaConnectionSchema.extend({
  type: z.literal('kafka'),
  topics: z.array(z.string().min(1)).min(1).describe('event topics; producers key events by agent.id'),
  group: z.string().min(1).default('driftwatch').describe('consumer group: instances with the same group share the partitions'),
  from_beginning: z.boolean().default(false).describe('where a new group starts'),
  dead_letter_topic: z.string().min(1).default('driftwatch-dead-letters'),
  state_topic: z.string().min(1).default('driftwatch-state').describe('compacted changelog of per-agent state, co-partitioned with the events; one per consumer group (a group that finds another group\'s state there stops with DW_CONFIG_INVALID)'),
  tokens_topic: z
    .string()
    .min(1)
    .default('driftwatch-tokens')
    .describe('compacted topic of token grants keyed by fingerprint, read by every instance: the token ledger of the whole group'),
  create_topics: z.boolean().default(true).describe('create missing state, tokens and dead-letter topics with the required configs'),
  session_timeout_ms: timerMs(30_000),
  metadata_max_age_ms: timerMs(30_000).describe('how often topic metadata is refreshed: partitions added to an event topic are consumed (and checked against the state topic) within this time'),
  max_bytes_per_partition: z.number().int().positive().default(1_048_576),
  commit_interval_ms: timerMs(5_000).describe('checkpoint state and commit offsets at most this often; longer: fewer state writes, more replay after a crash'),
});

export type KafkaConnection = z.output<typeof kafkaConnectionSchema>;
export type KafkaSourceConfig = z.output<typeof kafkaSourceSchema>;
