import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import type { Alert } from '../alerts/alert.js';
import { FORMATS, type FormatName } from './formats/index.js';
import { hostOnlyUrl, HttpClient, parseEndpoint, statusFailure } from './http-client.js';
import type { TlsSettings } from './tls-files.js';
import { renderEach, type Transport } from './transport.js';

export const SIGNATURE_HEADER = 'x-driftwatch-signature';
export const TIMESTAMP_HEADER = 'x-driftwatch-timestamp';
export const DELIVERY_HEADER = 'x-driftwatch-delivery';

export interface WebhookOptions {
  url: string;
  /** HMAC-SHA256 key; absent: requests are not signed. */
  secret?: string;
  format: FormatName;
  /** Extra request headers (e.g. a receiver's API key). Their values are treated as secrets. */
  headers?: Readonly<Record<string, string>>;
  tls?: TlsSettings;
  timeoutMs: number;
  /** Clock for the timestamp header (seconds are taken from it). */
  now?: () => number;
}

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` */
export function webhookSignature(secret: string, timestamp: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export interface VerifyOptions {
  /** Largest accepted difference between the timestamp and the receiver's clock (default 300 s). */
  toleranceSeconds?: number;
  now?: () => number;
}

/**
 * What a receiver does: recompute the signature over the raw body, compare in constant time, and
 * refuse a timestamp too far from its clock (replays). Returns the reason when it fails.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: string | Buffer,
  options: VerifyOptions = {},
): { ok: true } | { ok: false; reason: string } {
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  const timestamp = first(headers[TIMESTAMP_HEADER]);
  const signature = first(headers[SIGNATURE_HEADER]);
  if (!timestamp || !/^\d+$/.test(timestamp)) return { ok: false, reason: 'missing or malformed timestamp' };
  if (!signature) return { ok: false, reason: 'missing signature' };
  const skew = Math.abs((options.now ?? Date.now)() / 1000 - Number(timestamp));
  if (skew > (options.toleranceSeconds ?? 300)) return { ok: false, reason: 'timestamp outside the tolerance' };
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'signature mismatch' };
  return { ok: true };
}

/** A stable id of a batch (hash of its alert ids): the same on every retry and replay, for receivers that de-duplicate. */
export function deliveryId(alerts: readonly Alert[]): string {
  const hash = createHash('sha256');
  for (const alert of alerts) hash.update(alert.id).update('\n');
  return hash.digest('hex').slice(0, 32);
}

/**
 * Generic HTTPS webhook: a batch is one POST of `{"format": "<format>", "alerts": [...]}`, signed with
 * `X-Driftwatch-Timestamp` (Unix seconds) and `X-Driftwatch-Signature: sha256=<hex>` over
 * `<timestamp>.<body>`. The timestamp and signature are made afresh on each attempt.
 */
export class WebhookTransport implements Transport {
  readonly destination: string;
  private readonly url: URL;
  private readonly client: HttpClient;
  private readonly now: () => number;
  private readonly hostname = osHostname();

  constructor(private readonly options: WebhookOptions) {
    this.url = parseEndpoint(options.url);
    this.destination = hostOnlyUrl(this.url);
    this.client = new HttpClient(this.url, { tls: options.tls, timeoutMs: options.timeoutMs, shown: hostOnlyUrl });
    this.now = options.now ?? Date.now;
  }

  body(alerts: readonly Alert[]): string {
    const render = FORMATS[this.options.format];
    const options = { hostname: this.hostname };
    return JSON.stringify({ format: this.options.format, count: alerts.length, alerts: renderEach(alerts, (alert) => render(alert, options)) });
  }

  async send(alerts: readonly Alert[], signal: AbortSignal): Promise<void> {
    const body = this.body(alerts);
    const timestamp = String(Math.floor(this.now() / 1000));
    const headers: Record<string, string> = {
      ...this.options.headers,
      'content-type': 'application/json',
      'user-agent': 'driftwatch',
      [TIMESTAMP_HEADER]: timestamp,
      [DELIVERY_HEADER]: deliveryId(alerts),
    };
    if (this.options.secret !== undefined) headers[SIGNATURE_HEADER] = webhookSignature(this.options.secret, timestamp, body);
    const response = await this.client.post(this.url, headers, body, signal);
    if (response.status < 200 || response.status >= 300) throw statusFailure(`webhook ${this.destination}`, response);
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
