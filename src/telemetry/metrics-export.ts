import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics } from '@opentelemetry/api';
import type { TelemetryConfig } from '../config/schema.js';
import type { Logger } from './log.js';

/** A running metrics export: where it serves (if it does) and how to end it. */
export interface MetricsExport {
  /** The scrape URL, e.g. `http://0.0.0.0:9464/metrics`; undefined when nothing is served. */
  readonly url: string | undefined;
  /** Stops serving, shuts the meter provider down and unregisters it. Safe to call twice. */
  shutdown(): Promise<void>;
}

const NOTHING: MetricsExport = { url: undefined, shutdown: async () => {} };

/**
 * Registers a global OpenTelemetry meter provider whose reader is a Prometheus exporter, and
 * serves it over HTTP, when the config has `telemetry.prometheus`. Call it before the pipeline,
 * engine and sinks start observing (the API hands out no-op meters until a provider is set).
 *
 * The HTTP server is ours rather than the exporter's own, so that a port of 0 works, a port in
 * use is reported (it is logged and the job goes on without metrics: detection matters more than
 * its telemetry), and shutdown closes kept-alive scrape connections instead of waiting on them.
 */
/** Liveness, next to the metrics (for a container's healthcheck or a Kubernetes liveness probe). */
export const HEALTH_PATH = '/healthz';

export async function startMetricsExport(config: TelemetryConfig, logger: Logger): Promise<MetricsExport> {
  const prometheus = config.prometheus;
  if (prometheus === undefined) return NOTHING;
  // Loaded only when asked for: the SDK 3.x line declares Node >= 22.15 (it runs on the Node 20
  // that package.json still allows), and a run without metrics need not load it at all.
  const [{ PrometheusExporter }, { MeterProvider }] = await Promise.all([import('@opentelemetry/exporter-prometheus'), import('@opentelemetry/sdk-metrics')]);
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, withoutTargetInfo: true });
  const provider = new MeterProvider({ readers: [exporter] });
  if (!metrics.setGlobalMeterProvider(provider)) {
    logger.log('warn', 'metrics: a meter provider is already registered in this process; telemetry.prometheus is not served');
    await provider.shutdown();
    return NOTHING;
  }
  const unregister = async () => {
    metrics.disable();
    await provider.shutdown();
  };
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://driftwatch').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === prometheus.path) {
      exporter.getMetricsRequestHandler(request, response);
    } else if (path === HEALTH_PATH) {
      // Liveness: answered by the event loop that runs the job, so a loop that is stuck does not answer.
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else {
      response.writeHead(404).end();
    }
  });
  try {
    await listen(server, prometheus.host, prometheus.port);
  } catch (error) {
    logger.log('error', 'metrics: cannot serve the Prometheus endpoint; the job goes on without it', {
      host: prometheus.host,
      port: prometheus.port,
      error: error instanceof Error ? error.message : String(error),
    });
    await unregister();
    return NOTHING;
  }
  const { port } = server.address() as AddressInfo;
  const host = prometheus.host.includes(':') ? `[${prometheus.host}]` : prometheus.host;
  const url = `http://${host}:${port}${prometheus.path}`;
  logger.log('info', 'metrics: serving Prometheus', { url });
  let stopped: Promise<void> | undefined;
  return {
    url,
    shutdown: () =>
      (stopped ??= (async () => {
        await close(server);
        await unregister();
      })()),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // close() also drops idle kept-alive scrape connections; a scrape in flight is cut too, so
    // that nothing holds the process open once the job is done.
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
