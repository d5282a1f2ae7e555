// Proves the local test services and their helpers work: a real Kafka broker (scripts/kafka.sh,
// KAFKA_BROKERS) and private rsyslogd instances receiving over TCP, UDP and TLS.
import { createConnection } from 'node:net';
import { createSocket } from 'node:dgram';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestCerts, type TestCerts } from '../helpers/certs.js';
import {
  brokers,
  consumeAll,
  createTopic,
  deleteTopics,
  kafka,
  produceJsonLines,
  randomTopicName,
  topicConfig,
  waitForConsumerToJoinGroup,
} from '../helpers/kafka.js';
import { startRsyslog, type RsyslogInstance } from '../helpers/rsyslog.js';

describe('kafka test broker', () => {
  const topics: string[] = [];
  afterAll(async () => {
    await deleteTopics(topics);
  });

  it('KAFKA_BROKERS points at a broker', () => {
    expect(brokers().length).toBeGreaterThan(0);
  });

  it('round-trips JSON lines through a random topic, keys and partitions preserved', async () => {
    const topic = await createTopic(randomTopicName('services-roundtrip'), { partitions: 3 });
    topics.push(topic);
    const events = Array.from({ length: 30 }, (_, i) => ({ id: `e${i}`, agent: { id: `agent-${i % 5}` }, n: i }));
    const meta = await produceJsonLines(topic, events, (e) => e.agent.id);
    expect(meta.length).toBeGreaterThan(0);

    const got = await consumeAll(topic, { expect: 30, timeoutMs: 20_000, settleMs: 300 });
    expect(got).toHaveLength(30);
    const byId = new Map(got.map((m) => [JSON.parse(m.value ?? 'null').id as string, m]));
    for (const e of events) {
      const m = byId.get(e.id);
      expect(m?.key).toBe(e.agent.id);
      expect(JSON.parse(m?.value ?? 'null')).toEqual(e);
    }
    // Same key, same partition.
    const partitionOf = new Map<string, number>();
    for (const m of got) {
      const prev = partitionOf.get(m.key ?? '');
      if (prev !== undefined) expect(m.partition).toBe(prev);
      partitionOf.set(m.key ?? '', m.partition);
    }
    // Without a count: reads up to the end offsets.
    expect(await consumeAll(topic, { timeoutMs: 20_000 })).toHaveLength(30);
  });

  it('a consumer group joins, consumes and commits offsets', async () => {
    const topic = await createTopic(randomTopicName('services-group'), { partitions: 2 });
    topics.push(topic);
    await produceJsonLines(topic, ['{"a":1}', '{"a":2}', 'not json'], (_l, i) => `k${i}`);
    const groupId = randomTopicName('services-group-id');
    const consumer = kafka('services-test').consumer({ groupId, maxWaitTimeInMs: 200 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const joined = waitForConsumerToJoinGroup(consumer, { timeoutMs: 20_000 });
      let seen = 0;
      const allSeen = new Promise<void>((resolve) => {
        void consumer.run({
          autoCommit: false,
          eachMessage: async ({ topic: t, partition, message }) => {
            await consumer.commitOffsets([{ topic: t, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
            if (++seen === 3) resolve();
          },
        });
      });
      await joined;
      await Promise.race([
        allSeen,
        new Promise((_, reject) => setTimeout(() => reject(new Error(`saw ${seen}/3 messages`)), 20_000)),
      ]);
    } finally {
      await consumer.disconnect();
    }
    const admin = kafka().admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const total = (committed?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
      expect(total).toBe(3);
    } finally {
      await admin.disconnect();
    }
  });

  it('creates a compacted topic (cleanup.policy=compact)', async () => {
    const topic = await createTopic(randomTopicName('services-changelog'), { partitions: 1, compacted: true });
    topics.push(topic);
    const cfg = await topicConfig(topic, ['cleanup.policy']);
    expect(cfg['cleanup.policy']).toBe('compact');
    await produceJsonLines(topic, [{ v: 1 }, { v: 2 }], () => 'same-key');
    const got = await consumeAll(topic, { timeoutMs: 20_000 });
    expect(got.map((m) => m.key)).toEqual(['same-key', 'same-key']);
  });
});

describe('rsyslog test receiver', () => {
  let certs: TestCerts;
  let rsyslog: RsyslogInstance;

  beforeAll(async () => {
    certs = await generateTestCerts();
    rsyslog = await startRsyslog({ tls: { ca: certs.caFile, cert: certs.certFile, key: certs.keyFile } });
  });
  afterAll(async () => {
    await rsyslog?.stop();
    await certs?.cleanup();
  });

  const BOM = '\uFEFF';
  const msg = (via: string, text: string) =>
    `<134>1 2026-11-24T10:00:00.123Z driftwatch-host driftwatch - ${via.toUpperCase()} ` +
    `[driftwatch@32473 agent="invoice-bot" via="${via}"] ${BOM}${text}`;

  const octetFrame = (m: string) => {
    const body = Buffer.from(m, 'utf8');
    return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
  };

  it('receives octet-counted TCP, UDP and TLS messages raw and intact, UTF-8 included', async () => {
    const tcpMsg = msg('tcp', 'drift détectée: agent « invoice-bot » → erp.delete_invoice 请求 ✓');
    const udpMsg = msg('udp', 'ünïcödé over UDP 🚨');
    const tlsMsg = msg('tls', 'TLS delivery — naïve café, 日本語');

    // Sockets stay open until rsyslog has written every line: closing right after the write races
    // with rsyslog's own close and can surface as a harmless ECONNRESET on the client.
    const open: Array<{ destroy(): void }> = [];
    try {
      // TCP, octet-counted framing (RFC 6587 3.4.1), two messages in one write to prove the framing.
      const tcpMsg2 = msg('tcp', 'second frame');
      await new Promise<void>((resolve, reject) => {
        const sock = createConnection({ host: '127.0.0.1', port: rsyslog.ports.tcp }, () => {
          sock.write(Buffer.concat([octetFrame(tcpMsg), octetFrame(tcpMsg2)]), (err) => (err ? reject(err) : resolve()));
        });
        open.push(sock);
        sock.on('error', (err) => reject(new Error(`tcp: ${err.message}`)));
      });

      // UDP: one datagram, one message.
      await new Promise<void>((resolve, reject) => {
        const sock = createSocket('udp4');
        sock.send(Buffer.from(udpMsg, 'utf8'), rsyslog.ports.udp, '127.0.0.1', (err) => {
          sock.close();
          if (err) reject(new Error(`udp: ${err.message}`));
          else resolve();
        });
      });

      // TLS (RFC 5425: octet-counted over TLS), verifying the server against the throwaway CA.
      await new Promise<void>((resolve, reject) => {
        const sock = tlsConnect(
          { host: '127.0.0.1', port: rsyslog.ports.tls!, ca: certs.caPem, servername: 'localhost' },
          () => {
            if (!sock.authorized) reject(new Error(`TLS not authorized: ${String(sock.authorizationError)}`));
            sock.write(octetFrame(tlsMsg), (err) => (err ? reject(err) : resolve()));
          },
        );
        open.push(sock);
        sock.on('error', (err) => reject(new Error(`tls: ${err.message}`)));
      });

      const lines = await rsyslog.waitForLines(4, 15_000);
      expect(lines).toHaveLength(4);
      expect(new Set(lines)).toEqual(new Set([tcpMsg, tcpMsg2, udpMsg, tlsMsg]));
      // TCP frames arrive in order on one connection.
      expect(lines.indexOf(tcpMsg)).toBeLessThan(lines.indexOf(tcpMsg2));
    } finally {
      for (const s of open) s.destroy();
    }
  });

  it('a second instance gets its own ports and output file', async () => {
    const other = await startRsyslog();
    try {
      expect(other.ports.tcp).not.toBe(rsyslog.ports.tcp);
      expect(other.outputFile).not.toBe(rsyslog.outputFile);
      expect(other.ports.tls).toBeUndefined();
      const sock = createConnection({ host: '127.0.0.1', port: other.ports.tcp });
      sock.on('error', () => {});
      try {
        await new Promise<void>((resolve, reject) => {
          sock.once('connect', () => sock.write('<13>1 - - - - - - LF framed\n', (err) => (err ? reject(err) : resolve())));
          sock.once('error', reject);
        });
        expect(await other.waitForLines(1, 10_000)).toEqual(['<13>1 - - - - - - LF framed']);
      } finally {
        sock.destroy();
      }
    } finally {
      await other.stop();
    }
  });
});
