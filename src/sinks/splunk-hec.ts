import { randomUUID } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Alert } from '../alerts/alert.js';
import { silentLogger, type Logger } from '../telemetry/log.js';
import { FORMATS, jsonLine, type FormatName } from './formats/index.js';
import { HttpClient, parseEndpoint, safeUrl, statusFailure, type HttpResponse } from './http-client.js';
import type { TlsSettings } from './tls-files.js';
import { renderEach, sinkFailure, type Transport } from './transport.js';

export interface SplunkHecOptions {
  /** `https://splunk.example:8088` (the event endpoint is added) or the full event endpoint URL. */
  url: string;
  token: string;
  format: FormatName;
  index?: string;
  source: string;
  sourcetype: string;
  /** HEC `host`; default the machine's host name. */
  host?: string;
  /** Wait for indexer acknowledgement (the HEC token must have it enabled). */
  ack?: { pollIntervalMs: number; timeoutMs: number };
  /** `X-Splunk-Request-Channel`; default a random UUID per process. */
  channel?: string;
  tls?: TlsSettings;
  timeoutMs: number;
  logger?: Logger;
}

export const HEC_EVENT_PATH = '/services/collector/event';

/** The default sourcetype of each format. */
export const HEC_SOURCETYPES: Readonly<Record<FormatName, string>> = {
  json: 'driftwatch:alert',
  ocsf: 'driftwatch:ocsf',
  ecs: 'driftwatch:ecs',
  cef: 'driftwatch:cef',
};

interface HecAnswer {
  text?: string;
  code?: number;
  ackId?: number;
}

function parseAnswer(body: string): HecAnswer {
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as HecAnswer) : {};
  } catch {
    return {};
  }
}

/**
 * Splunk HTTP Event Collector: a batch is one POST of newline-separated event envelopes
 * `{time, host, source, sourcetype, index?, event}` with `Authorization: Splunk <token>`. Delivered
 * on HTTP 200 `{"code":0}`, or, with `ack`, once `/services/collector/ack` says the indexers
 * committed the batch's ackId; an ack that does not come in time is a retriable failure (the batch is
 * sent again: alert ids make the duplicate recognisable).
 */
export class SplunkHecTransport implements Transport {
  readonly destination: string;
  private readonly client: HttpClient;
  private readonly eventUrl: URL;
  private readonly ackUrl: URL;
  private readonly channel: string;
  private readonly host: string;
  private readonly logger: Logger;
  private warnedNoAckId = false;
  private acknowledged = 0;

  constructor(private readonly options: SplunkHecOptions) {
    const base = parseEndpoint(options.url);
    this.eventUrl = base.pathname === '/' || base.pathname === '' ? new URL(HEC_EVENT_PATH, base) : base;
    this.ackUrl = new URL('/services/collector/ack', this.eventUrl);
    const prefix = /^(.*)\/services\/collector(?:\/event(?:\/1\.0)?)?\/?$/.exec(this.eventUrl.pathname)?.[1];
    if (prefix) this.ackUrl = new URL(`${prefix}/services/collector/ack`, this.eventUrl);
    this.destination = safeUrl(this.eventUrl);
    this.channel = options.channel ?? randomUUID();
    this.host = options.host ?? osHostname();
    this.logger = options.logger ?? silentLogger;
    this.client = new HttpClient(this.eventUrl, { tls: options.tls, timeoutMs: options.timeoutMs });
  }

  counters(): Readonly<Record<string, number>> {
    return { acknowledged_batches: this.acknowledged };
  }

  /** The request body of a batch: one JSON envelope per alert, newline-separated. */
  body(alerts: readonly Alert[]): string {
    const render = FORMATS[this.options.format];
    return renderEach(alerts, (alert) => {
      const ms = Date.parse(alert.time);
      return jsonLine({
        time: Number.isFinite(ms) ? ms / 1000 : undefined,
        host: this.host,
        source: this.options.source,
        sourcetype: this.options.sourcetype,
        ...(this.options.index !== undefined ? { index: this.options.index } : {}),
        event: render(alert, { hostname: this.host }),
      });
    }).join('\n');
  }

  private headers(): Record<string, string> {
    return {
      authorization: `Splunk ${this.options.token}`,
      'content-type': 'application/json',
      'x-splunk-request-channel': this.channel,
    };
  }

  async send(alerts: readonly Alert[], signal: AbortSignal): Promise<void> {
    const response = await this.client.post(this.eventUrl, this.headers(), this.body(alerts), signal);
    const answer = this.check(response);
    if (!this.options.ack) return;
    if (typeof answer.ackId !== 'number') {
      if (!this.warnedNoAckId) {
        this.warnedNoAckId = true;
        this.logger.log('warn', 'HEC returned no ackId: indexer acknowledgement is not enabled for this token; batches count as delivered on HTTP 200', {
          destination: this.destination,
        });
      }
      return;
    }
    await this.waitForAck(answer.ackId, signal);
    this.acknowledged++;
  }

  private check(response: HttpResponse): HecAnswer {
    if (response.status < 200 || response.status >= 300) throw statusFailure(`HEC ${this.destination}`, response);
    const answer = parseAnswer(response.body);
    if (answer.code !== undefined && answer.code !== 0) {
      throw sinkFailure(`HEC ${this.destination} answered code ${answer.code}: ${answer.text ?? ''}`, { retriable: false, status: response.status });
    }
    // An HEC says {"code":0}: anything else with a 2xx (a proxy's maintenance page, an empty answer)
    // is not Splunk having taken the batch, and is tried again.
    if (answer.code !== 0) {
      throw sinkFailure(`HEC ${this.destination} answered HTTP ${response.status} without {"code":0}: not an HEC acknowledgement`, { retriable: true, status: response.status });
    }
    return answer;
  }

  private async waitForAck(ackId: number, signal: AbortSignal): Promise<void> {
    const { pollIntervalMs, timeoutMs } = this.options.ack!;
    const deadline = Date.now() + timeoutMs;
    const body = JSON.stringify({ acks: [ackId] });
    for (;;) {
      try {
        await sleepFor(pollIntervalMs, undefined, { signal });
      } catch {
        throw sinkFailure('sink closed while waiting for the HEC acknowledgement', { retriable: true });
      }
      const response = await this.client.post(this.ackUrl, this.headers(), body, signal);
      if (response.status < 200 || response.status >= 300) {
        const failure = statusFailure(`HEC ack ${safeUrl(this.ackUrl)}`, response);
        // The events were accepted: a refused ack query must make us resend, not give the batch up.
        throw sinkFailure(failure.message, { retriable: true, status: response.status });
      }
      const acks = (parseAnswer(response.body) as { acks?: Record<string, boolean> }).acks;
      if (acks?.[String(ackId)] === true) return;
      if (Date.now() >= deadline) {
        throw sinkFailure(`HEC ${this.destination} did not acknowledge ackId ${ackId} within ${timeoutMs} ms`, { retriable: true });
      }
    }
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
