import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DriftwatchError } from '../../../src/errors.js';
import { HttpClient, isRetriableStatus, parseEndpoint, retryAfterMs, safeUrl, statusFailure } from '../../../src/sinks/http-client.js';
import { scrubber } from '../../../src/sinks/scrub.js';

describe('HTTP failures', () => {
  it('retries 401, 403, 408, 425, 429 and 5xx; refuses other 4xx', () => {
    expect([301, 302, 307, 308, 401, 403, 408, 425, 429, 500, 502, 503, 504].filter(isRetriableStatus)).toHaveLength(13);
    expect([400, 404, 405, 410, 413, 415, 422].filter(isRetriableStatus)).toEqual([]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it('builds a sink failure with the status, the Retry-After and a short excerpt of the answer', () => {
    const failure = statusFailure('HEC https://s/services/collector/event', { status: 503, headers: { 'retry-after': '2' }, body: `busy\n${'x'.repeat(500)}` });
    expect(failure).toBeInstanceOf(DriftwatchError);
    expect(failure).toMatchObject({ code: 'DW_SINK_FAILED', retriable: true, details: { status: 503, retryAfterMs: 2000 } });
    expect(failure.message.length).toBeLessThan(300);
    // A moved endpoint: retried (the alerts wait), and the message says what to change.
    const moved = statusFailure('webhook https://hooks.example', { status: 308, headers: { location: 'https://hooks.example/v2' }, body: '' });
    expect(moved).toMatchObject({ retriable: true, message: "webhook https://hooks.example answered HTTP 308 (redirects are not followed: set the sink's url to the new address)" });
  });

  it('refuses credentials in URLs and logs URLs without query', () => {
    expect(() => parseEndpoint('https://user:pw@hooks.example/x')).toThrow(/must not carry credentials/);
    expect(() => parseEndpoint('ftp://hooks.example/x')).toThrow(/http or https/);
    expect(safeUrl(parseEndpoint('https://hooks.example:8443/x?key=secret#f'))).toBe('https://hooks.example:8443/x');
    // Chat webhooks carry their secret in the path.
    expect(safeUrl(parseEndpoint('https://hooks.slack.com/services/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'))).toBe('https://hooks.slack.com/services/T0000AB12/B0000CD34/***');
    expect(safeUrl(parseEndpoint('https://discord.com/api/webhooks/123456789012345678/abcDEF-ghiJKL_mnoPQRstuVWXyz0123456789abcdefghijklmnopqrstuvwxyzABCD'))).toBe('https://discord.com/api/webhooks/123456789012345678/***');
    expect(safeUrl(parseEndpoint('https://siem.example/api/v2/alerts'))).toBe('https://siem.example/api/v2/alerts');
  });
});

describe('HTTP requests', () => {
  it('bound the whole request by the timeout: a receiver that trickles its answer fails the attempt (retriable)', async () => {
    // A byte every 50 ms for 3 s: never silent for the timeout of 300 ms, never done within it.
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => response.write('.'), 50);
      setTimeout(() => (clearInterval(timer), response.end()), 3_000);
      response.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
    const client = new HttpClient(url, { timeoutMs: 300 });
    const started = Date.now();
    try {
      const error = await client.post(url, {}, '{}', new AbortController().signal).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(DriftwatchError);
      expect((error as DriftwatchError).retriable).toBe(true);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      client.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('scrubber', () => {
  it('removes secrets, their JSON-escaped spelling and credential-shaped text', () => {
    const scrub = scrubber(['s3cr"et-value', 'abc', undefined]);
    expect(scrub('token s3cr"et-value and "s3cr\\"et-value" abc')).toBe('token [REDACTED] and "[REDACTED]" abc');
    expect(scrub('Authorization: Bearer abcdefghijklmnop')).toBe('Authorization: Bearer [REDACTED]');
  });
});
