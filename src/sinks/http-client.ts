import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { DriftwatchError } from '../errors.js';
import { isCredentialParamName, isTokenLike } from '../redaction.js';
import { tlsOptions, type TlsSettings } from './tls-files.js';
import { sinkFailure } from './transport.js';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body, cut at {@link MAX_RESPONSE_BYTES}. */
  body: string;
}

export const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * A path segment that may be a credential: chat webhooks (Slack, Teams, Discord) put their secret in
 * the path. Long segments, or shorter ones mixing letters and digits, are shown as `***`.
 */
const SECRET_SEGMENT = /^(?=.{20,}$)|^(?=.{12,}$)(?=.*[A-Za-z])(?=.*\d)/;

/** The URL without userinfo, query, fragment or token-like path segments: what logs and error messages may show. */
export function safeUrl(url: URL): string {
  const path = url.pathname
    .split('/')
    .map((segment) => (SECRET_SEGMENT.test(segment) ? '***' : segment))
    .join('/');
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * The URL with its whole path hidden (`https://hooks.example/***`), for a webhook: its path may be
 * the credential in any shape (a short Zapier key as well as a long Slack token), and the host
 * tells which receiver failed.
 */
export function hostOnlyUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : '/***'}`;
}

/**
 * How long a webhook path segment (or a query item without a name) is at the least to be taken for
 * a key: a Zapier hook's `1234567/abcdefg` is, `hooks`, `catch`, `api` or `v1` are not.
 */
const MIN_SECRET_SEGMENT = 6;

/**
 * What of a webhook URL must not reach a log line, as written and decoded: the path, its segments of
 * {@link MIN_SECRET_SEGMENT} characters or more (a receiver may echo one alone), and the query
 * values that redaction would take for credentials (credential-named or token-like). Other query
 * values (`format=json`, `source=driftwatch`) are ordinary words that log lines need.
 */
export function webhookUrlSecrets(url: URL): string[] {
  const parts: string[] = [];
  if (url.pathname !== '/') parts.push(url.pathname, ...url.pathname.split('/').filter((segment) => segment.length >= MIN_SECRET_SEGMENT));
  for (const item of url.search.slice(1).split('&')) {
    const equals = item.indexOf('=');
    const value = item.slice(equals + 1);
    const secret = equals === -1 ? value.length >= MIN_SECRET_SEGMENT : isCredentialParamName(decoded(item.slice(0, equals))) || isTokenLike(decoded(value));
    if (secret) parts.push(value);
  }
  return [...parts, ...parts.map(decoded)].filter((part) => part !== '');
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

export function parseEndpoint(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DriftwatchError('DW_CONFIG_INVALID', 'sink url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DriftwatchError('DW_CONFIG_INVALID', `sink url must be http or https, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new DriftwatchError('DW_CONFIG_INVALID', 'sink url must not carry credentials; use the sink\'s token or secret setting');
  }
  return url;
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date), if present and sane. */
export function retryAfterMs(header: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * How an HTTP status is treated: 2xx delivered; 408, 425, 429 and 5xx retried; 401 and 403
 * retried too (a revoked or rotated credential is an operator's fix, and the alerts must wait for
 * it rather than leave the SIEM path); every other status is a refusal of these alerts, not retried.
 */
export function isRetriableStatus(status: number): boolean {
  // 3xx: the endpoint moved, which its url setting must follow: like a bad token, the alerts wait for the fix.
  return (status >= 300 && status < 400) || status === 401 || status === 403 || status === 408 || status === 425 || status === 429 || status >= 500;
}

/** A failure for a non-2xx answer; the body excerpt is the receiver's, cut short. */
export function statusFailure(what: string, response: HttpResponse): DriftwatchError {
  const excerpt = response.body.replace(/\s+/g, ' ').trim().slice(0, 200);
  const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are not followed: set the sink\'s url to the new address)' : '';
  return sinkFailure(`${what} answered HTTP ${response.status}${redirect}${excerpt ? `: ${excerpt}` : ''}`, {
    retriable: isRetriableStatus(response.status),
    status: response.status,
    retryAfterMs: retryAfterMs(response.headers['retry-after']),
  });
}

export interface HttpClientOptions {
  tls?: TlsSettings;
  timeoutMs: number;
  /** How a URL is named in error messages; default {@link safeUrl}. */
  shown?: (url: URL) => string;
}

/** POSTs over one keep-alive agent (node:http / node:https); every failure comes back as a sink failure. */
export class HttpClient {
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly https: boolean;

  constructor(
    readonly base: URL,
    private readonly options: HttpClientOptions,
  ) {
    this.https = base.protocol === 'https:';
    this.agent = this.https
      ? new HttpsAgent({ keepAlive: true, maxSockets: 4, ...tlsOptions(options.tls, base.hostname) })
      : new HttpAgent({ keepAlive: true, maxSockets: 4 });
  }

  /**
   * One POST. `timeoutMs` bounds the whole request, connection to the answer's last byte, not only
   * silences: a receiver that trickles its answer must not hold an attempt (and the sink's queue).
   */
  post(url: URL, headers: OutgoingHttpHeaders, body: string | Buffer, signal: AbortSignal): Promise<HttpResponse> {
    const where = (this.options.shown ?? safeUrl)(url);
    let deadline: NodeJS.Timeout | undefined;
    return new Promise<HttpResponse>((resolve, reject) => {
      const request = (this.https ? httpsRequest : httpRequest)(
        url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          signal,
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
            size += chunk.length;
          });
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8'),
            }),
          );
          response.on('error', (error) => reject(sinkFailure(`POST ${where}: response failed: ${error.message}`, { retriable: true, cause: error })));
        },
      );
      deadline = setTimeout(() => request.destroy(new Error(`no complete answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException) => {
        const reason = error.code && !error.message.includes(error.code) ? `${error.code} ${error.message}` : error.message;
        reject(sinkFailure(`POST ${where} failed: ${reason}`, { retriable: true, cause: error }));
      });
      request.end(body);
    }).finally(() => clearTimeout(deadline));
  }

  close(): void {
    this.agent.destroy();
  }
}
