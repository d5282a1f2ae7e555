import kafkajs, { type KafkaConfig, type logCreator, type SASLOptions } from 'kafkajs';
import { brokerAddresses, type KafkaConnection } from '../config/kafka.js';
import { readTlsFile } from '../sinks/tls-files.js';
import type { Logger, LogLevel } from '../telemetry/log.js';

const { Kafka, logLevel } = kafkajs;

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

const LEVELS: Record<number, LogLevel> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Removes every occurrence of the given secret values from a text. */
function scrubber(secrets: readonly string[]): (text: string | undefined) => string | undefined {
  const values = secrets.filter((secret) => secret.length > 0);
  if (values.length === 0) return (text) => text;
  return (text) => (text === undefined ? text : values.reduce((out, secret) => out.split(secret).join('[REDACTED]'), text));
}

/**
 * kafkajs log lines go through driftwatch's logger (which redacts secret-looking values); only
 * the message and the broker, error, group and retry count a line has are passed on, never the
 * SASL settings, and the configured password is scrubbed from them in case a library message
 * ever echoes it.
 */
export function kafkaLogCreator(logger: Logger, secrets: readonly string[]): logCreator {
  const scrub = scrubber(secrets);
  return () => ({ namespace, level, log }) => {
    const { message, broker, error, groupId, retryCount } = log as { message: string; broker?: string; error?: unknown; groupId?: string; retryCount?: number };
    const fields: Record<string, unknown> = {};
    if (broker !== undefined) fields.broker = broker;
    if (error !== undefined) fields.error = scrub(String(error));
    if (groupId !== undefined) fields.group = groupId;
    if (retryCount !== undefined) fields.retry = retryCount;
    logger.log(kafkaLogLevel(level, message, error), scrub(`kafka ${namespace}: ${message}`)!, fields);
  };
}

/** Broker answers that are part of a group's normal life (a rebalance, a coordinator loading or moving): kafkajs retries them itself. */
const ROUTINE_GROUP_ERROR = /group is rebalancing|coordinator is loading|coordinator is not available|not the correct coordinator/i;

/**
 * The level a kafkajs log line is passed on at. kafkajs logs routine group events at error level
 * (every scale-out gives a few `Response Heartbeat … The group is rebalancing`), which would page
 * whoever alerts on error lines: those are info. Failures that matter reach driftwatch's own
 * `DW_SOURCE_FAILED` lines.
 */
export function kafkaLogLevel(level: number, message: string, error: unknown): LogLevel {
  // Said at every start because retries are bounded; driftwatch does not use transactions: no news for operators.
  if (message.startsWith('Limiting retries for the idempotent producer')) return 'debug';
  if (level === logLevel.ERROR && error !== undefined && ROUTINE_GROUP_ERROR.test(String(error))) return 'info';
  return LEVELS[level] ?? 'info';
}

function saslOf(connection: KafkaConnection): SASLOptions | undefined {
  const sasl = connection.sasl;
  if (!sasl) return undefined;
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
}

/** The config field of a connection's TLS file, for errors: the source has no name, a Kafka sink has one. */
function tlsField(connection: KafkaConnection, field: 'ca' | 'cert' | 'key'): string {
  const name = (connection as { name?: unknown }).name;
  return typeof name === 'string' ? `sink "${name}" tls.${field}` : `source.tls.${field}`;
}

/** The PEM files are read here, when the client is made: a wrong path is a config error (DW_CONFIG_INVALID). */
function sslOf(connection: KafkaConnection): KafkaConfig['ssl'] {
  const tls = connection.tls;
  if (!tls || !tls.enabled) return undefined;
  const read = (field: 'ca' | 'cert' | 'key') => {
    const path = tls[field];
    return path ? readTlsFile(path, tlsField(connection, field)) : undefined;
  };
  const ca = read('ca');
  return { rejectUnauthorized: tls.reject_unauthorized, ca: ca && [ca], cert: read('cert'), key: read('key'), servername: tls.servername };
}

/**
 * What to check when connecting failed the way a listener of another kind fails: kafkajs reports
 * a TLS client on a PLAINTEXT listener as a socket closed before TLS was set up (after a minute of
 * retries), and SASL on a listener without it as a request invalid "given the current SASL state".
 */
export function connectionHint(connection: KafkaConnection, message: string): string | undefined {
  if (connection.tls?.enabled === true && /disconnected before secure TLS connection was established/i.test(message)) {
    return 'TLS is on (tls): is this listener TLS (SSL or SASL_SSL)? A PLAINTEXT listener closes the connection at the TLS greeting';
  }
  if (connection.sasl && /current SASL state|unsupported SASL mechanism/i.test(message)) {
    return `SASL is on (sasl.mechanism ${connection.sasl.mechanism}): is this listener SASL_PLAINTEXT or SASL_SSL, with that mechanism enabled on the brokers?`;
  }
  return undefined;
}

/**
 * `retries`: how often kafkajs itself retries a failed request (200 ms doubling, at most 10 s
 * apart). The job's consumer and producer keep 10; a sink, which retries with its own backoff and
 * logs each failure, asks for fewer, so that a failure reaches it (and its log) in seconds.
 */
export function kafkaClient(connection: KafkaConnection, logger: Logger, { retries = 10 }: { retries?: number } = {}): InstanceType<typeof Kafka> {
  const config: KafkaConfig = {
    clientId: connection.client_id,
    brokers: brokerAddresses(connection.brokers),
    connectionTimeout: connection.connection_timeout_ms,
    requestTimeout: connection.request_timeout_ms,
    ssl: sslOf(connection),
    sasl: saslOf(connection),
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger, connection.sasl ? [connection.sasl.password] : []),
    retry: { retries, initialRetryTime: 200, maxRetryTime: 10_000 },
  };
  return new Kafka(config);
}
