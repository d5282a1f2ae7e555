import type { Kafka, Message, Producer, ProducerRecord } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { AgentSnapshot } from '../../../src/engine/snapshot.js';
import { APPLIED_HEADER, CHUNK_RECORDS, GROUP_HEADER, StateChangelog } from '../../../src/kafka/changelog.js';
import { TOKEN_KEY_PREFIX } from '../../../src/kafka/token-checkpoint.js';
import { silentLogger } from '../../../src/telemetry/log.js';

function snapshot(agent: string, padding: number): AgentSnapshot {
  return { v: 1, agent, clock: 1, detectors: { pad: { version: '1.0.0', state: 'x'.repeat(padding) } }, recent: { ids: [], until: [], counts: [] } } as unknown as AgentSnapshot;
}

/** A producer that records what is sent and acknowledges each partition written, as Kafka does (`partitions`: those the topic has). */
function changelog(sent: ProducerRecord[] = [], partitions = 8): StateChangelog {
  const producer = {
    send: async (record: ProducerRecord) => {
      sent.push(record);
      const written = new Set(record.messages.map((message) => message.partition!).filter((partition) => partition < partitions));
      return [...written].map((partition) => ({ topicName: record.topic, partition, errorCode: 0 }));
    },
  } as unknown as Producer;
  return new StateChangelog({} as Kafka, producer, 'state', 'driftwatch', silentLogger);
}

describe('StateChangelog.send to a partition the state topic does not have', () => {
  it('fails with DW_CONFIG_INVALID instead of resolving as kafkajs does (the records would be lost, their offsets committed)', async () => {
    const log = changelog([], 2);
    const requests = log.encode(3, { snapshots: [snapshot('a', 10)], grants: [], retired: [] }, new Map([['events', 1n]]));
    await expect(log.send(requests)).rejects.toMatchObject({ code: 'DW_CONFIG_INVALID', message: expect.stringContaining('state topic state has no partition 3') });
  });
});

describe('StateChangelog.encode / send', () => {
  it('tombstones, then grants, then snapshots, on the partition, each with the applied offsets as of the call', () => {
    const applied = new Map([['events', 41n]]);
    const requests = changelog().encode(
      3,
      { snapshots: [snapshot('a-1', 10)], grants: [{ fingerprint: 'f2', agentId: 'a-1', eventId: 'e', issuedAt: 5 }], retired: ['f1'] },
      applied,
    );
    // Later changes do not reach what was encoded.
    applied.set('events', 99n);
    expect(requests).toHaveLength(1);
    const [messages] = requests as [Message[]];
    expect(messages.map((m) => m.key)).toEqual([`${TOKEN_KEY_PREFIX}f1`, `${TOKEN_KEY_PREFIX}f2`, 'a-1']);
    expect(messages[0]!.value).toBeNull();
    expect(JSON.parse(messages[2]!.value as string)).toMatchObject({ agent: 'a-1' });
    for (const message of messages) {
      expect(message.partition).toBe(3);
      expect(message.headers?.[APPLIED_HEADER]).toBe('{"events":"41"}');
      expect(message.headers?.[GROUP_HEADER]).toBe('driftwatch');
    }
  });

  it('nothing to write: no request', () => {
    expect(changelog().encode(0, { snapshots: [] }, new Map())).toEqual([]);
  });

  it('splits at 2 MiB of values, keeping the order, and sends the requests one after the other, gzip, acks all', async () => {
    const sent: ProducerRecord[] = [];
    const log = changelog(sent);
    const snapshots = Array.from({ length: 5 }, (_, i) => snapshot(`a-${i}`, 700 * 1024));
    const requests = log.encode(0, { snapshots }, new Map([['events', 1n]]));
    expect(requests.map((r) => r.map((m) => m.key))).toEqual([['a-0', 'a-1'], ['a-2', 'a-3'], ['a-4']]);
    await log.send(requests);
    expect(sent.map((r) => [r.topic, r.acks, r.compression, r.messages.length])).toEqual([
      ['state', -1, 1, 2],
      ['state', -1, 1, 2],
      ['state', -1, 1, 1],
    ]);
  });

  it(`splits at ${CHUNK_RECORDS} records; only the last request carries the applied offsets`, () => {
    const grants = Array.from({ length: CHUNK_RECORDS + 10 }, (_, i) => ({ fingerprint: `f${i}`, agentId: 'a-1', eventId: `e${i}`, issuedAt: i }));
    const requests = changelog().encode(2, { snapshots: [snapshot('a-1', 10)], grants }, new Map([['events', 7n]]));
    expect(requests.map((r) => r.length)).toEqual([CHUNK_RECORDS, 11]);
    expect(requests.flat().map((m) => m.key)).toEqual([...grants.map((g) => `${TOKEN_KEY_PREFIX}${g.fingerprint}`), 'a-1']);
    for (const message of requests[0]!) expect(message.headers).toEqual({ [GROUP_HEADER]: 'driftwatch' });
    for (const message of requests[1]!) expect(message.headers?.[APPLIED_HEADER]).toBe('{"events":"7"}');
  });
});

describe('StateChangelog.encode of a snapshot JSON cannot write', () => {
  it('writes the snapshot `rewrite` gives instead (the job drops the state at fault), and fails without one', () => {
    const cyclic = snapshot('a', 1);
    const state: Record<string, unknown> = {};
    state.self = state;
    (cyclic.detectors as Record<string, unknown>).plugin = { version: '1.0.0', state };
    const fixed = snapshot('a', 1);
    const requests = changelog().encode(0, { snapshots: [cyclic] }, new Map([['events', 1n]]), (at) => (at === cyclic ? fixed : undefined));
    expect(requests.flat().map((message) => JSON.parse(String(message.value)))).toEqual([JSON.parse(JSON.stringify(fixed))]);
    expect(() => changelog().encode(0, { snapshots: [cyclic] }, new Map([['events', 1n]]))).toThrow(/circular/);
    expect(() => changelog().encode(0, { snapshots: [cyclic] }, new Map([['events', 1n]]), () => undefined)).toThrow(/circular/);
  });
});
