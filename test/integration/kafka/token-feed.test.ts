// The shared tokens topic: a token issued to an agent on one instance's partition and used by
// another agent on the other instance's partition is reported as misuse by the user's instance,
// because grants published at the issuer's checkpoint reach every instance through the tokens topic.
import { afterEach, describe, expect, it } from 'vitest';
import {
  CollectingSink,
  DEMO_REGISTRY,
  groupMembers,
  jobConfig,
  jobNames,
  startInProcessJob,
  waitFor,
  type InProcessJob,
} from '../../helpers/kafka-job.js';
import { createTopic, deleteTopics, kafka, topicConfig, withAdmin } from '../../helpers/kafka.js';

const ISSUER = 'invoice-bot';
const USER = 'report-writer';
const FINGERPRINT = 'sha256:7f3c0a9e1b2d4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6';

async function produceTo(topic: string, partition: number, key: string, value: unknown): Promise<void> {
  const producer = kafka('driftwatch-test-producer').producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key, value: JSON.stringify(value), partition }] });
  } finally {
    await producer.disconnect();
  }
}

describe('kafka source: shared tokens topic', () => {
  const topics: string[] = [];
  const jobs: InProcessJob[] = [];
  afterEach(async () => {
    await Promise.all(jobs.splice(0).map((job) => job.stop().catch(() => undefined)));
    await deleteTopics(topics.splice(0)).catch(() => undefined);
  });

  it('a token issued on one instance\'s partition and used on the other\'s is reported as misuse', { timeout: 180_000 }, async () => {
    const names = jobNames('tokens-feed');
    await createTopic(names.topic, { partitions: 2 });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic, names.tokensTopic);
    const sinks = { a: new CollectingSink('a'), b: new CollectingSink('b') };
    const config = (clientId: string) => jobConfig({ ...names, registry: DEMO_REGISTRY, sessionTimeoutMs: 6_000, source: { client_id: clientId } });
    const started = {
      a: await startInProcessJob(config('tokens-a'), [sinks.a]),
      b: await startInProcessJob(config('tokens-b'), [sinks.b]),
    };
    jobs.push(started.a, started.b);

    // The tokens topic was created compacted, with one partition.
    const [metadata] = (await withAdmin((admin) => admin.fetchTopicMetadata({ topics: [names.tokensTopic] }))).topics;
    expect(metadata?.partitions.length).toBe(1);
    expect(await topicConfig(names.tokensTopic, ['cleanup.policy'])).toEqual({ 'cleanup.policy': 'compact' });

    let owners = new Map<number, 'a' | 'b'>();
    await waitFor(
      async () => {
        const members = await groupMembers(names.group, names.topic);
        owners = new Map(members.flatMap((m) => m.partitions.map((p) => [p, m.clientId === 'tokens-a' ? 'a' : 'b'] as const)));
        return members.length === 2 && members.every((m) => m.partitions.length === 1);
      },
      { timeoutMs: 60_000, label: 'both instances in the group, one partition each' },
    );
    const issuerOwner = owners.get(0)!;
    const userOwner = owners.get(1)!;
    expect(issuerOwner).not.toBe(userOwner);

    const time = Date.parse('2026-11-02T08:00:00Z');
    await produceTo(names.topic, 0, ISSUER, {
      v: 1,
      id: 'tok-1',
      time: new Date(time).toISOString(),
      type: 'token_issued',
      agent: { id: ISSUER },
      token: { fingerprint: FINGERPRINT, issuer: 'https://idp.corp.example', audience: 'erp-prod', scopes: ['read'], ttl_s: 600, grant: 'client_credentials' },
    });
    // Published at the issuer's checkpoint, followed by the other instance.
    await waitFor(() => started[userOwner].job.engine.tokens.get(FINGERPRINT)?.agentId === ISSUER, {
      timeoutMs: 30_000,
      label: 'the grant to reach the instance that owns the user\'s partition',
    });

    await produceTo(names.topic, 1, USER, {
      v: 1,
      id: 'use-1',
      time: new Date(time + 60_000).toISOString(),
      type: 'tool_use',
      agent: { id: USER },
      tool: 'erp.read_invoices',
      system: 'erp-prod',
      action: 'read',
      outcome: 'success',
      token: FINGERPRINT,
    });
    await waitFor(() => sinks[userOwner].alerts.some((alert) => alert.detector === 'token-misuse'), {
      timeoutMs: 30_000,
      label: 'a token-misuse alert from the owner of the user\'s partition',
    });
    const [alert] = sinks[userOwner].alerts.filter((a) => a.detector === 'token-misuse');
    expect(alert!.agent.id).toBe(USER);
    expect(sinks[issuerOwner].alerts.filter((a) => a.detector === 'token-misuse')).toEqual([]);
  });
});
