import type { Kafka, Producer, ProducerRecord } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { CHUNK_RECORDS } from '../../../src/kafka/changelog.js';
import { TokenFeed } from '../../../src/kafka/token-feed.js';
import { silentLogger } from '../../../src/telemetry/log.js';

function feed(sent: ProducerRecord[]): TokenFeed {
  const producer = { send: async (record: ProducerRecord) => void sent.push(record) } as unknown as Producer;
  return new TokenFeed({} as Kafka, producer, 'tokens', 'group', () => undefined, silentLogger);
}

describe('TokenFeed.encode / send', () => {
  it('tombstones of retired fingerprints, then grants keyed by fingerprint', () => {
    const messages = feed([]).encode([{ fingerprint: 'f2', agentId: 'a', eventId: 'e', issuedAt: 1 }], ['f1']);
    expect(messages.map((m) => [m.key, m.value === null ? null : JSON.parse(m.value as string).agentId])).toEqual([
      ['f1', null],
      ['f2', 'a'],
    ]);
  });

  it(`sends in order, at most ${CHUNK_RECORDS} records per request, gzip, acks all; nothing for no records`, async () => {
    const sent: ProducerRecord[] = [];
    const grants = Array.from({ length: 2 * CHUNK_RECORDS + 1 }, (_, i) => ({ fingerprint: `f${i}`, agentId: 'a', eventId: `e${i}`, issuedAt: i }));
    const tokens = feed(sent);
    await tokens.send([]);
    expect(sent).toHaveLength(0);
    await tokens.send(tokens.encode(grants, []));
    expect(sent.map((r) => [r.topic, r.acks, r.compression, r.messages.length])).toEqual([
      ['tokens', -1, 1, CHUNK_RECORDS],
      ['tokens', -1, 1, CHUNK_RECORDS],
      ['tokens', -1, 1, 1],
    ]);
    expect(sent.flatMap((r) => r.messages.map((m) => m.key))).toEqual(grants.map((g) => g.fingerprint));
  });
});
