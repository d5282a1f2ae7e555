import type { Writable } from 'node:stream';
import { AlertRouter } from '../alerts/routing.js';
import type { Config } from '../config/schema.js';
import { parseDuration } from '../registry/duration.js';
import { silentLogger, type Logger } from '../telemetry/log.js';
import { ConsoleSink } from './console.js';
import { FileTransport, JsonLinesRejectedAlertSink } from './file.js';
import { DEFAULT_UDP_MAX_BYTES } from './formats/index.js';
import { parseEndpoint, webhookUrlSecrets } from './http-client.js';
import { observeSinks } from './instrumentation.js';
import { ReliableSink, type ReliableSinkOptions, type SinkStats } from './reliable.js';
import { RoutedSink, RoutingTable, UnroutedAlerts } from './routed.js';
import { scrubber, scrubbingLogger } from './scrub.js';
import type { AlertSink } from './sink.js';
import { HEC_SOURCETYPES, SplunkHecTransport } from './splunk-hec.js';
import { SyslogStreamTransport } from './syslog-stream.js';
import { SyslogUdpTransport } from './syslog-udp.js';
import type { TlsSettings } from './tls-files.js';
import type { Transport } from './transport.js';
import { WebhookTransport } from './webhook.js';
import { KafkaAlertsTransport } from '../kafka/alerts-transport.js';

type SinkConfig = Config['sinks'][number];
type DeliveryConfig = Extract<SinkConfig, { delivery: unknown }>['delivery'];

export interface CreateSinksOptions {
  /** Config `routes` and `default_sinks`; no routes: every sink receives every alert. */
  routes?: Config['routes'];
  default_sinks?: readonly string[];
  logger?: Logger;
  /** Test hooks passed to every {@link ReliableSink}. */
  reliable?: Pick<ReliableSinkOptions, 'random' | 'sleep' | 'now'>;
  /** See {@link ReliableSinkOptions.unacknowledgedOnClose}: `replay` for a Kafka source. */
  unacknowledgedOnClose?: ReliableSinkOptions['unacknowledgedOnClose'];
}

const ms = (duration: string): number => parseDuration(duration)!;

/** The secrets named in sink configs: they must never reach a log line. */
export function sinkSecrets(configs: readonly SinkConfig[]): string[] {
  const secrets: string[] = [];
  for (const config of configs) {
    if (config.type === 'splunk-hec') secrets.push(config.token);
    if (config.type === 'kafka' && config.sasl) secrets.push(config.sasl.password);
    if (config.type === 'webhook') {
      if (config.secret !== undefined) secrets.push(config.secret);
      secrets.push(...Object.values(config.headers), ...webhookUrlSecrets(parseEndpoint(config.url)));
    }
  }
  return secrets;
}

function tls(config: { verify: boolean; ca?: string; cert?: string; key?: string; servername?: string } | undefined, sink: string): TlsSettings | undefined {
  return config && { ...config, field: `sink "${sink}" tls` };
}

function transportOf(config: Exclude<SinkConfig, { type: 'console' }>, logger: Logger): Transport {
  switch (config.type) {
    case 'file':
      return new FileTransport({ path: config.path, format: config.format, rotation: { maxBytes: config.max_bytes, maxFiles: config.max_files } });
    case 'syslog': {
      const message = {
        format: config.format ?? (config.transport === 'udp' ? 'cef' : 'json'),
        facility: config.facility,
        appName: config.app_name,
        hostname: config.hostname,
        enterpriseId: config.enterprise_id,
        bom: config.bom,
      };
      if (config.transport === 'udp') {
        return new SyslogUdpTransport({ ...message, host: config.host, port: config.port ?? 514, maxMessageBytes: config.max_message_bytes ?? DEFAULT_UDP_MAX_BYTES });
      }
      return new SyslogStreamTransport({
        ...message,
        host: config.host,
        port: config.port ?? (config.transport === 'tls' ? 6514 : 514),
        tls: config.transport === 'tls' ? tls(config.tls, config.name) ?? { verify: true } : undefined,
        timeoutMs: ms(config.timeout),
        maxMessageBytes: config.max_message_bytes,
      });
    }
    case 'splunk-hec':
      return new SplunkHecTransport({
        url: config.url,
        token: config.token,
        format: config.format,
        index: config.index,
        source: config.source,
        sourcetype: config.sourcetype ?? HEC_SOURCETYPES[config.format],
        host: config.host,
        ack: config.ack ? { pollIntervalMs: ms(config.ack_poll_interval), timeoutMs: ms(config.ack_timeout) } : undefined,
        channel: config.channel,
        tls: tls(config.tls, config.name),
        timeoutMs: ms(config.timeout),
        logger,
      });
    case 'kafka':
      return new KafkaAlertsTransport({ connection: config, topic: config.topic, format: config.format, logger });
    case 'webhook':
      return new WebhookTransport({
        url: config.url,
        secret: config.secret,
        format: config.format,
        headers: config.headers,
        tls: tls(config.tls, config.name),
        timeoutMs: ms(config.timeout),
      });
  }
}

const HTTP_BATCH = 100;
const STREAM_BATCH = 500;

/**
 * The configured sinks, ready for the pipeline: every sink but `console` is a {@link ReliableSink}
 * around its transport; with `routes`, each takes only its alerts and one more (non-)sink reports
 * the unrouted ones. Sinks that name the same `rejected_path` share one writer.
 */
export function createSinks(configs: Config['sinks'], stdout: Writable, options: CreateSinksOptions = {}): AlertSink[] {
  const secrets = sinkSecrets(configs);
  const logger = scrubbingLogger(options.logger ?? silentLogger, scrubber(secrets));
  const rejectedFiles = new Map<string, JsonLinesRejectedAlertSink>();
  const rejectedFile = (path: string) => {
    let sink = rejectedFiles.get(path);
    if (!sink) rejectedFiles.set(path, (sink = new JsonLinesRejectedAlertSink(path)));
    return sink;
  };
  const reliable: ReliableSink[] = [];
  let stopObserving = () => {};
  let open = 0;
  const onClosed = () => {
    if (--open === 0) stopObserving();
  };
  const sinks: AlertSink[] = configs.map((config) => {
    if (config.type === 'console') return new ConsoleSink(config.name, stdout, config.color);
    const delivery: DeliveryConfig = config.delivery;
    const batchDefault = config.type === 'splunk-hec' || config.type === 'webhook' ? HTTP_BATCH : STREAM_BATCH;
    const sink = new ReliableSink(config.name, transportOf(config, logger), {
      queueCapacity: delivery.queue_capacity,
      batch: { maxAlerts: delivery.max_batch ?? batchDefault, lingerMs: ms(delivery.linger) },
      retry: { initialMs: ms(delivery.retry.initial), maxMs: ms(delivery.retry.max), maxAttempts: delivery.retry.max_attempts },
      breaker: { failureThreshold: delivery.breaker.failures, cooldownMs: ms(delivery.breaker.cooldown) },
      rejected: rejectedFile(delivery.rejected_path),
      drainTimeoutMs: ms(delivery.drain_timeout),
      unacknowledgedOnClose: options.unacknowledgedOnClose,
      logger,
      secrets,
      onClosed,
      ...options.reliable,
    });
    open++;
    reliable.push(sink);
    return sink;
  });
  stopObserving = observeSinks(reliable);
  const routes = options.routes ?? [];
  if (routes.length === 0) return sinks;
  const table = new RoutingTable(new AlertRouter(sinks.map((sink) => sink.name), { routes, default_sinks: options.default_sinks ?? [] }));
  return [...sinks.map((sink) => new RoutedSink(sink, table)), new UnroutedAlerts(table, logger)];
}

/**
 * The sinks of a whole config, routes included: what `driftwatch run` hands to the pipeline.
 * (`createSinks(config.sinks, ...)` without `routes` would send every alert to every sink.)
 */
export function createConfiguredSinks(
  config: Pick<Config, 'sinks' | 'routes' | 'default_sinks' | 'source'>,
  stdout: Writable,
  logger?: Logger,
): AlertSink[] {
  // What Kafka reads again after a stop need not be kept; what a file or standard input gave is kept in the rejected-alerts file.
  const unacknowledgedOnClose = config.source.type === 'kafka' ? 'replay' : 'reject';
  return createSinks(config.sinks, stdout, { routes: config.routes, default_sinks: config.default_sinks, logger, unacknowledgedOnClose });
}

/** Delivery stats of every reliable sink in a list made by {@link createSinks}. */
export function sinkStats(sinks: readonly AlertSink[]): SinkStats[] {
  const out: SinkStats[] = [];
  for (const sink of sinks) {
    const inner = sink instanceof RoutedSink ? sink.sink : sink;
    if (inner instanceof ReliableSink) out.push(inner.stats());
  }
  return out;
}
