/**
 * The detection engineer's loop for the example plugin examples/detectors/after-hours-payment.ts:
 * `driftwatch detectors test` replays its recorded case and compares with the expected alerts.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configureDetector } from '../../../src/engine/configured-detector.js';
import { Engine, type EngineOutput } from '../../../src/engine/engine.js';
import { isDriftwatchError } from '../../../src/errors.js';
import { loadDetectorDirectory } from '../../../src/plugins/load.js';
import { parseRegistry } from '../../../src/registry/registry.js';
import afterHoursPayment from '../../../examples/detectors/after-hours-payment.js';
import { runCli } from '../../fixtures/core/cli.js';
import { widen } from '../../fixtures/core/detectors.js';
import { toolUse } from '../../fixtures/core/events.js';
import { tempDir } from '../../fixtures/core/temp.js';

const CASE = 'examples/detectors/cases/after-hours-payment';
const EVENTS = `${CASE}/events.jsonl`;
const EXPECT = `${CASE}/expect.jsonl`;
const testArgs = (events = EVENTS, expect = EXPECT, ...more: string[]) => ['detectors', 'test', 'after-hours-payment', '--detectors', 'examples/detectors', '--events', events, '--expect', expect, ...more];

describe('driftwatch detectors test (example after-hours-payment)', () => {
  it('passes on its recorded case: exit 0', async () => {
    const result = await runCli(testArgs());
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('after-hours-payment: 5 alerts, 5 expected, 0 missing, 0 unexpected — ok');
    expect(result.code).toBe(0);
  });

  it('fails with exit 4 and lists the missing and unexpected alerts when the expectation is wrong', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const wrong = join(dir, 'expect.jsonl');
      await writeFile(
        wrong,
        [
          '{"agent":"expense-assistant","key":"after-hours:payments-api","severity":"critical","event":"ahp-03"}',
          '{"agent":"expense-assistant","key":"after-hours:bank-gw","severity":"critical","event":"ahp-04"}',
          '{"agent":"expense-assistant","key":"after-hours:payments-api","severity":"critical","event":"ahp-08"}', // it is high
          '{"agent":"payroll-batch"}', // batch agents are never flagged
          '', // blank lines are fine
        ].join('\n'),
      );
      const result = await runCli(testArgs(EVENTS, wrong));
      expect(result.code).toBe(4);
      const lines = result.stdout.split('\n');
      const missing = lines.filter((l) => l.startsWith('missing'));
      const unexpected = lines.filter((l) => l.startsWith('unexpected'));
      expect(missing).toHaveLength(2);
      expect(missing.join('\n')).toContain('"event":"ahp-08"');
      expect(missing.join('\n')).toContain('"agent":"payroll-batch"');
      expect(unexpected).toHaveLength(3);
      expect(unexpected.join('\n')).toContain('"event":"ahp-08"');
      expect(unexpected.join('\n')).toContain('"severity":"high"');
      expect(unexpected.join('\n')).toContain('"event":"ahp-09"');
      expect(unexpected.join('\n')).toContain('"event":"ahp-13"');
      expect(result.stdout).toContain('5 alerts, 4 expected, 2 missing, 3 unexpected');
      expect(result.stdout).not.toContain('— ok');
    } finally {
      await cleanup();
    }
  });

  it('says why a detector failed: the last error with the count, exit 4', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(
        join(dir, 'state-in-score.mjs'),
        // Plain object and zod by path: vitest's module runner does not go through the 'driftwatch/sdk' resolve hook.
        `import { z } from '${pathToFileURL(createRequire(import.meta.url).resolve('zod')).href}';
export default {
  id: 'state-in-score', version: '1.0.0', description: 'changes its state in score', eventTypes: ['tool_use'], maturity: 'sandbox',
  techniques: [], severity: 'low', options: z.strictObject({}), createState: () => ({ n: 0 }),
  score(event, ctx) { ctx.state.n++; return undefined; },
};
`,
      );
      await writeFile(join(dir, 'none.jsonl'), '');
      const result = await runCli(['detectors', 'test', 'state-in-score', '--detectors', dir, '--events', EVENTS, '--expect', join(dir, 'none.jsonl')]);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/detector errors: \d+ \(last: score: state-in-score: score changed the state; only learn may\)/);
      expect(result.code).toBe(4);
    } finally {
      await cleanup();
    }
  });

  it('says where a detector failed: the line and id of the event, the phase, and the frame of the plugin that threw', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(
        join(dir, 'throws.mjs'),
        `import { z } from '${pathToFileURL(createRequire(import.meta.url).resolve('zod')).href}';
export default {
  id: 'throws', version: '1.0.0', description: 'throws on one event', eventTypes: ['tool_use'], maturity: 'sandbox',
  techniques: [], severity: 'low', options: z.strictObject({}), createState: () => ({}),
  score(event) {
    if (event.id === 'ahp-03') throw new Error('boom');
    return undefined;
  },
};
`,
      );
      await writeFile(join(dir, 'none.jsonl'), '');
      const result = await runCli(['detectors', 'test', 'throws', '--detectors', dir, '--events', EVENTS, '--expect', join(dir, 'none.jsonl')]);
      expect(result.code).toBe(4);
      expect(result.stdout).toContain(`detector error ${EVENTS}:3 (event ahp-03): score: boom at `);
      expect(result.stdout).toMatch(/at .*throws\.mjs:6:\d+/);
    } finally {
      await cleanup();
    }
  });

  it('takes the options from --options: business hours from 06:00 drop the 06:30 and 06:59 alerts', async () => {
    const result = await runCli(testArgs(EVENTS, EXPECT, '--options', '{"start_hour":6}'));
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('2 missing, 0 unexpected');
  });

  it('reports invalid lines of the recorded stream as a failure', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const events = join(dir, 'events.jsonl');
      await writeFile(events, '{"v":1,"id":"x","type":"tool_use"}\n');
      await copyFile(`${CASE}/registry.yaml`, join(dir, 'registry.yaml'));
      const result = await runCli(testArgs(events, EXPECT));
      expect(result.code).toBe(4);
      expect(result.stdout).toContain(`invalid event ${events}:1:`);
    } finally {
      await cleanup();
    }
  });

  it('usage errors: exit 2 for a missing --events, a bad --options, a malformed expectation file', async () => {
    expect((await runCli(['detectors', 'test', 'after-hours-payment', '--detectors', 'examples/detectors', '--expect', EXPECT])).code).toBe(2);
    expect((await runCli(testArgs(EVENTS, EXPECT, '--options', '{nope'))).code).toBe(2);
    expect((await runCli(['detectors', 'test', '--events', EVENTS, '--expect', EXPECT])).code).toBe(2);
    const { dir, cleanup } = await tempDir();
    try {
      const bad = join(dir, 'expect.jsonl');
      await writeFile(bad, '{"agent":"a"}\n{"agnt":"b"}\nnot json\n');
      const result = await runCli(testArgs(EVENTS, bad));
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${bad}:2:`);
      expect(result.stderr).toContain(`${bad}:3:`);
    } finally {
      await cleanup();
    }
  });

  it('exit 3 for an unknown detector or bad options', async () => {
    const unknown = await runCli(['detectors', 'test', 'no-such-detector', '--detectors', 'examples/detectors', '--events', EVENTS, '--expect', EXPECT]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('DW_DETECTOR_UNKNOWN');
    const badOptions = await runCli(testArgs(EVENTS, EXPECT, '--options', '{"start_hour":20,"end_hour":8}'));
    expect(badOptions.code).toBe(3);
    expect(badOptions.stderr).toContain('DW_DETECTOR_OPTIONS_INVALID');
    expect(badOptions.stderr).toContain('options.start_hour');
  });

  it('is listed by detectors list with its options', async () => {
    const result = await runCli(['detectors', 'list', '--detectors', 'examples/detectors', '--json']);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as { id: string; maturity: string; options: unknown }[];
    expect(rows.find((r) => r.id === 'after-hours-payment')).toMatchObject({ maturity: 'incubating', options: { start_hour: 7, end_hour: 19, kinds: ['assistant'] } });
  });
});

describe('after-hours-payment as a plugin', () => {
  const registry = parseRegistry(
    `agents:
  - { id: helper, kind: assistant, owner: o, custodian: c }
  - { id: ops, kind: operator, owner: o, custodian: c }
`,
    'r.yaml',
  );
  if (!registry.ok) throw new Error('registry');

  function alertsFor(events: ReturnType<typeof toolUse>[], options?: Record<string, unknown>): EngineOutput['alerts'] {
    const engine = new Engine([configureDetector(widen(afterHoursPayment), { options })], { registry: registry.ok ? registry.registry : undefined, strict: true });
    const output: EngineOutput = { alerts: [], dryRun: [] };
    for (const event of events) engine.process(event, output);
    expect(engine.stats.detectors['after-hours-payment']!.errors).toBe(0);
    return output.alerts;
  }

  const pay = (time: string, agent = 'helper', system = 'payments-api') => toolUse({ time, agent: { id: agent }, action: 'transfer', tool: 'payments.pay', system });

  it('loads from its directory as the only plugin there', async () => {
    expect((await loadDetectorDirectory('examples/detectors')).map((d) => d.id)).toEqual(['after-hours-payment']);
  });

  it('watches other kinds and other hours through its options', () => {
    const events = [pay('2026-11-03T21:30:00Z', 'ops'), pay('2026-11-04T05:30:00Z', 'helper')];
    expect(alertsFor(events)).toHaveLength(1);
    expect(alertsFor(events, { kinds: ['assistant', 'operator'] })).toHaveLength(2);
    expect(alertsFor(events, { start_hour: 5, end_hour: 22 })).toHaveLength(0);
    expect(alertsFor(events, { start_hour: 0, end_hour: 24 })).toHaveLength(0);
  });

  it('counts earlier after-hours transfers in its state and says so', () => {
    const alerts = alertsFor([pay('2026-11-03T01:00:00Z'), pay('2026-11-03T02:00:00Z'), pay('2026-11-03T03:00:00Z', 'helper', 'bank-gw')]);
    expect(alerts.map((a) => a.observed.earlier)).toEqual([0, 1, 2]);
    expect(alerts[2]!.summary).toContain('2 earlier after-hours transfer(s)');
    expect(alerts[0]!.summary).toContain('01:00 UTC');
    expect(alerts[0]!.techniques.map((t) => t.id)).toContain('T1657');
  });

  it('refuses options where the day ends before it starts', () => {
    expect(() => configureDetector(widen(afterHoursPayment), { options: { start_hour: 19, end_hour: 7 } })).toThrow(
      expect.objectContaining({ code: 'DW_DETECTOR_OPTIONS_INVALID' }),
    );
    try {
      configureDetector(widen(afterHoursPayment), { options: { hours: 3 } });
    } catch (error) {
      expect(isDriftwatchError(error, 'DW_DETECTOR_OPTIONS_INVALID')).toBe(true);
      expect((error as Error).message).toContain('hours');
    }
  });
});
