/**
 * The CLI end to end on its edges: output paths in directories that do not exist or cannot be
 * written, standard input left open by a slow producer, a Kafka TLS file that does not exist
 * (for a source and for a sink).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENTS, DEMO_REGISTRY, E2E_PLUGINS, ROOT, runCli, spawnCli } from '../fixtures/core/cli.js';
import { tempDir, waitFor } from '../fixtures/core/temp.js';


let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('driftwatch-e2e-outputs-'));
});

afterAll(async () => {
  await cleanup();
});

async function lineCount(path: string): Promise<number> {
  if (!existsSync(path)) return 0;
  return (await readFile(path, 'utf8')).split('\n').filter((line) => line.trim() !== '').length;
}

const noStackTrace = /\n\s+at /;

describe('output files', () => {
  it('replay --alerts and --dead-letters into directories that do not exist yet: made, like mkdir -p', async () => {
    const alerts = join(dir, 'nodir/deeper/a.jsonl');
    const dead = join(dir, 'nodead/d.jsonl');
    const result = await runCli(['replay', DEMO_EVENTS, '--registry', DEMO_REGISTRY, '--alerts', alerts, '--dead-letters', dead]);
    expect(result.code).toBe(0);
    expect(await lineCount(alerts)).toBeGreaterThan(0);
  }, 10_000);

  it('replay --alerts of a stream without alerts leaves an empty alerts file (it exists from the start)', async () => {
    const events = join(dir, 'quiet.jsonl');
    const first = readFileSync(DEMO_EVENTS, 'utf8').split('\n')[0]!;
    await writeFile(events, `${first}\n`);
    const alerts = join(dir, 'quiet/alerts.jsonl');
    const result = await runCli(['replay', events, '--registry', DEMO_REGISTRY, '--alerts', alerts, '--dead-letters', join(dir, 'quiet.dead.jsonl')]);
    expect(result.code).toBe(0);
    expect(readFileSync(alerts, 'utf8')).toBe('');
  }, 10_000);

  it('replay --alerts naming a directory ends at once: DW_SINK_FAILED with the sink and the path, exit 1', async () => {
    const alerts = join(dir, 'is-a-directory');
    await mkdir(alerts);
    const result = await runCli(['replay', DEMO_EVENTS, '--registry', DEMO_REGISTRY, '--alerts', alerts, '--dead-letters', join(dir, 'x.dead.jsonl')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DW_SINK_FAILED');
    expect(result.stderr).toContain(`sink "alerts": cannot write ${alerts}`);
    expect(result.stderr).not.toMatch(noStackTrace);
  }, 10_000);

  it('run with a file sink whose directory cannot be made (a parent is a file) ends at once, exit 1', async () => {
    await writeFile(join(dir, 'plain-file'), 'x');
    const path = join(dir, 'plain-file/out/alerts.jsonl');
    const config = join(dir, 'bad-sink.yaml');
    await writeFile(
      config,
      `registry: ${DEMO_REGISTRY}\nsource: { type: file, path: ${DEMO_EVENTS} }\ndead_letter: { path: ${join(dir, 'run.dead.jsonl')} }\nsinks:\n  - { type: file, name: archive, path: ${path} }\n`,
    );
    const result = await runCli(['run', '--config', config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`DW_SINK_FAILED: sink "archive": cannot write ${path}`);
    expect(result.stderr).not.toMatch(noStackTrace);
  }, 10_000);

  it('an input file that cannot be read is named with a coded error before any work: replay exit 1, eval and detectors test exit 2', async () => {
    const missing = join(dir, 'no-such-events.jsonl');
    const cases: [string[], string, number][] = [
      [['replay', missing, '--registry', DEMO_REGISTRY], `DW_SOURCE_FAILED: events: cannot read ${missing}: ENOENT`, 1],
      [['replay', dir, '--registry', DEMO_REGISTRY], `DW_SOURCE_FAILED: events: cannot read ${dir}: is a directory`, 1],
      [['eval', '--events', missing, '--registry', DEMO_REGISTRY, '--labels', missing], `DW_USAGE: --events: cannot read ${missing}: ENOENT`, 2],
      [['detectors', 'test', 'scope-violation', '--events', DEMO_EVENTS, '--expect', missing], `DW_USAGE: --expect: cannot read ${missing}: ENOENT`, 2],
    ];
    for (const [args, message, code] of cases) {
      const result = await runCli(args);
      expect(result.stderr, args.join(' ')).toContain(message);
      expect(result.stderr).not.toMatch(noStackTrace);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.code).toBe(code);
    }
  }, 20_000);

  it('simulate --out and eval --alerts that cannot be written: one coded line, no stack trace; eval --alerts holds one run', async () => {
    await writeFile(join(dir, 'plain-file-3'), 'x');
    const blocked = join(dir, 'plain-file-3/sim');
    const refused = await runCli(['simulate', '--agents', '20', '--days', '1', '--seed', '1', '--out', blocked]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`^driftwatch simulate: DW_USAGE: --out: cannot write ${blocked}: ENOTDIR`));
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);

    const sim = join(dir, 'sim-small');
    expect((await runCli(['simulate', '--agents', '20', '--days', '1', '--seed', '1', '--out', sim])).code).toBe(0);
    const evalArgs = (alerts: string) => ['eval', '--events', join(sim, 'events.jsonl'), '--registry', join(sim, 'registry.yaml'), '--labels', join(sim, 'labels.json'), '--alerts', alerts];
    const intoDirectory = await runCli(evalArgs(dir));
    expect(intoDirectory.code).toBe(1);
    expect(intoDirectory.stderr).toContain(`DW_SINK_FAILED: --alerts: cannot write ${dir}`);
    expect(intoDirectory.stderr).not.toMatch(noStackTrace);

    const alerts = join(dir, 'eval-alerts.jsonl');
    for (let run = 0; run < 2; run++) expect([0, 4]).toContain((await runCli(evalArgs(alerts))).code);
    const ids = readFileSync(alerts, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { id: string }).id);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  }, 60_000);

  it('run with a rejected-alerts file that cannot be written ends at once, before reading, exit 1', async () => {
    await writeFile(join(dir, 'plain-file-2'), 'x');
    const rejected = join(dir, 'plain-file-2/failed-alerts.jsonl');
    const config = join(dir, 'bad-rejected.yaml');
    await writeFile(
      config,
      `registry: ${DEMO_REGISTRY}\nsource: { type: file, path: ${DEMO_EVENTS} }\ndead_letter: { path: ${join(dir, 'rejected-run.dead.jsonl')} }\n` +
        `sinks:\n  - { type: webhook, name: soar, url: "http://127.0.0.1:9/hook", delivery: { rejected_path: ${rejected} } }\n`,
    );
    const result = await runCli(['run', '--config', config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`DW_SINK_FAILED: sink "soar": rejected-alerts file: cannot write ${rejected}`);
    expect(result.stderr).not.toMatch(noStackTrace);
    expect(existsSync(join(dir, 'rejected-run.dead.jsonl'))).toBe(false);
  }, 10_000);

  it('replay --dead-letters naming a directory ends at once, before reading: DW_SINK_FAILED, exit 1', async () => {
    const dead = join(dir, 'dead-is-a-directory');
    await mkdir(dead);
    const alerts = join(dir, 'dead-dir.alerts.jsonl');
    const result = await runCli(['replay', DEMO_EVENTS, '--registry', DEMO_REGISTRY, '--alerts', alerts, '--dead-letters', dead]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`DW_SINK_FAILED: dead letters: cannot write ${dead}`);
    expect(await lineCount(alerts)).toBe(0);
  }, 10_000);
});

describe('alerts a sink could not deliver', () => {
  it('are counted per sink in the summary, kept in the rejected-alerts file, and make the run exit 1', async () => {
    const rejected = join(dir, 'undelivered.jsonl');
    const archive = join(dir, 'delivered.jsonl');
    const config = join(dir, 'unreachable-sink.yaml');
    await writeFile(
      config,
      `registry: ${DEMO_REGISTRY}\nsource: { type: file, path: ${DEMO_EVENTS} }\ndead_letter: { path: ${join(dir, 'unreachable.dead.jsonl')} }\n` +
        'sinks:\n' +
        `  - { type: webhook, name: siem, url: "http://127.0.0.1:9/hook", delivery: { rejected_path: ${rejected}, retry: { initial: 10ms, max: 20ms, max_attempts: 2 }, breaker: { failures: 1000 } } }\n` +
        `  - { type: file, name: archive, path: ${archive} }\n`,
    );
    const result = await runCli(['run', '--config', config]);
    const alerts = await lineCount(archive);
    expect(alerts).toBeGreaterThan(0);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`delivered  siem 0, archive ${alerts}`);
    expect(result.stderr).toContain(`rejected   siem ${alerts} → ${rejected} (not delivered)`);
    expect(result.stderr).toContain('alerts not delivered; written to the rejected-alerts file');
    expect(await lineCount(rejected)).toBe(alerts);
  }, 30_000);
});

describe('standard input left open', () => {
  it('events of a slow producer are processed within a second, not held until 1,024 lines', async () => {
    const event = (id: string, system: string) => JSON.stringify({ v: 1, id, time: '2026-11-02T10:00:00Z', type: 'tool_use', agent: { id: 'invoice-bot' }, tool: 'erp.read_invoices', system, action: 'read' });
    const stdin = new PassThrough();
    const alerts = join(dir, 'live.alerts.jsonl');
    const running = runCli(['replay', '-', '--registry', DEMO_REGISTRY, '--alerts', alerts, '--dead-letters', join(dir, 'live.dead.jsonl'), '--detectors', E2E_PLUGINS], { stdin });
    try {
      stdin.write(event('live-1', 'hr-prod') + '\n');
      // The first wait includes the start (registry, plugins); the second is the one that measures.
      await waitFor(async () => (await lineCount(alerts)) > 0, 'an alert of the first event', 10_000);
      // Out of scope on another system: a second alert, not one folded into the first.
      stdin.write(event('live-2', 'crm-prod') + '\n');
      await waitFor(async () => (await readFile(alerts, 'utf8')).includes('live-2'), 'an alert of the second event', 1000);
    } finally {
      stdin.end();
    }
    expect((await running).code).toBe(0);
  }, 30_000);
});

describe('a bounded input stopped by a signal', () => {
  it('run on standard input, SIGTERM before its end: the batch in flight is delivered, the summary says where it stopped, exit 143', async () => {
    const alerts = join(dir, 'signal.alerts.jsonl');
    const config = join(dir, 'signal.yaml');
    await writeFile(config, `registry: ${DEMO_REGISTRY}\nsource: { type: stdin }\ndead_letter: { path: ${join(dir, 'signal.dead.jsonl')} }\nsinks:\n  - { type: file, name: archive, path: ${alerts} }\n`);
    const run = spawnCli(['run', '--config', config], { stdin: 'pipe' });
    // Out of scope: one alert; standard input stays open, as with a producer that has more to say.
    run.child.stdin!.write('\n' + JSON.stringify({ v: 1, id: 'sig-1', time: '2026-11-02T10:00:00Z', type: 'tool_use', agent: { id: 'invoice-bot' }, tool: 'erp.read_invoices', system: 'hr-prod', action: 'read' }) + '\n');
    await waitFor(async () => (await lineCount(alerts)) > 0, 'the alert of the first event', 15_000);
    run.kill('SIGTERM');
    const { code } = await run.exited;
    run.child.stdin!.destroy();
    expect(code).toBe(143);
    expect(run.stderr()).toContain('stopped by a signal: standard input processed up to line 2, nothing after it read');
    expect(run.stderr()).toContain('stopped    by a signal: nothing after line 2 of the input was read');
    expect(run.stderr()).toContain('delivered  archive 1');
  }, 30_000);

  it('replay of standard input, SIGINT before its end: the alert already found is written, the summary says where it stopped, exit 130', async () => {
    const alerts = join(dir, 'replay-signal.alerts.jsonl');
    const replay = spawnCli(['replay', '-', '--registry', DEMO_REGISTRY, '--alerts', alerts, '--dead-letters', join(dir, 'replay-signal.dead.jsonl')], { stdin: 'pipe' });
    replay.child.stdin!.write(JSON.stringify({ v: 1, id: 'rsig-1', time: '2026-11-02T10:00:00Z', type: 'tool_use', agent: { id: 'invoice-bot' }, tool: 'erp.read_invoices', system: 'hr-prod', action: 'read' }) + '\n');
    await waitFor(async () => (await lineCount(alerts)) > 0, 'the alert of the first event', 15_000);
    replay.kill('SIGINT');
    const { code, signal } = await replay.exited;
    replay.child.stdin!.destroy();
    expect({ code, signal }).toEqual({ code: 130, signal: null });
    expect(replay.stderr()).toContain('stopped by a signal: standard input processed up to line 1, nothing after it read');
    expect(replay.stderr()).toContain('delivered  alerts 1');
  }, 30_000);
});

describe('a signal while a sink is down', () => {
  it('run on a file: SIGTERM ends it after the drain timeout, the undelivered alerts go to the rejected-alerts file, exit 1', async () => {
    const rejected = join(dir, 'signal-down.rejected.jsonl');
    const config = join(dir, 'signal-down.yaml');
    await writeFile(
      config,
      `registry: ${DEMO_REGISTRY}\nsource: { type: file, path: ${DEMO_EVENTS} }\ndead_letter: { path: ${join(dir, 'signal-down.dead.jsonl')} }\n` +
        `sinks:\n  - { type: webhook, name: siem, url: "http://127.0.0.1:9/alerts", delivery: { rejected_path: ${rejected}, drain_timeout: 500ms, retry: { initial: 10ms, max: 50ms } } }\n`,
    );
    const run = spawnCli(['run', '--config', config]);
    // Retrying for ever (no max_attempts): the run would wait as long as the receiver is down.
    await waitFor(async () => run.stderr().includes('sink delivery failed; retrying'), 'a failed delivery', 15_000);
    run.kill('SIGTERM');
    const timeout = new Promise<'still running'>((resolve) => setTimeout(resolve, 8000, 'still running'));
    const code = await Promise.race([run.exited.then((exit) => exit.code), timeout]);
    if (code === 'still running') run.kill('SIGKILL');
    expect(code).toBe(1);
    const alerts = await lineCount(rejected);
    expect(alerts).toBeGreaterThan(0);
    expect(run.stderr()).toContain(`rejected   siem ${alerts} → ${rejected} (not delivered)`);
    expect(run.stderr()).toContain('stopped    by a signal: nothing after line');
  }, 30_000);
});

describe('Kafka TLS files', () => {
  it.each(['ca', 'cert', 'key'])('a source tls.%s that does not exist is a config error naming the field and the path: exit 3', async (field) => {
    const pem = join(dir, `nope-${field}.pem`);
    const others = field === 'ca' ? '' : field === 'cert' ? `, key: ${join(ROOT, 'package.json')}` : `, cert: ${join(ROOT, 'package.json')}`;
    const config = join(dir, `kafka-${field}.yaml`);
    await writeFile(
      config,
      `registry: ${DEMO_REGISTRY}\nsource:\n  type: kafka\n  brokers: ['127.0.0.1:9']\n  topics: [events]\n  tls: { ${field}: ${pem}${others} }\nsinks: [{ type: console }]\n`,
    );
    const result = await runCli(['run', '--config', config]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('DW_CONFIG_INVALID');
    expect(result.stderr).toContain(`source.tls.${field} ${pem}`);
    expect(result.stderr).not.toMatch(noStackTrace);
  }, 10_000);

  it('a Kafka sink whose tls.ca does not exist stops the run at start (exit 3), before any alert is sent to the rejected file', async () => {
    const pem = join(dir, 'nope-sink-ca.pem');
    const rejected = join(dir, 'kafka-sink.rejected.jsonl');
    const config = join(dir, 'kafka-sink-tls.yaml');
    await writeFile(
      config,
      `registry: ${DEMO_REGISTRY}\nsource: { type: file, path: ${DEMO_EVENTS} }\ndead_letter: { path: ${join(dir, 'kafka-sink.dead.jsonl')} }\n` +
        `sinks:\n  - { type: kafka, name: siem-topic, brokers: ['127.0.0.1:9'], topic: alerts, tls: { ca: ${pem} }, delivery: { rejected_path: ${rejected} } }\n`,
    );
    // Its own process: nothing started before the failure (the registry watcher) may keep it alive.
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/bin.ts'), 'run', '--config', config], { cwd: ROOT, encoding: 'utf8', timeout: 8000, env: { ...process.env, NO_COLOR: '1' } });
    expect(result.signal, 'still running after 8 s').toBeNull();
    expect(result.status).toBe(3);
    expect(result.stderr).toContain(`DW_CONFIG_INVALID: cannot read sink "siem-topic" tls.ca ${pem}`);
    expect(result.stderr).not.toMatch(noStackTrace);
    expect(await lineCount(rejected)).toBe(0);
  }, 10_000);
});
