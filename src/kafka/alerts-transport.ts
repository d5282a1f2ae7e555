import { hostname as osHostname } from 'node:os';
import type { Kafka, Producer } from 'kafkajs';
import type { Alert } from '../alerts/alert.js';
import type { KafkaConnection } from '../config/kafka.js';
import { renderLine, type FormatName } from '../sinks/formats/index.js';
import { asSinkFailure, renderEach, type Transport } from '../sinks/transport.js';
import type { Logger } from '../telemetry/log.js';
import { ABORTED, untilAborted } from '../sources/until-aborted.js';
import { kafkaClient } from './client.js';

/** Whether kafkajs failed because the topic does not exist, also when the error wraps the broker's answer. */
function isUnknownTopic(error: unknown): boolean {
  for (let current = error as { type?: unknown; originalError?: unknown; cause?: unknown } | undefined, depth = 0; current && depth < 5; depth++) {
    if (current.type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
    current = (current.originalError ?? current.cause) as typeof current;
  }
  return false;
}

export interface KafkaAlertsOptions {
  connection: KafkaConnection;
  topic: string;
  format: FormatName;
  logger: Logger;
}

/**
 * Alerts to a Kafka topic, keyed by agent id (so one agent's alerts stay in order), with the
 * alert id in a header for consumers that de-duplicate. A batch is acknowledged when every
 * in-sync replica has it (acks = all, idempotent producer).
 */
export class KafkaAlertsTransport implements Transport {
  readonly destination: string;
  private producer?: Promise<Producer>;
  /** Made with the sink, so that an unreadable TLS file stops the start (DW_CONFIG_INVALID) instead of failing every delivery. */
  private readonly client: Kafka;
  private readonly render = { hostname: osHostname() };

  constructor(private readonly options: KafkaAlertsOptions) {
    this.destination = `kafka topic ${options.topic}`;
    // The sink retries with its own backoff, logging each failure: kafkajs gives up after two.
    this.client = kafkaClient(options.connection, options.logger, { retries: 2 });
  }

  private connected(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = this.client.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      return producer;
    })().catch((error: unknown) => {
      this.producer = undefined;
      throw error;
    });
    return this.producer;
  }

  async send(alerts: readonly Alert[], signal: AbortSignal): Promise<void> {
    try {
      const producer = await this.connected();
      if (signal.aborted) throw new Error('sink stopped');
      // kafkajs cannot cancel a send (it goes on until the producer disconnects); the sink must not wait for it once stopped.
      const sent = await untilAborted(producer.send({
        topic: this.options.topic,
        acks: -1,
        messages: renderEach(alerts, (alert) => ({
          key: alert.agent.id,
          value: renderLine(this.options.format, alert, this.render),
          headers: { 'dw-alert-id': alert.id, 'dw-severity': alert.severity, 'dw-detector': alert.detector },
        })),
      }), signal);
      if (sent === ABORTED) throw new Error('sink stopped before the brokers acknowledged');
    } catch (error) {
      // kafkajs has already retried what it considers retriable; the ReliableSink backs off and tries again.
      if (!isUnknownTopic(error)) throw asSinkFailure(error);
      // Retried too: the topic may be being created. kafkajs' own words ("does not host this topic-partition") do not say what to do.
      throw asSinkFailure(new Error(`topic ${this.options.topic} does not exist (driftwatch does not create the alerts topic: create it, or correct the sink's topic)`));
    }
  }

  async close(): Promise<void> {
    const producer = await this.producer?.catch(() => undefined);
    this.producer = undefined;
    await producer?.disconnect();
  }
}
