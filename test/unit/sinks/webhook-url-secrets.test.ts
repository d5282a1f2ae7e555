/**
 * A webhook URL can be its own credential (a chat webhook's path, `?token=`, `?code=`): `driftwatch
 * run` with such a sink that fails names its host, never those parts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostOnlyUrl, parseEndpoint, webhookUrlSecrets } from '../../../src/sinks/http-client.js';
import { scrubber } from '../../../src/sinks/scrub.js';
import { DEMO_EVENTS, DEMO_REGISTRY, runCli } from '../../fixtures/core/cli.js';
import { tempDir } from '../../fixtures/core/temp.js';

// Short and plain, as a Zapier-like key: no rule on a token's shape would take it for one, only its 6 characters.
const PATH_KEY = 'hk7Qz2';
const QUERY_TOKEN = 'qs-secret-1';
const OAUTH_CODE = 'oauth-code-2';
const SECRETS = [PATH_KEY, QUERY_TOKEN, OAUTH_CODE, '/hooks/catch'];
const hookUrl = (origin: string) => `${origin}/hooks/catch/1234567/${PATH_KEY}/?token=${QUERY_TOKEN}&code=${OAUTH_CODE}`;

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('driftwatch-webhook-url-'));
});

afterAll(async () => {
  await cleanup();
});

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  const port = await listening(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `driftwatch run` on the demo stream with one webhook sink whose URL comes from the environment, as the docs advise. */
async function runWithWebhook(name: string, url: string) {
  const rejected = join(dir, `${name}.rejected.jsonl`);
  const config = join(dir, `${name}.yaml`);
  await writeFile(
    config,
    `registry: ${DEMO_REGISTRY}\nsource: { type: file, path: ${DEMO_EVENTS} }\ndead_letter: { path: ${join(dir, `${name}.dead.jsonl`)} }\n` +
      `sinks:\n  - { type: webhook, name: soar, url: "\${HOOK_URL}", delivery: { rejected_path: ${rejected}, retry: { max_attempts: 1 } } }\n`,
  );
  const result = await runCli(['run', '--config', config], { env: { ...process.env, HOOK_URL: url, NO_COLOR: '1' } });
  const reasons = (await readFile(rejected, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { reason: string }).reason);
  return { ...result, reasons };
}

function expectNoUrlSecret(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('a webhook URL that carries secrets', () => {
  it('a receiver that cannot be reached: the log, the summary and the rejected-alerts file name the host only', async () => {
    const port = await closedPort();
    const result = await runWithWebhook('closed', hookUrl(`http://127.0.0.1:${port}`));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`destination="http://127.0.0.1:${port}/***"`);
    expect(result.stderr).toContain(`POST http://127.0.0.1:${port}/*** failed: connect ECONNREFUSED`);
    expect(result.stderr).toMatch(/rejected +soar \d+/);
    expect(result.reasons.length).toBeGreaterThan(0);
    for (const reason of result.reasons) expect(reason).toContain(`http://127.0.0.1:${port}/***`);
    expectNoUrlSecret(result.stdout + result.stderr + result.reasons.join('\n'));
  }, 20_000);

  it('a receiver that echoes the request URL in its refusal: what it echoes is scrubbed', async () => {
    const server = createHttpServer((request, response) => {
      request.resume();
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`Cannot POST ${request.url} (${decodeURIComponent(request.url!)})`);
    });
    const port = await listening(server);
    try {
      const result = await runWithWebhook('echo', hookUrl(`http://127.0.0.1:${port}`));
      expect(result.code).toBe(1);
      expect(result.reasons.length).toBeGreaterThan(0);
      for (const reason of result.reasons) expect(reason).toMatch(new RegExp(`^webhook http://127\\.0\\.0\\.1:${port}/\\*\\*\\* answered HTTP 404: Cannot POST \\[REDACTED\\]`));
      expectNoUrlSecret(result.stdout + result.stderr + result.reasons.join('\n'));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 20_000);
});

describe('the parts of a webhook URL', () => {
  it('shows scheme and host, and the path as ***', () => {
    expect(hostOnlyUrl(parseEndpoint('https://hooks.slack.com/services/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'))).toBe('https://hooks.slack.com/***');
    expect(hostOnlyUrl(parseEndpoint('https://hooks.example:8443/a?token=t'))).toBe('https://hooks.example:8443/***');
    expect(hostOnlyUrl(parseEndpoint('https://hooks.example?token=t'))).toBe('https://hooks.example');
  });

  it('takes the path and its segments of 6 characters or more as secrets', () => {
    const secrets = webhookUrlSecrets(parseEndpoint('https://hooks.zapier.example/hooks/catch/1234567/abcdefg/'));
    expect(secrets).toEqual(expect.arrayContaining(['/hooks/catch/1234567/abcdefg/', '1234567', 'abcdefg']));
    for (const short of ['hooks', 'catch']) expect(secrets).not.toContain(short);
    expect(scrubber(secrets)('no hook 1234567/abcdefg at /hooks/catch')).toBe('no hook [REDACTED]/[REDACTED] at /hooks/catch');
    expect(webhookUrlSecrets(parseEndpoint('https://h.example'))).toEqual([]);
  });

  it('takes the query values that are credential-named or token-like as secrets, as written and decoded, and keeps ordinary ones', () => {
    const url = parseEndpoint(
      'https://h.example/ingest?token=a%2Fb&sig=c+d&X-Amz-Signature=ef01&api_key=k1234&ref=9f86d081884c7d659a2feaa0c55ad015&hk7Qz2x&format=json&source=driftwatch&v=1',
    );
    const secrets = webhookUrlSecrets(url);
    expect(secrets).toEqual(expect.arrayContaining(['a%2Fb', 'a/b', 'c+d', 'c d', 'ef01', 'k1234', '9f86d081884c7d659a2feaa0c55ad015', 'hk7Qz2x']));
    for (const plain of ['json', 'driftwatch', '1']) expect(secrets).not.toContain(plain);
    const scrub = scrubber(secrets);
    expect(scrub('expected application/json; driftwatch-webhook retrying')).toBe('expected application/json; driftwatch-webhook retrying');
    expect(scrub('bad signature ef01 for ref 9f86d081884c7d659a2feaa0c55ad015')).toBe('bad signature [REDACTED] for ref [REDACTED]');
  });
});
