import { readFileSync } from 'node:fs';
import kafkajs, { type KafkaConfig, type logCreator, type SASLOptions } from 'kafkajs';
import type { KafkaConnection } from '../config/kafka.js';
import type { Logger, LogLevel } from '../telemetry/log.js';

const { Kafka, logLevel } = kafkajs;

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

const LEVELS: Record<number, LogLevel> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs log lines go through driftwatch's logger (which redacts); SASL settings are never passed on. */
function kafkaLogCreator(logger: Logger): logCreator {
  return () => ({ namespace, level, log }) => {
    const { message, broker, error } = log as { message: string; broker?: string; error?: string };
    logger.log(LEVELS[level] ?? 'info', `kafka ${namespace}: ${message}`, { broker, error });
  };
}

function saslOf(connection: KafkaConnection): SASLOptions | undefined {
  const sasl = connection.sasl;
  if (!sasl) return undefined;
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
}

export function kafkaClient(connection: KafkaConnection, logger: Logger): InstanceType<typeof Kafka> {
  const tls = connection.tls;
  const config: KafkaConfig = {
    clientId: connection.client_id,
    brokers: connection.brokers,
    connectionTimeout: connection.connection_timeout_ms,
    requestTimeout: connection.request_timeout_ms,
    ssl:
      tls && tls.enabled
        ? {
            rejectUnauthorized: tls.reject_unauthorized,
            ca: tls.ca ? [readFileSync(tls.ca, 'utf8')] : undefined,
            cert: tls.cert ? readFileSync(tls.cert, 'utf8') : undefined,
            key: tls.key ? readFileSync(tls.key, 'utf8') : undefined,
            servername: tls.servername,
          }
        : undefined,
    sasl: saslOf(connection),
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 10_000 },
  };
  return new Kafka(config);
}
