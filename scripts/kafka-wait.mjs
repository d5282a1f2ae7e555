#!/usr/bin/env node
// Waits until a Kafka broker answers a kafkajs admin listTopics().
// Usage: node scripts/kafka-wait.mjs <host:port[,host:port]> [timeoutSeconds=90] [--warm]
// Exit 0 when ready, 1 on timeout (last error printed on stderr).
// --warm: also make the group and transaction coordinators ready (creates __consumer_offsets and
// __transaction_state and waits until they are loaded). On a fresh broker, kafkajs' consumer.run()
// otherwise can reject with "The coordinator is loading and hence can't process requests for this
// group" (JoinGroup, COORDINATOR_LOAD_IN_PROGRESS) instead of retrying.
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const warm = process.argv.includes('--warm');
const brokers = (args[0] ?? process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const timeoutS = Number(args[1] ?? 90);
if (brokers.length === 0) {
  console.error('usage: kafka-wait.mjs <host:port> [timeoutSeconds]');
  process.exit(2);
}

const deadline = Date.now() + timeoutS * 1000;
let lastError = 'no attempt';

while (Date.now() < deadline) {
  const kafka = new Kafka({
    clientId: 'driftwatch-kafka-wait',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    if (warm) {
      // Group coordinator: FindCoordinator creates __consumer_offsets; DescribeGroups fails with a
      // retriable error until its partition is loaded.
      await admin.describeGroups(['driftwatch-warmup']);
      await admin.fetchOffsets({ groupId: 'driftwatch-warmup' });
      // Transaction coordinator: InitProducerId creates and loads __transaction_state.
      const producer = new Kafka({ clientId: 'driftwatch-kafka-wait', brokers, logLevel: logLevel.NOTHING, retry: { retries: 5 } }).producer({ transactionalId: 'driftwatch-warmup', idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      await producer.disconnect();
    }
    await admin.disconnect();
    process.exit(0);
  } catch (err) {
    lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    await admin.disconnect().catch(() => {});
    await new Promise((r) => setTimeout(r, 500));
  }
}
console.error(`kafka-wait: broker ${brokers.join(',')} not ready after ${timeoutS}s: ${lastError}`);
process.exit(1);
