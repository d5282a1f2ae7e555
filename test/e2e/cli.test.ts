/**
 * The CLI end to end, in-process through `main` (and once through the built binary): replays,
 * dead letters, registry check, a config that cannot be read as data, usage, help.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/main.js';
import { DEMO_EVENTS, DEMO_REGISTRY, E2E_PLUGINS, ROOT, runCli } from '../fixtures/core/cli.js';
import { tempDir } from '../fixtures/core/temp.js';
import { aliasBomb } from '../fixtures/core/yaml.js';


let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('driftwatch-e2e-'));
});

afterAll(async () => {
  await cleanup();
});

async function jsonLines(path: string): Promise<Record<string, unknown>[]> {
  if (!existsSync(path)) return [];
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const withoutDetectedAt = (alerts: Record<string, unknown>[]) => alerts.map(({ detected_at: _, ...rest }) => rest);

function replayArgs(input: string, name: string, ...more: string[]): string[] {
  return ['replay', input, '--registry', DEMO_REGISTRY, '--alerts', join(dir, `${name}.alerts.jsonl`), '--dead-letters', join(dir, `${name}.dead.jsonl`), '--detectors', E2E_PLUGINS, ...more];
}

describe('replay', () => {
  it('warns when a detector it loaded does not run (incubating, not enabled), and not when it runs', async () => {
    const skipped = await runCli(['replay', DEMO_EVENTS, '--registry', DEMO_REGISTRY, '--alerts', join(dir, 'plugin-off.alerts.jsonl'), '--dead-letters', join(dir, 'plugin-off.dead.jsonl'), '--detectors', join(ROOT, 'examples/detectors')]);
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toContain('detector after-hours-payment was loaded but does not run: it is incubating');
    const running = await runCli(['replay', DEMO_EVENTS, '--registry', DEMO_REGISTRY, '--alerts', join(dir, 'plugin-on.alerts.jsonl'), '--dead-letters', join(dir, 'plugin-on.dead.jsonl'), '--detectors', join(ROOT, 'examples/detectors'), '--maturity', 'stable,incubating']);
    expect(running.stderr).not.toContain('was loaded but does not run');
  });

  it('twice on the demo stream gives identical alert files modulo detected_at', async () => {
    const first = await runCli(replayArgs(DEMO_EVENTS, 'run1'));
    const second = await runCli(replayArgs(DEMO_EVENTS, 'run2'));
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const a = await jsonLines(join(dir, 'run1.alerts.jsonl'));
    const b = await jsonLines(join(dir, 'run2.alerts.jsonl'));
    expect(a.length).toBeGreaterThan(0);
    expect(a.some((alert) => alert.detector === 'e2e-scope-drift')).toBe(true);
    expect(a.every((alert) => typeof alert.detected_at === 'string')).toBe(true);
    expect(withoutDetectedAt(b)).toEqual(withoutDetectedAt(a));
    expect(await jsonLines(join(dir, 'run2.dead.jsonl'))).toEqual(await jsonLines(join(dir, 'run1.dead.jsonl')));
    expect(first.stderr).toContain('driftwatch summary');
  });

  it('from standard input (-) gives the same alerts as from the file', async () => {
    const fromFile = await runCli(replayArgs(DEMO_EVENTS, 'file'));
    const fromStdin = await runCli(replayArgs('-', 'stdin'), { stdin: createReadStream(DEMO_EVENTS, { highWaterMark: 1000 }) });
    expect(fromFile.code).toBe(0);
    expect(fromStdin.code).toBe(0);
    const a = await jsonLines(join(dir, 'file.alerts.jsonl'));
    expect(a.length).toBeGreaterThan(0);
    expect(withoutDetectedAt(await jsonLines(join(dir, 'stdin.alerts.jsonl')))).toEqual(withoutDetectedAt(a));
    // Dead letters name their source: the path, or "-".
    const dead = await jsonLines(join(dir, 'stdin.dead.jsonl'));
    const fileDead = await jsonLines(join(dir, 'file.dead.jsonl'));
    expect(dead.map((d) => (d.source as { line: number }).line)).toEqual(fileDead.map((d) => (d.source as { line: number }).line));
    expect(dead.every((d) => (d.source as { file: string }).file === '-')).toBe(true);
  });

  it('prints the alerts on stdout when no --alerts file is given', async () => {
    const result = await runCli(['replay', DEMO_EVENTS, '--registry', DEMO_REGISTRY, '--dead-letters', join(dir, 'console.dead.jsonl'), '--detectors', E2E_PLUGINS]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('e2e-scope-drift');
    expect(result.stdout).toMatch(/dw-[0-9a-f]{32}/);
  });

  it('writes every bad line to the dead letters with its line number and reason, and processes the valid ones', async () => {
    const valid = (id: string, system: string) => JSON.stringify({ v: 1, id, time: '2026-11-02T10:00:00Z', type: 'tool_use', agent: { id: 'invoice-bot' }, tool: 'erp.read_invoices', system, action: 'read' });
    const lines: (string | Buffer)[] = [
      valid('good-1', 'hr-prod'), // 1: valid, out of scope → alert
      '{"v":1,"id":"bad-json","time":', // 2: malformed JSON
      JSON.stringify({ v: 1, id: 'bad-type', time: '2026-11-02T10:00:00Z', type: 'tool_use', agent: { id: 'invoice-bot' }, tool: 'erp.read', system: 'erp-prod', action: 'read', bytes: 'many' }), // 3
      JSON.stringify({ v: 1, id: 'no-agent-id', time: '2026-11-02T10:00:00Z', type: 'tool_use', agent: { session: 's' }, tool: 'erp.read', system: 'erp-prod', action: 'read' }), // 4
      JSON.stringify({ v: 7, id: 'future', time: '2026-11-02T10:00:00Z', type: 'tool_use', agent: { id: 'invoice-bot' }, tool: 'erp.read', system: 'erp-prod', action: 'read' }), // 5
      JSON.stringify({ v: 1, id: 'huge', time: '2026-11-02T10:00:00Z', type: 'tool_use', agent: { id: 'invoice-bot' }, tool: 'erp.read', system: 'erp-prod', action: 'read', resource: 'r'.repeat(6000) }), // 6: > 2048 bytes
      '', // 7: blank, skipped
      Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x9c, 0xc3, 0x28, 0x7b, 0x7d]), // 8: binary garbage
      '{}', // 9: empty object
      valid('good-2', 'crm-prod'), // 10: valid → alert
    ];
    const input = join(dir, 'bad-input.jsonl');
    await writeFile(input, Buffer.concat(lines.map((line) => Buffer.concat([Buffer.from(line), Buffer.from('\n')]))));
    const result = await runCli(['replay', input, '--registry', DEMO_REGISTRY, '--alerts', join(dir, 'bad.alerts.jsonl'), '--dead-letters', join(dir, 'bad.dead.jsonl'), '--detectors', E2E_PLUGINS, '--max-event-bytes', '2048', '--json-summary']);
    expect(result.code).toBe(0);

    const dead = await jsonLines(join(dir, 'bad.dead.jsonl'));
    expect(dead.map((d) => [(d.source as { line: number }).line, d.code])).toEqual([
      [2, 'DW_EVENT_INVALID'],
      [3, 'DW_EVENT_INVALID'],
      [4, 'DW_EVENT_INVALID'],
      [5, 'DW_EVENT_INVALID'],
      [6, 'DW_EVENT_TOO_LARGE'],
      [8, 'DW_EVENT_INVALID'],
      [9, 'DW_EVENT_INVALID'],
    ]);
    for (const letter of dead) {
      expect(letter.source).toMatchObject({ file: input });
      expect(String(letter.reason).length).toBeGreaterThan(0);
    }
    const byLine = new Map(dead.map((d) => [(d.source as { line: number }).line, d]));
    expect(byLine.get(2)!.reason).toMatch(/^not JSON/);
    expect(byLine.get(3)).toMatchObject({ field: 'bytes' });
    expect(byLine.get(4)).toMatchObject({ field: 'agent.id' });
    expect(String(byLine.get(4)!.reason)).toContain('agent.id');
    expect(byLine.get(5)).toMatchObject({ field: 'v' });
    expect(byLine.get(6)).toMatchObject({ truncated: true, original_bytes: Buffer.byteLength(lines[5]!) });
    expect(String(byLine.get(6)!.reason)).toContain('2048');
    expect(byLine.get(8)!.reason).toBe('not valid UTF-8');
    expect(byLine.get(9)).toMatchObject({ field: 'type' });

    const alerts = await jsonLines(join(dir, 'bad.alerts.jsonl'));
    const ours = alerts.filter((a) => a.detector === 'e2e-scope-drift');
    expect(ours.map((a) => (a.event as { id: string }).id)).toEqual(['good-1', 'good-2']);

    const summary = JSON.parse(result.stderr.split('\n').find((line) => line.startsWith('{'))!) as { records: number; events: number; invalid: number; invalidByCode: Record<string, number> };
    expect(summary).toMatchObject({ records: 9, events: 2, invalid: 7, invalidByCode: { DW_EVENT_INVALID: 6, DW_EVENT_TOO_LARGE: 1 } });
    expect(result.stderr).toContain(`dead letters written to ${join(dir, 'bad.dead.jsonl')}`);
  });

  it('refuses an event with a byte that is not UTF-8 instead of processing it altered, and processes the others', async () => {
    const event = (id: string, system: string | Buffer) =>
      Buffer.concat([Buffer.from(`{"v":1,"id":"${id}","time":"2026-11-02T10:00:00Z","type":"tool_use","agent":{"id":"invoice-bot"},"tool":"erp.read_invoices","system":"`), Buffer.from(system), Buffer.from('","action":"read"}\n')]);
    const corrupted = Buffer.concat([Buffer.from('hr-pr'), Buffer.from([0xe9]), Buffer.from('od')]); // a Latin-1 é
    const input = join(dir, 'not-utf8.jsonl');
    await writeFile(input, Buffer.concat([event('good-1', 'hr-prod'), event('corrupted', corrupted), event('good-2', 'crm-prod')]));
    const result = await runCli(['replay', input, '--registry', DEMO_REGISTRY, '--alerts', join(dir, 'not-utf8.alerts.jsonl'), '--dead-letters', join(dir, 'not-utf8.dead.jsonl'), '--detectors', E2E_PLUGINS, '--json-summary']);
    expect(result.code).toBe(0);

    const dead = await jsonLines(join(dir, 'not-utf8.dead.jsonl'));
    expect(dead).toEqual([expect.objectContaining({ code: 'DW_EVENT_INVALID', reason: 'not valid UTF-8', source: { file: input, line: 2 }, original_bytes: event('corrupted', corrupted).length - 1 })]);
    expect(String(dead[0]!.original)).toContain('"id":"corrupted"');
    const alerts = await jsonLines(join(dir, 'not-utf8.alerts.jsonl'));
    expect(alerts.map((a) => (a.event as { id: string }).id)).not.toContain('corrupted');
    expect(alerts.filter((a) => a.detector === 'e2e-scope-drift').map((a) => (a.event as { id: string }).id)).toEqual(['good-1', 'good-2']);
    const summary = JSON.parse(result.stderr.split('\n').find((line) => line.startsWith('{'))!) as Record<string, unknown>;
    expect(summary).toMatchObject({ records: 3, events: 2, invalid: 1, invalidByCode: { DW_EVENT_INVALID: 1 } });
  });

  it('the demo stream with every line sent twice gives the alerts of the stream once, and counts the repeats', async () => {
    const lines = (await readFile(DEMO_EVENTS, 'utf8')).split('\n').filter((line) => line.trim() !== '');
    const doubled = join(dir, 'doubled.jsonl');
    // A producer's retry: each line again right after it.
    await writeFile(doubled, lines.flatMap((line) => [line, line]).join('\n') + '\n');
    const once = await runCli(replayArgs(DEMO_EVENTS, 'once'));
    const twice = await runCli(replayArgs(doubled, 'twice', '--json-summary'));
    expect(twice.code).toBe(once.code);
    expect(withoutDetectedAt(await jsonLines(join(dir, 'twice.alerts.jsonl')))).toEqual(withoutDetectedAt(await jsonLines(join(dir, 'once.alerts.jsonl'))));
    const summary = JSON.parse(twice.stderr.split('\n').find((line) => line.startsWith('{'))!) as { events: number; invalid: number; duplicates: number };
    expect(summary.duplicates).toBe(summary.events);
    expect(summary.events + summary.duplicates + summary.invalid).toBe(lines.length * 2);
  });

  it('an empty input file is a successful replay with nothing to report', async () => {
    const input = join(dir, 'empty.jsonl');
    await writeFile(input, '');
    const result = await runCli(['replay', input, '--registry', DEMO_REGISTRY, '--alerts', join(dir, 'empty.alerts.jsonl'), '--dead-letters', join(dir, 'empty.dead.jsonl'), '--json-summary']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stderr.split('\n').find((line) => line.startsWith('{'))!)).toMatchObject({ records: 0, events: 0, invalid: 0, alerts: 0 });
    expect(await jsonLines(join(dir, 'empty.alerts.jsonl'))).toEqual([]);
    expect(await jsonLines(join(dir, 'empty.dead.jsonl'))).toEqual([]);
  });

  it('refuses to start on an invalid registry: exit 3 with its errors', async () => {
    const registry = join(dir, 'broken-for-replay.yaml');
    await writeFile(registry, 'agents:\n  - id: a\n    status: sleeping\n');
    const result = await runCli(['replay', DEMO_EVENTS, '--registry', registry, '--alerts', join(dir, 'x.jsonl'), '--dead-letters', join(dir, 'x.dead.jsonl')]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('DW_REGISTRY_INVALID');
    expect(result.stderr).toContain(`${registry}:3:13: agents.0.status:`);
  });

  it('usage errors: exit 2 for a missing --registry, two inputs, an unknown flag', async () => {
    expect((await runCli(['replay', DEMO_EVENTS])).code).toBe(2);
    expect((await runCli(['replay', DEMO_EVENTS, DEMO_EVENTS, '--registry', DEMO_REGISTRY])).code).toBe(2);
    const unknown = await runCli(['replay', DEMO_EVENTS, '--registry', DEMO_REGISTRY, '--colour']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--colour');
  });

  it('a bad value for --max-event-bytes or --maturity is a usage error, not a crash', async () => {
    for (const extra of [['--max-event-bytes', 'lots'], ['--maturity', 'stable,experimental']]) {
      const result = await runCli(['replay', DEMO_EVENTS, '--registry', DEMO_REGISTRY, '--alerts', join(dir, 'y.jsonl'), '--dead-letters', join(dir, 'y.dead.jsonl'), ...extra]);
      expect(result.code).toBe(2);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('a bad --maturity is named, with the maturities allowed', async () => {
    const result = await runCli(['replay', DEMO_EVENTS, '--registry', DEMO_REGISTRY, '--maturity', 'stable,bogus,']);
    expect(result).toMatchObject({ code: 2, stderr: 'driftwatch replay: DW_USAGE: --maturity: unknown "bogus", "" (allowed: stable, incubating, sandbox)\n' });
  });

  it('writes its log lines (registry warnings) to the command stderr', async () => {
    const registry = join(dir, 'warned.yaml');
    await writeFile(registry, 'agents:\n  - id: lonely-bot\n    scope: { systems: [erp-prod] }\n');
    const result = await runCli(['replay', DEMO_EVENTS, '--registry', registry, '--alerts', join(dir, 'w.jsonl'), '--dead-letters', join(dir, 'w.dead.jsonl')]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('lonely-bot');
    expect(result.stderr).toContain('no owner');
  });
});

describe('detectors test', () => {
  it('lists a line that is not UTF-8 as an invalid event (exit 4), and runs the others', async () => {
    const events = join(dir, 'harness-not-utf8.jsonl');
    const good = '{"v":1,"id":"good","time":"2026-11-02T10:00:00Z","type":"tool_use","agent":{"id":"invoice-bot"},"tool":"erp.read_invoices","system":"hr-prod","action":"read"}';
    await writeFile(events, Buffer.concat([Buffer.from('{"v":1,"id":"bad\xff"}\n', 'latin1'), Buffer.from(`${good}\n`)]));
    const expectations = join(dir, 'harness-not-utf8.expect.jsonl');
    await writeFile(expectations, '{"agent":"invoice-bot","event":"good"}\n');
    const result = await runCli(['detectors', 'test', 'scope-violation', '--events', events, '--expect', expectations, '--registry', DEMO_REGISTRY]);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe(`invalid event ${events}:1: not valid UTF-8\nscope-violation: 1 alerts, 1 expected, 0 missing, 0 unexpected\n`);
  });
  it('lists a line above the size limit as too large, not as broken JSON', async () => {
    const events = join(dir, 'harness-oversized.jsonl');
    const good = '{"v":1,"id":"good","time":"2026-11-02T10:00:00Z","type":"tool_use","agent":{"id":"invoice-bot"},"tool":"erp.read_invoices","system":"hr-prod","action":"read"}';
    const oversized = `{"v":1,"id":"big","note":"${'x'.repeat(1024 * 1024)}"}`;
    await writeFile(events, `${oversized}\n${good}\n`);
    const expectations = join(dir, 'harness-oversized.expect.jsonl');
    await writeFile(expectations, '{"agent":"invoice-bot","event":"good"}\n');
    const result = await runCli(['detectors', 'test', 'scope-violation', '--events', events, '--expect', expectations, '--registry', DEMO_REGISTRY]);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe(`invalid event ${events}:1: event is larger than the limit of 1048576 bytes (${oversized.length})\nscope-violation: 1 alerts, 1 expected, 0 missing, 0 unexpected\n`);
  });
});

describe('run --config', () => {
  it('on a config that is an alias bomb: exit 3, DW_CONFIG_INVALID with the line that expands it, no stack trace', async () => {
    const config = join(dir, 'alias-bomb-config.yaml');
    await writeFile(config, aliasBomb(`registry: ${DEMO_REGISTRY}\nsource: { type: file, path: ${DEMO_EVENTS} }\n`));
    const result = await runCli(['run', '--config', config]);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      `driftwatch run: DW_CONFIG_INVALID: config ${config} does not validate:\n${config}:6:12: lol-f.0: cannot resolve aliases: Excessive alias count indicates a resource exhaustion attack\n`,
    );
  });

  it('--check validates the config, its registry and detectors without connecting: exit 0 and what would run; exit 3 naming the field', async () => {
    const config = join(dir, 'check-config.yaml');
    const kafka = (brokers: string, settings = '') =>
      `registry: ${DEMO_REGISTRY}\nsource: { type: kafka, brokers: [${brokers}], topics: [agent-events] }\nsinks: [{ type: file, path: ${join(dir, 'never-written.jsonl')} }]\n${settings}`;
    // A broker nothing listens on: the check does not connect.
    await writeFile(config, kafka('"127.0.0.1:1"'));
    const valid = await runCli(['run', '--config', config, '--check']);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toMatch(/check-config\.yaml: valid: source kafka agent-events \(group driftwatch\), registry .* \(\d+ agents\), \d+ detectors, sinks file\n/);
    expect(existsSync(join(dir, 'never-written.jsonl'))).toBe(false);
    await writeFile(config, kafka('"127.0.0.1"'));
    const noPort = await runCli(['run', '--config', config, '--check']);
    expect(noPort.code).toBe(3);
    expect(noPort.stderr).toContain(`${config}:2:34: source.brokers.0: must be host:port`);
    await writeFile(config, kafka('"127.0.0.1:1"', 'detectors: { settings: { scope-violation: { options: { nope: 1 } } } }\n'));
    const badOption = await runCli(['run', '--config', config, '--check']);
    expect(badOption.code).toBe(3);
    expect(badOption.stderr).toContain('DW_DETECTOR_OPTIONS_INVALID');
    await writeFile(config, kafka('"127.0.0.1:1"', 'detectors: { settings: { scope-violaton: { enabled: true } } }\n'));
    // What the job reads before it starts: its TLS files; and where it writes.
    await writeFile(config, kafka('"127.0.0.1:1"').replace('topics: [agent-events] }', `topics: [agent-events], tls: { ca: ${join(dir, 'no-such-ca.pem')} } }`));
    const noCa = await runCli(['run', '--config', config, '--check']);
    expect(noCa.code).toBe(3);
    expect(noCa.stderr).toContain('source.tls.ca');
    // A directory that would be made is not: checked only.
    await writeFile(config, kafka('"127.0.0.1:1"').replace(join(dir, 'never-written.jsonl'), join(dir, 'made-by-the-job', 'alerts.jsonl')));
    expect((await runCli(['run', '--config', config, '--check'])).code).toBe(0);
    expect(existsSync(join(dir, 'made-by-the-job'))).toBe(false);
    // Under a file: it could never be made.
    await writeFile(config, kafka('"127.0.0.1:1"').replace(join(dir, 'never-written.jsonl'), join(config, 'alerts.jsonl')));
    const unwritable = await runCli(['run', '--config', config, '--check']);
    expect(unwritable.code).not.toBe(0);
    expect(unwritable.stderr).toContain(`cannot write ${join(config, 'alerts.jsonl')}`);
    await writeFile(config, kafka('"127.0.0.1:1"', 'detectors: { settings: { scope-violaton: { enabled: true } } }\n'));
    const typo = await runCli(['run', '--config', config, '--check']);
    expect(typo.code).toBe(3);
    expect(typo.stderr).toMatch(new RegExp(`${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:\\d+: detectors\\.settings\\.scope-violaton: no such detector`));
  });
});

describe('registry check', () => {
  it('on a broken registry: exit 3 and every error with file:line:column on stderr', async () => {
    const registry = join(dir, 'broken.yaml');
    await writeFile(
      registry,
      `agents:
  - id: invoice-bot
    owner: alice@corp.example
    custodian: team-payments
    status: sleeping
    review_max_age: soon
    scope:
      systems: erp-prod
  - id: report-writer
    owner: bob@corp.example
    custodian: team-reports
    scope: { actions: [read, fly] }
`,
    );
    const result = await runCli(['registry', 'check', registry]);
    expect(result.code).toBe(3);
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('error '));
    expect(errors).toHaveLength(4);
    expect(result.stderr).toContain(`error ${registry}:5:13: agents.0.status:`);
    expect(result.stderr).toContain(`error ${registry}:6:21: agents.0.review_max_age:`);
    expect(result.stderr).toContain(`error ${registry}:8:16: agents.0.scope.systems:`);
    expect(result.stderr).toContain(`error ${registry}:12:`);
    expect(result.stderr).toContain('agents.1.scope.actions.1');
    expect(result.stderr).toContain('4 error(s)');
    expect(result.stdout).toBe('');
  });

  it('on a YAML syntax error: exit 3 with its line', async () => {
    const registry = join(dir, 'syntax.yaml');
    await writeFile(registry, 'agents:\n  - id: a\n    owner: [unclosed\n');
    const result = await runCli(['registry', 'check', registry]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(new RegExp(`error ${registry.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+:`));
  });

  it('on a valid registry: exit 0, warnings on stderr', async () => {
    const result = await runCli(['registry', 'check', DEMO_REGISTRY]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/valid, \d+ agents/);
    const warned = join(dir, 'warned-check.yaml');
    await writeFile(warned, 'agents:\n  - id: lonely-bot\n');
    const warnings = await runCli(['registry', 'check', warned]);
    expect(warnings.code).toBe(0);
    expect(warnings.stderr).toContain(`warning ${warned}:2:5: agents.0:`);
    expect(warnings.stdout).toContain('2 warning(s)');
  });

  it('on an alias bomb: exit 3 with the line that expands it, no stack trace', async () => {
    const registry = join(dir, 'alias-bomb.yaml');
    await writeFile(registry, aliasBomb('agents:\n  - id: a\n'));
    const result = await runCli(['registry', 'check', registry]);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(`error ${registry}:6:12: lol-f.0: cannot resolve aliases: Excessive alias count indicates a resource exhaustion attack\n${registry}: 1 error(s)\n`);
  });

  it('exit 3 on an unreadable file, 2 without a file', async () => {
    expect((await runCli(['registry', 'check', join(dir, 'nope.yaml')])).code).toBe(3);
    expect((await runCli(['registry', 'check'])).code).toBe(2);
  });
});

describe('commands, usage and help', () => {
  it('an unknown command exits 2 with the usage', async () => {
    const result = await runCli(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "frobnicate"');
    expect(result.stderr).toContain('Usage: driftwatch COMMAND');
    expect((await runCli(['registry', 'frob'])).code).toBe(2);
  });

  it('a command group with --help lists its commands (exit 0); alone, exit 2 with the same list', async () => {
    const help = await runCli(['detectors', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: driftwatch detectors COMMAND');
    expect(help.stdout).toContain('detectors list');
    expect(help.stdout).toContain('detectors test');
    expect((await runCli(['registry', '-h'])).stdout).toContain('registry check');
    const bare = await runCli(['detectors']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('detectors test');
  });

  it('no command exits 2 with the usage; --help exits 0 and lists every command', async () => {
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('Usage:');
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toContain(command.name);
  });

  it.each(COMMANDS.map((command) => [command.name]))('%s --help exits 0 with its usage text', async (name) => {
    for (const flag of ['--help', '-h']) {
      const result = await runCli([...name.split(' '), flag]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: driftwatch ${name}`);
      expect(result.stderr).toBe('');
    }
  });

  it('detectors list --json is one JSON document describing every detector', async () => {
    const result = await runCli(['detectors', 'list', '--json', '--detectors', E2E_PLUGINS]);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as { id: string; version: string; maturity: string; event_types: string[]; options: Record<string, unknown> }[];
    expect(Array.isArray(rows)).toBe(true);
    const ids = rows.map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(rows.find((row) => row.id === 'e2e-scope-drift')).toMatchObject({ version: '1.0.0', maturity: 'stable', event_types: ['tool_use', 'access_denied'], options: {} });
    for (const row of rows) {
      expect(row.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(['stable', 'incubating', 'sandbox']).toContain(row.maturity);
    }
  });

  it('detectors list as text names every detector', async () => {
    const result = await runCli(['detectors', 'list', '--detectors', E2E_PLUGINS]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('e2e-scope-drift 1.0.0 [stable] tool_use,access_denied');
  });

  it('--version', async () => {
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^driftwatch \d+\.\d+\.\d+/);
  });
});

describe('the built binary', () => {
  const bin = join(ROOT, 'dist/src/cli/bin.js');
  let buildOutput = '';

  beforeAll(() => {
    const started = Date.now();
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe', timeout: 110_000 });
    } catch (error) {
      // tsc emits even when files of other parts of the tree do not type-check; the binary test
      // below fails if nothing was emitted. Keep the diagnostics for the failure message.
      const failure = error as { stdout?: Buffer; stderr?: Buffer; message: string };
      buildOutput = `${failure.stdout?.toString() ?? ''}${failure.stderr?.toString() ?? ''}` || failure.message;
    }
    if (!existsSync(bin) || statSync(bin).mtimeMs < started - 1000) {
      throw new Error(`tsc -p tsconfig.build.json did not emit ${bin}:\n${buildOutput}`);
    }
  }, 120_000);

  it('node dist/src/cli/bin.js --help exits 0 with the usage', () => {
    const stdout = execFileSync(process.execPath, [bin, '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(stdout).toContain('Usage: driftwatch COMMAND');
    for (const command of COMMANDS) expect(stdout).toContain(command.name);
  });

  it('runs the compiled example detector test case and exits 0', () => {
    const stdout = execFileSync(
      process.execPath,
      [bin, 'detectors', 'test', 'after-hours-payment', '--detectors', 'dist/examples/detectors', '--events', 'examples/detectors/cases/after-hours-payment/events.jsonl', '--expect', 'examples/detectors/cases/after-hours-payment/expect.jsonl'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(stdout).toContain('— ok');
  });

  it("loads plugins from a folder outside any project that import 'driftwatch/sdk' (ESM .mjs, and .ts in a type: module folder)", async () => {
    const { dir, cleanup } = await tempDir();
    const example = await readFile(join(ROOT, 'examples/detectors/after-hours-payment.ts'), 'utf8');
    await writeFile(join(dir, 'after-hours-payment.ts'), example.replace("'../../src/sdk/index.js'", "'driftwatch/sdk'"));
    await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
    await writeFile(
      join(dir, 'quiet.mjs'),
      "import { defineDetector, z } from 'driftwatch/sdk';\n" +
        "export default defineDetector({ id: 'quiet', version: '1.0.0', description: 'never fires', eventTypes: ['tool_use'], maturity: 'sandbox', techniques: [], severity: 'low', options: z.strictObject({}), createState: () => null, score: () => undefined });\n",
    );
    try {
      const stdout = execFileSync(process.execPath, [bin, 'detectors', 'list', '--detectors', dir], { cwd: dir, encoding: 'utf8' });
      expect(stdout).toContain('after-hours-payment 1.0.0');
      expect(stdout).toContain('quiet 1.0.0');
    } finally {
      await cleanup();
    }
  });

  it('a reader that stops early (| head -1, | true) is no failure: no stack trace, exit 0', () => {
    const head = spawnSync('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${bin}" detectors list | head -1`], { cwd: ROOT, encoding: 'utf8' });
    expect(head.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect([head.stderr, head.status]).toEqual(['', 0]);
    // A reader that closes its end at once: the first write meets a closed pipe.
    const none = spawnSync('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${bin}" detectors list | (exec 0<&-; sleep 0.5)`], { cwd: ROOT, encoding: 'utf8' });
    expect([none.stderr, none.status]).toEqual(['', 0]);
  });

  it('exits 2 on an unknown command', () => {
    let status: number | null = null;
    try {
      execFileSync(process.execPath, [bin, 'frobnicate'], { cwd: ROOT, stdio: 'pipe' });
    } catch (error) {
      status = (error as { status: number }).status;
    }
    expect(status).toBe(2);
  });
});
