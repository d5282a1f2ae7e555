import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configureDetector } from '../../../src/engine/configured-detector.js';
import { Engine, type EngineOutput } from '../../../src/engine/engine.js';
import { loadRegistry, type Registry } from '../../../src/registry/registry.js';
import { watchRegistry } from '../../../src/registry/watch.js';
import type { Logger, LogLevel } from '../../../src/telemetry/log.js';
import { outOfScope, widen } from '../../fixtures/core/detectors.js';
import { toolUse } from '../../fixtures/core/events.js';
import { sleep, tempDir, waitFor } from '../../fixtures/core/temp.js';
import { aliasBomb } from '../../fixtures/core/yaml.js';

const registryText = (systems: string[], extraAgent = '') => `agents:
  - id: invoice-bot
    owner: alice@corp.example
    custodian: team-payments
    scope:
      systems: [${systems.join(', ')}]
${extraAgent}`;

interface Logged { level: LogLevel; message: string; fields?: Record<string, unknown> }

/** Runs `body`, then fails if a promise rejected without a handler meanwhile (in a real process, that ends it). */
async function withoutUnhandledRejections(body: () => Promise<void>): Promise<void> {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  try {
    await body();
    await sleep(50);
  } finally {
    process.off('unhandledRejection', onRejection);
  }
  expect(rejections).toEqual([]);
}

describe('watchRegistry', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let path: string;
  let logged: Logged[];
  let logger: Logger;
  let stop: (() => void) | undefined;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    path = join(dir, 'registry.yaml');
    logged = [];
    logger = { log: (level, message, fields) => logged.push({ level, message, fields }) };
  });

  afterEach(async () => {
    stop?.();
    stop = undefined;
    await cleanup();
  });

  async function start(onApply: (registry: Registry) => void): Promise<void> {
    stop = watchRegistry(path, onApply, logger, 20);
    await sleep(100); // let the watcher take its baseline before the test writes
  }

  it('applies a new valid file to a running engine and keeps every agent state', async () => {
    await writeFile(path, registryText(['erp-prod']));
    const engine = new Engine([configureDetector(widen(outOfScope))], { registry: await loadRegistry(path) });
    const output: EngineOutput = { alerts: [], dryRun: [] };
    engine.process(toolUse({ system: 'erp-prod' }), output);
    engine.process(toolUse({ system: 'erp-prod' }), output);
    engine.process(toolUse({ system: 'hr-prod' }), output);
    expect(output.alerts.map((a) => a.key)).toEqual(['system:hr-prod']);
    const before = engine.agentState('invoice-bot');

    let applied = 0;
    await start((registry) => {
      applied++;
      engine.setRegistry(registry);
    });
    await writeFile(path, registryText(['erp-prod', 'hr-prod', 'crm-prod'], '  - id: report-writer\n    owner: bob\n    custodian: team-reports\n'));
    await waitFor(() => engine.currentRegistry.get('report-writer') !== undefined, 'the new registry to be applied');

    expect(applied).toBeGreaterThanOrEqual(1);
    expect(engine.agentState('invoice-bot')).toBe(before);
    expect(engine.agentState('invoice-bot')!.detectors[0]).toEqual({ events: 3, systems: ['erp-prod', 'hr-prod'] });
    // The new scope is in force and the baseline goes on from where it was.
    const after: EngineOutput = { alerts: [], dryRun: [] };
    engine.process(toolUse({ system: 'crm-prod' }), after);
    expect(after.alerts).toEqual([]);
    expect(engine.agentState('invoice-bot')!.detectors[0]).toMatchObject({ events: 4 });
    expect(logged).toContainEqual(expect.objectContaining({ level: 'info', message: 'registry reloaded', fields: expect.objectContaining({ agents: 2 }) }));
  });

  it('refuses a broken file with every error logged, and the registry in force stays', async () => {
    await writeFile(path, registryText(['erp-prod']));
    const initial = await loadRegistry(path);
    let current = initial;
    await start((registry) => (current = registry));

    await writeFile(path, `agents:\n  - id: invoice-bot\n    status: sleeping\n    scope:\n      systems: erp-prod\n`);
    await waitFor(() => logged.some((l) => l.level === 'error'), 'the refusal to be logged');

    const refusal = logged.find((l) => l.level === 'error')!;
    // One line: the errors are a field of the entry, not lines of its message.
    expect(refusal.message).toBe('registry reload refused; keeping the registry in force');
    const errors = (refusal.fields as { errors: string[] }).errors;
    expect(errors).toEqual([expect.stringContaining(`${path}:3:13: agents.0.status:`), expect.stringContaining(`${path}:5:16: agents.0.scope.systems:`)]);
    expect(current).toBe(initial);

    // A fixed file afterwards is applied.
    await writeFile(path, registryText(['erp-prod', 'hr-prod']));
    await waitFor(() => current !== initial, 'the fixed registry to be applied');
    expect(current.get('invoice-bot')!.allows.system('hr-prod')).toBe(true);
  });

  it('refuses a file with a YAML syntax error and keeps the registry', async () => {
    await writeFile(path, registryText(['erp-prod']));
    let applied = 0;
    await start(() => applied++);
    await writeFile(path, 'agents:\n  - id: [unclosed\n');
    await waitFor(() => logged.some((l) => l.level === 'error'), 'the refusal to be logged');
    expect(applied).toBe(0);
  });

  it('refuses an alias bomb with its line, keeps the registry, and rejects nothing', async () => {
    await withoutUnhandledRejections(async () => {
      await writeFile(path, registryText(['erp-prod']));
      const initial = await loadRegistry(path);
      let current = initial;
      await start((registry) => (current = registry));
      await writeFile(path, aliasBomb(registryText(['erp-prod', 'hr-prod'])));
      await waitFor(() => logged.some((l) => l.level === 'error'), 'the refusal to be logged');
      expect(logged.find((l) => l.level === 'error')!.fields).toMatchObject({
        errors: [`${path}:6:12: lol-f.0: cannot resolve aliases: Excessive alias count indicates a resource exhaustion attack`],
      });
      expect(current).toBe(initial);
    });
  });

  it('refuses a reload that fails in any other way, keeps watching, and rejects nothing', async () => {
    await withoutUnhandledRejections(async () => {
      await writeFile(path, registryText(['erp-prod']));
      let applied: Registry | undefined;
      let failNext = true;
      await start((registry) => {
        if (failNext) {
          failNext = false;
          throw new Error('engine is busy');
        }
        applied = registry;
      });
      await writeFile(path, registryText(['erp-prod', 'hr-prod']));
      await waitFor(() => logged.some((l) => l.level === 'error'), 'the refusal to be logged');
      expect(logged.find((l) => l.level === 'error')!).toMatchObject({ message: 'registry reload refused; keeping the registry in force', fields: { errors: ['engine is busy'] } });
      await writeFile(path, registryText(['erp-prod', 'crm-prod']));
      await waitFor(() => applied !== undefined, 'the next change to be applied');
      expect(applied!.get('invoice-bot')!.allows.system('crm-prod')).toBe(true);
    });
  });

  it('sees an editor-style write to a temporary file renamed over the registry', async () => {
    await writeFile(path, registryText(['erp-prod']));
    let current: Registry | undefined;
    await start((registry) => (current = registry));
    const temporary = join(dir, '.registry.yaml.swp');
    await writeFile(temporary, registryText(['erp-prod', 'warehouse']));
    await rename(temporary, path);
    await waitFor(() => current !== undefined, 'the renamed registry to be applied');
    expect(current!.get('invoice-bot')!.allows.system('warehouse')).toBe(true);
  });

  it('sees a Kubernetes ConfigMap update: the ..data symlink swapped to a new version directory', async () => {
    const version = async (name: string, systems: string[]) => {
      await mkdir(join(dir, name));
      await writeFile(join(dir, name, 'registry.yaml'), registryText(systems));
    };
    await version('..2026_11_24_01', ['erp-prod']);
    await symlink('..2026_11_24_01', join(dir, '..data'));
    await symlink(join('..data', 'registry.yaml'), path);
    let current = await loadRegistry(path);
    await start((registry) => (current = registry));
    await version('..2026_11_24_02', ['erp-prod', 'hr-prod']);
    await symlink('..2026_11_24_02', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await waitFor(() => current.get('invoice-bot')!.allows.system('hr-prod'), 'the swapped version to be applied', 3000);
  });

  it('ignores other files in the directory and does not re-apply an unchanged file', async () => {
    await writeFile(path, registryText(['erp-prod']));
    let applied = 0;
    await start(() => applied++);
    await writeFile(join(dir, 'other.yaml'), 'not: a registry\n');
    await writeFile(path, registryText(['erp-prod'])); // same text: nothing to apply
    await sleep(300);
    expect(applied).toBe(0);
    expect(logged.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('applies a change written right after the watch starts (the running registry was loaded before)', async () => {
    await writeFile(path, registryText(['erp-prod']));
    const initial = await loadRegistry(path);
    let current = initial;
    stop = watchRegistry(path, (registry) => (current = registry), logger, 20);
    // No pause: the file changes while the watcher is still reading its baseline.
    await writeFile(path, registryText(['erp-prod', 'hr-prod']));
    await waitFor(() => current.get('invoice-bot')!.allows.system('hr-prod'), 'the change to be applied', 3000);
  });

  it('stops watching when the returned function is called', async () => {
    await writeFile(path, registryText(['erp-prod']));
    let applied = 0;
    await start(() => applied++);
    stop!();
    stop = undefined;
    await writeFile(path, registryText(['hr-prod']));
    await sleep(300);
    expect(applied).toBe(0);
  });
});
