// The state changelog on the real broker: a checkpoint written in several requests that stops
// half-way leaves the previous checkpoint's applied offsets in force, so the replay after a crash
// starts there (agents written half-way learn some events twice; no agent misses one).
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentSnapshot } from '../../../src/engine/snapshot.js';
import { CHUNK_RECORDS, StateChangelog } from '../../../src/kafka/changelog.js';
import { silentLogger } from '../../../src/telemetry/log.js';
import { createTopic, deleteTopics, kafka, randomTopicName } from '../../helpers/kafka.js';

function snapshot(agent: string, clock: number): AgentSnapshot {
  return { v: 1, agent, clock, detectors: {}, recent: { ids: [], until: [], counts: [] } } as unknown as AgentSnapshot;
}

describe('kafka: state changelog', () => {
  const topics: string[] = [];
  afterEach(async () => {
    await deleteTopics(topics.splice(0)).catch(() => undefined);
  });

  it('restores the last complete checkpoint\'s applied offsets after a checkpoint that stopped half-way', { timeout: 120_000 }, async () => {
    const topic = await createTopic(randomTopicName('state'), { partitions: 2 });
    topics.push(topic);
    const client = kafka('driftwatch-test-changelog');
    const producer = client.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const changelog = new StateChangelog(client, producer, topic, 'driftwatch', silentLogger);
      await changelog.write(1, { snapshots: [snapshot('a-1', 10), snapshot('a-2', 10)] }, new Map([['events', 100n]]));

      const grants = Array.from({ length: CHUNK_RECORDS + 5 }, (_, i) => ({ fingerprint: `f${i}`, agentId: 'a-1', eventId: `e${i}`, issuedAt: 20 }));
      const later = changelog.encode(1, { snapshots: [snapshot('a-1', 20)], grants }, new Map([['events', 200n]]));
      expect(later).toHaveLength(2);
      await changelog.send(later.slice(0, 1)); // the job stops before the last request

      const restored = await changelog.restore([1]);
      expect(restored.applied.get(1)).toEqual(new Map([['events', 100n]]));
      expect(restored.agents.get('a-2')?.clock).toBe(10);
      expect(restored.tokens.get(1)?.size).toBe(CHUNK_RECORDS);

      await changelog.send(later.slice(1)); // written in full: its offsets count
      const complete = await changelog.restore([1]);
      expect(complete.applied.get(1)).toEqual(new Map([['events', 200n]]));
      expect(complete.agents.get('a-1')?.clock).toBe(20);
      expect(complete.tokens.get(1)?.size).toBe(CHUNK_RECORDS + 5);
    } finally {
      await producer.disconnect();
    }
  });

  it('refuses to restore the state another consumer group wrote: its applied offsets would skip events', { timeout: 120_000 }, async () => {
    const topic = await createTopic(randomTopicName('state'), { partitions: 1 });
    topics.push(topic);
    const client = kafka('driftwatch-test-changelog');
    const producer = client.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await new StateChangelog(client, producer, topic, 'group-one', silentLogger).write(0, { snapshots: [snapshot('a-1', 10)] }, new Map([['events', 500n]]));
      expect((await new StateChangelog(client, producer, topic, 'group-one', silentLogger).restore([0])).applied.get(0)).toEqual(new Map([['events', 500n]]));
      const other = new StateChangelog(client, producer, topic, 'group-two', silentLogger).restore([0]);
      await expect(other).rejects.toMatchObject({
        code: 'DW_CONFIG_INVALID',
        message: expect.stringContaining(`state topic ${topic} holds the state of consumer group "group-one" (partition 0), not of this group "group-two"`),
      });
    } finally {
      await producer.disconnect();
    }
  });
});
