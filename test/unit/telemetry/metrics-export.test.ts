import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { metrics } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { formatYamlIssue } from '../../../src/config/yaml.js';
import { runJob } from '../../../src/cli/job.js';
import type { Logger } from '../../../src/telemetry/log.js';
import { tempDir } from '../../fixtures/core/temp.js';
import { sample, scrape } from '../../helpers/metrics.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const REGISTRY = join(ROOT, 'fixtures/demo/registry.yaml');

function configOf(text: string) {
  const result = parseConfig(text, 'driftwatch.yaml', {});
  if (!result.ok) throw new Error(result.errors.map(formatYamlIssue).join('\n'));
  return result.config;
}

function recordingLogger() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const logger: Logger = { log: (level, message, fields = {}) => void lines.push({ level, message, fields }) };
  return { logger, lines };
}

const BASE = Date.parse('2026-11-02T01:00:00.000Z');
const at = (index: number) => new Date(BASE + index * 1000).toISOString();

/**
 * Exactly 1,024 input lines (the line source's batch size, so the batch is processed while the
 * input stays open): 600 tool_use, 300 token_issued, 100 access_denied and 24 invalid lines.
 */
function eventLines(): { text: string; expected: Record<string, number>; invalid: number; records: number } {
  const lines: string[] = [];
  for (let i = 0; i < 600; i++) {
    lines.push(JSON.stringify({ v: 1, id: `tu-${i}`, time: at(i), type: 'tool_use', agent: { id: 'nightly-etl' }, outcome: 'success', tool: 'etl.extract', system: 'erp-prod', action: 'read' }));
  }
  for (let i = 0; i < 300; i++) {
    lines.push(JSON.stringify({ v: 1, id: `ti-${i}`, time: at(600 + i), type: 'token_issued', agent: { id: 'nightly-etl' }, token: { issuer: 'https://idp.corp.example', fingerprint: `sha256:5c23174000e8e58e042e5726c57a30${String(i).padStart(4, '0')}`, audience: 'warehouse', grant: 'client_credentials', ttl_s: 600 } }));
  }
  for (let i = 0; i < 100; i++) {
    lines.push(JSON.stringify({ v: 1, id: `ad-${i}`, time: at(900 + i), type: 'access_denied', agent: { id: 'nightly-etl' }, system: 'hr-prod', action: 'read' }));
  }
  for (let i = 0; i < 24; i++) lines.push(`{"v":1,"id":"broken-${i}"`);
  return { text: lines.join('\n') + '\n', expected: { tool_use: 600, token_issued: 300, access_denied: 100 }, invalid: 24, records: 1024 };
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function refused(url: string): Promise<boolean> {
  // A new connection (agent: false), so that no pooled socket stands in for the listener.
  return scrape(url, { agent: false }).then(
    () => false,
    (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED',
  );
}

function holdPort(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

const cleanups: (() => Promise<void>)[] = [];
async function temporary(): Promise<string> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  return dir;
}

describe('Prometheus metrics export', () => {
  afterEach(async () => {
    metrics.disable();
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });

  it('serves the engine and pipeline counters of a running job, and stops serving when it ends', async () => {
    const dir = await temporary();
    const config = configOf(`registry: ${REGISTRY}
source: { type: stdin }
dead_letter: { path: ${join(dir, 'dead.jsonl')} }
sinks: [{ type: file, path: ${join(dir, 'alerts.jsonl')} }]
telemetry:
  prometheus: { host: 127.0.0.1, port: 0 }
`);
    const { logger, lines } = recordingLogger();
    const stdin = new PassThrough();
    const input = eventLines();
    const job = runJob(config, { stdin, stdout: new PassThrough(), logger });

    const url = await until(async () => lines.find((line) => line.message === 'metrics: serving Prometheus')?.fields.url as string | undefined, 'the endpoint');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    stdin.write(input.text); // the input stays open: the job keeps running and serving
    const { status, type, body } = await until(async () => {
      const response = await scrape(url);
      return sample(response.body, 'driftwatch_source_records_total') === input.records ? response : undefined;
    }, 'the batch to be processed');

    expect(status).toBe(200);
    expect(type).toContain('text/plain');
    expect(body).toContain('# TYPE driftwatch_engine_events_total counter');
    for (const [eventType, count] of Object.entries(input.expected)) {
      expect(sample(body, 'driftwatch_engine_events_total', { type: eventType }), eventType).toBe(count);
    }
    expect(sample(body, 'driftwatch_events_dropped_total', { stage: 'decode', code: 'DW_EVENT_INVALID', intentional: 'false' })).toBe(input.invalid);
    expect(body).toMatch(/^driftwatch_sink_queue_alerts\{sink="file"\} \d+$/m);
    expect(body).toMatch(/^driftwatch_alerts_unrouted_total \d+$/m);
    expect(body).not.toContain('otel_scope_name');
    expect((await scrape(url.replace(/\/metrics$/, '/other'))).status).toBe(404);
    const health = await scrape(url.replace(/\/metrics$/, '/healthz'));
    expect([health.status, health.body]).toEqual([200, 'ok\n']);

    stdin.end();
    const summary = await job;
    expect(summary.records).toBe(input.records);
    expect(summary.invalid).toBe(input.invalid);
    expect(await refused(url)).toBe(true);
    // The provider was unregistered: a later job (or test) can register its own.
    expect(metrics.setGlobalMeterProvider({ getMeter: () => metrics.getMeter('x') })).toBe(true);
  });

  it('is off without a telemetry section', async () => {
    const dir = await temporary();
    const config = configOf(`registry: ${REGISTRY}
source: { type: file, path: ${join(ROOT, 'fixtures/demo/events.jsonl')} }
dead_letter: { path: ${join(dir, 'dead.jsonl')} }
sinks: [{ type: file, path: ${join(dir, 'alerts.jsonl')} }]
`);
    expect(config.telemetry).toEqual({});
    const { logger, lines } = recordingLogger();
    const summary = await runJob(config, { stdin: new PassThrough(), stdout: new PassThrough(), logger });
    expect(summary.records).toBeGreaterThan(0);
    expect(lines.filter((line) => line.message.startsWith('metrics:'))).toEqual([]);
  });

  it('logs a port in use and runs the job without metrics', async () => {
    const dir = await temporary();
    const held = await holdPort();
    try {
      const port = (held.address() as AddressInfo).port;
      const config = configOf(`registry: ${REGISTRY}
source: { type: file, path: ${join(ROOT, 'fixtures/demo/events.jsonl')} }
dead_letter: { path: ${join(dir, 'dead.jsonl')} }
sinks: [{ type: file, path: ${join(dir, 'alerts.jsonl')} }]
telemetry: { prometheus: { host: 127.0.0.1, port: ${port} } }
`);
      const { logger, lines } = recordingLogger();
      const summary = await runJob(config, { stdin: new PassThrough(), stdout: new PassThrough(), logger });
      expect(summary.records).toBeGreaterThan(0);
      const error = lines.find((line) => line.message.startsWith('metrics: cannot serve'));
      expect(error).toMatchObject({ level: 'error', fields: { host: '127.0.0.1', port } });
      expect(String(error!.fields.error)).toContain('EADDRINUSE');
      // Nothing stays registered after the failed start.
      expect(metrics.setGlobalMeterProvider({ getMeter: () => metrics.getMeter('x') })).toBe(true);
    } finally {
      await new Promise((resolve) => held.close(resolve));
    }
  });

  it('lets `driftwatch run` exit when its input ends, with the endpoint on', async () => {
    const dir = await temporary();
    const configPath = join(dir, 'driftwatch.yaml');
    await writeFile(configPath, `registry: ${REGISTRY}
source: { type: stdin }
dead_letter: { path: ${join(dir, 'dead.jsonl')} }
sinks: [{ type: file, path: ${join(dir, 'alerts.jsonl')} }]
telemetry: { prometheus: { host: 127.0.0.1, port: 0 } }
`);
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/bin.ts'), 'run', '--config', configPath], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // A process that hangs fails the test and is not left behind.
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    cleanups.push(async () => {
      clearTimeout(killer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const url = await until(async () => /serving Prometheus url="([^"]+)"/.exec(stderr)?.[1], 'the endpoint', 15_000);
    // Keep a scrape connection alive across the end of the run: it must not hold the process open.
    const agent = new Agent({ keepAlive: true });
    expect((await scrape(url, { agent })).status).toBe(200);
    child.stdin.end(input());
    const code = await exited;
    agent.destroy();
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('metrics: serving Prometheus');
    expect(await refused(url)).toBe(true);
  }, 30_000);
});

function input(): string {
  return eventLines().text;
}
