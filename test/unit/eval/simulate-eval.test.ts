/**
 * End to end through the CLI, in-process: `driftwatch simulate --agents 20 --days 10` then
 * `driftwatch eval` on what it wrote. Detection targets are not asserted here: the detectors are
 * written and tuned elsewhere; this checks that the report is produced and well-formed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { parseRegistry } from '../../../src/registry/registry.js';
import { SCENARIO_CLASSES } from '../../../src/simulate/labels.js';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => err.push(chunk.toString('utf8')));
  const code = await main(args, { stdin: new PassThrough(), stdout, stderr, env: {} });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('driftwatch simulate then eval', () => {
  let dir: string;
  let files: { events: string; registry: string; labels: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftwatch-sim-'));
    files = { events: join(dir, 'events.jsonl'), registry: join(dir, 'registry.yaml'), labels: join(dir, 'labels.json') };
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('simulate writes the events, the registry and the labels', async () => {
    const result = await cli(['simulate', '--agents', '20', '--days', '10', '--seed', '42', '--out', dir]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/driftwatch simulate: [\d,]+ events .* for 20 agents over 10 days/);
    expect(result.stderr).toContain('12 attack scenarios');
    const registry = parseRegistry(await readFile(files.registry, 'utf8'), files.registry);
    expect(registry.ok).toBe(true);
    const labels = JSON.parse(await readFile(files.labels, 'utf8'));
    expect(labels).toMatchObject({ version: 1, seed: 42, agents: 20, days: 10 });
    expect(labels.scenarios.length).toBeGreaterThanOrEqual(13);
  }, 60_000);

  it('eval --json reports every scenario class, precision and false alerts per agent-day', async () => {
    const result = await cli(['eval', '--events', files.events, '--registry', files.registry, '--labels', files.labels, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.events).toBeGreaterThan(1000);
    expect(report.invalid).toBe(0);
    expect(report.agent_days).toBe(200);
    expect(report.detectors.length).toBeGreaterThan(0);
    expect(report.classes.map((entry: { scenario: string }) => entry.scenario).sort()).toEqual([...SCENARIO_CLASSES].sort());
    for (const entry of report.classes) {
      expect(entry.count).toBe(1);
      expect(entry.recall).toBeGreaterThanOrEqual(0);
      expect(entry.recall).toBeLessThanOrEqual(1);
    }
    expect(report.overall.scenarios).toBe(12);
    expect(report.overall.true_alerts + report.overall.false_alerts).toBe(report.alerts);
    expect(report.overall.false_alerts_per_agent_day).toBeCloseTo(report.overall.false_alerts / 200, 10);
    expect(report.benign_drift.labels).toBeGreaterThanOrEqual(1);
    expect(report.scenarios).toHaveLength(12);
    expect(report.targets).toMatchObject({ failures: [], passed: true });
  }, 120_000);

  it('eval prints a table, and exits 4 when a target given on the command line is missed', async () => {
    const args = ['eval', '--events', files.events, '--registry', files.registry, '--labels', files.labels];
    const table = await cli(args);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('all attack scenarios');
    expect(table.stdout).toContain('false / agent-day');
    const strict = await cli([...args, '--max-false-per-agent-day', '0', '--min-recall', '1.01']);
    expect(strict.code).toBe(4);
    expect(strict.stdout).toContain('targets missed:');
  }, 120_000);

  it('a --min-recall-class naming a class the labels do not have is a usage error (exit 2) listing theirs, not a missed target', async () => {
    const result = await cli(['eval', '--events', files.events, '--registry', files.registry, '--labels', files.labels, '--min-recall-class', 'scope-creep=0.9', '--min-recall-class', 'bogus=0.9']);
    expect(result).toMatchObject({
      code: 2,
      stdout: '',
      stderr: `driftwatch eval: DW_USAGE: --min-recall-class: no attack scenario of class "bogus" in ${files.labels} (its classes: ${[...SCENARIO_CLASSES].sort().join(', ')})\n`,
    });
  });

  it('refuses missing options and invalid labels with a usage error', async () => {
    const missing = await cli(['eval', '--events', files.events, '--registry', files.registry]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--labels');
    const invalid = await cli(['eval', '--events', files.events, '--registry', files.registry, '--labels', files.registry]);
    expect(invalid.code).toBe(2);
    const maturity = await cli(['eval', '--events', files.events, '--registry', files.registry, '--labels', files.labels, '--maturity', 'stable,bogus']);
    expect(maturity).toMatchObject({ code: 2, stderr: 'driftwatch eval: DW_USAGE: --maturity: unknown "bogus" (allowed: stable, incubating, sandbox)\n' });
    const simulateMissing = await cli(['simulate', '--agents', '20', '--days', '10', '--out', dir]);
    expect(simulateMissing.code).toBe(2);
    expect(simulateMissing.stderr).toContain('--seed');
  });
});
