import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { createConfiguredSinks } from '../../../src/sinks/create.js';
import { silentLogger, type Logger } from '../../../src/telemetry/log.js';
import { waitFor } from '../../fixtures/core/temp.js';
import { brokers, consumeAll, createTopic, randomTopicName } from '../../helpers/kafka.js';
import { sampleAlerts } from '../../unit/sinks/formats/alert-factory.js';

/** The Kafka alerts sink against the real broker that npm test starts. */
describe('kafka alerts sink', () => {
  async function deliverTo(topic: string, format: 'json' | 'ocsf') {
    const config = configSchema.parse({
      registry: 'unused.yaml',
      sinks: [{ type: 'kafka', name: 'alerts-topic', brokers: brokers(), topic, format }],
    });
    const [sink] = createConfiguredSinks(config, process.stdout, silentLogger);
    const alerts = sampleAlerts();
    try {
      await sink!.deliver(alerts);
    } finally {
      await sink!.close();
    }
    return alerts;
  }

  it('acknowledges a batch only once the broker has it: keyed by agent id, alert id in a header, canonical JSON', async () => {
    const topic = await createTopic(randomTopicName('alerts'), { partitions: 3 });
    const alerts = await deliverTo(topic, 'json');
    const messages = await consumeAll(topic, { expect: alerts.length, timeoutMs: 20_000 });
    expect(messages).toHaveLength(alerts.length);
    const byId = new Map(messages.map((message) => [message.headers['dw-alert-id'], message]));
    for (const alert of alerts) {
      const message = byId.get(alert.id);
      expect(message, `alert ${alert.id} on the topic`).toBeDefined();
      expect(message!.key).toBe(alert.agent.id);
      expect(JSON.parse(message!.value!)).toMatchObject({ id: alert.id, detector: alert.detector, severity: alert.severity });
      expect(message!.headers['dw-severity']).toBe(alert.severity);
    }
  });

  it('a topic that does not exist: the failure is logged with the sink within seconds, and closing waits no longer than drain_timeout', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dw-kafka-sink-'));
    const config = configSchema.parse({
      registry: 'unused.yaml',
      sinks: [{ type: 'kafka', name: 'alerts-topic', brokers: brokers(), topic: randomTopicName('absent'), delivery: { drain_timeout: '2s', rejected_path: join(dir, 'rejected.jsonl') } }],
    });
    const lines: string[] = [];
    const logger: Logger = { log: (level, message, fields) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`) };
    const [sink] = createConfiguredSinks(config, process.stdout, logger);
    const alerts = sampleAlerts();
    const delivered = sink!.deliver(alerts);
    delivered.catch(() => undefined);
    const started = performance.now();
    await waitFor(() => lines.some((line) => line.includes('sink delivery failed; retrying') && line.includes('alerts-topic')), 'the failure logged', 15_000);
    // Said in words an operator acts on, not kafkajs' "does not host this topic-partition".
    expect(lines.find((line) => line.includes('sink delivery failed; retrying'))).toContain(`does not exist (driftwatch does not create the alerts topic`);
    // kafkajs alone retried for about 40 s before this sink heard of the failure.
    expect(performance.now() - started).toBeLessThan(15_000);
    const closing = performance.now();
    await sink!.close();
    // The send kafkajs still retries is left behind: at most the drain timeout and a little.
    expect(performance.now() - closing).toBeLessThan(5_000);
    const rejected = (await readFile(join(dir, 'rejected.jsonl'), 'utf8')).trim().split('\n');
    expect(rejected).toHaveLength(alerts.length);
  });

  it('renders the configured format', async () => {
    const topic = await createTopic(randomTopicName('alerts-ocsf'));
    const alerts = await deliverTo(topic, 'ocsf');
    const messages = await consumeAll(topic, { expect: alerts.length, timeoutMs: 20_000 });
    const finding = JSON.parse(messages[0]!.value!) as { class_uid: number; finding_info: { uid: string } };
    expect(finding.class_uid).toBe(2004);
    expect(alerts.map((alert) => alert.id)).toContain(finding.finding_info.uid);
  });
});
