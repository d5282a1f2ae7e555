import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { createConfiguredSinks } from '../../../src/sinks/create.js';
import { silentLogger } from '../../../src/telemetry/log.js';
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

  it('renders the configured format', async () => {
    const topic = await createTopic(randomTopicName('alerts-ocsf'));
    const alerts = await deliverTo(topic, 'ocsf');
    const messages = await consumeAll(topic, { expect: alerts.length, timeoutMs: 20_000 });
    const finding = JSON.parse(messages[0]!.value!) as { class_uid: number; finding_info: { uid: string } };
    expect(finding.class_uid).toBe(2004);
    expect(alerts.map((alert) => alert.id)).toContain(finding.finding_info.uid);
  });
});
