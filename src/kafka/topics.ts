import type { Admin } from 'kafkajs';
import { DriftwatchError } from '../errors.js';

/** Topic configs driftwatch needs (docs/kafka.md tells operators who create the topics themselves). */
export const STATE_TOPIC_CONFIG = {
  'cleanup.policy': 'compact',
  'min.compaction.lag.ms': '0',
  'segment.ms': '3600000',
} as const;

/** The shared tokens topic: compacted (the latest grant of every fingerprint), one partition (see ensureTopics). */
export const TOKENS_TOPIC_CONFIG = STATE_TOPIC_CONFIG;

export const DEAD_LETTER_TOPIC_CONFIG = { 'cleanup.policy': 'delete', 'retention.ms': String(14 * 86_400_000) } as const;

/** The names of the cluster's topics, read once at start-up for the checks below. */
export async function topicNames(admin: Admin): Promise<ReadonlySet<string>> {
  const names = await admin.listTopics().catch((error: unknown) => {
    throw new DriftwatchError('DW_SOURCE_FAILED', `listing topics: ${(error as Error).message}`, { cause: error, retriable: true });
  });
  return new Set(names);
}

/** Partition count shared by every event topic (all of which must be among `existing`); the state changelog must have the same. */
export async function eventPartitionCount(admin: Admin, topics: readonly string[], existing: ReadonlySet<string>): Promise<number> {
  // Asked for a topic that does not exist, the broker answers "does not host this topic-partition".
  const absent = topics.filter((topic) => !existing.has(topic));
  if (absent.length > 0) {
    throw new DriftwatchError('DW_CONFIG_INVALID', `source.topics: ${absent.join(', ')} ${absent.length === 1 ? 'does' : 'do'} not exist (driftwatch creates its own topics, never the event topics: create them, or correct the name)`);
  }
  const metadata = await admin.fetchTopicMetadata({ topics: [...topics] }).catch((error: unknown) => {
    throw new DriftwatchError('DW_SOURCE_FAILED', `event topics ${topics.join(', ')}: ${(error as Error).message}`, { cause: error, retriable: true });
  });
  const counts = new Set(metadata.topics.map((topic) => topic.partitions.length));
  if (counts.size !== 1) {
    throw new DriftwatchError('DW_CONFIG_INVALID', `event topics must have the same number of partitions (state is co-partitioned with them): ${metadata.topics.map((t) => `${t.name}=${t.partitions.length}`).join(', ')}`);
  }
  return [...counts][0]!;
}

/**
 * Creates the state, tokens and dead-letter topics when missing. An existing state topic is
 * checked: it must be compacted and have at least as many partitions as the event topics; an
 * existing tokens topic must be compacted. The tokens topic is created with one partition: every
 * instance reads all of it anyway (keys are fingerprints, not agents), grants are few and small,
 * and one partition keeps them in the order they were published.
 */
export async function ensureTopics(
  admin: Admin,
  existing: ReadonlySet<string>,
  options: { stateTopic: string; deadLetterTopic: string; tokensTopic?: string; partitions: number; create: boolean },
): Promise<void> {
  const entries = (config: Record<string, string>) => Object.entries(config).map(([name, value]) => ({ name, value }));
  const missing = [
    { topic: options.stateTopic, numPartitions: options.partitions, configEntries: entries(STATE_TOPIC_CONFIG) },
    { topic: options.deadLetterTopic, numPartitions: options.partitions, configEntries: entries(DEAD_LETTER_TOPIC_CONFIG) },
    ...(options.tokensTopic ? [{ topic: options.tokensTopic, numPartitions: 1, configEntries: entries(TOKENS_TOPIC_CONFIG) }] : []),
  ].filter(({ topic }) => !existing.has(topic));
  if (missing.length > 0) {
    if (!options.create) {
      throw new DriftwatchError('DW_CONFIG_INVALID', `missing topics ${missing.map((t) => t.topic).join(', ')} and create_topics is false (see docs/kafka.md for their configs)`);
    }
    await admin.createTopics({ waitForLeaders: true, topics: missing });
  }
  const [state] = (await admin.fetchTopicMetadata({ topics: [options.stateTopic] })).topics;
  const statePartitions = state?.partitions.length ?? 0;
  if (statePartitions < options.partitions) {
    // Partitions added to an event topic: the state topic grows with it (its agents' keys move, so
    // the agents of the partitions that changed relearn their baselines; docs/kafka.md).
    if (!options.create || statePartitions === 0) {
      throw new DriftwatchError('DW_CONFIG_INVALID', `state topic ${options.stateTopic} has ${statePartitions} partitions; it needs at least ${options.partitions}, as many as the event topics`);
    }
    await admin.createPartitions({ topicPartitions: [{ topic: options.stateTopic, count: options.partitions }] });
  }
  const compacted = [
    { kind: 'state', name: options.stateTopic },
    ...(options.tokensTopic ? [{ kind: 'tokens', name: options.tokensTopic }] : []),
  ];
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: compacted.map(({ name }) => ({ type: 2, name, configNames: ['cleanup.policy'] })),
  });
  for (const { kind, name } of compacted) {
    const resource = described.resources.find((r) => r.resourceName === name);
    const policy = resource?.configEntries.find((entry) => entry.configName === 'cleanup.policy')?.configValue;
    // `compact,delete` would also drop a quiet agent's only snapshot after retention.ms.
    const policies = policy?.split(',').map((part) => part.trim()) ?? ['compact'];
    if (policies.length !== 1 || policies[0] !== 'compact') {
      throw new DriftwatchError(
        'DW_CONFIG_INVALID',
        `${kind} topic ${name} must have cleanup.policy=compact (has ${policy}${policies.includes('delete') ? ': delete would drop the latest record of an agent or token quiet for longer than retention.ms' : ''})`,
      );
    }
  }
}
