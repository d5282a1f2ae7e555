import { createRequire } from 'node:module';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configureDetector } from '../../../src/engine/configured-detector.js';
import { Engine, type EngineOutput } from '../../../src/engine/engine.js';
import { isDriftwatchError } from '../../../src/errors.js';
import { loadDetectorDirectory, loadDetectors } from '../../../src/plugins/load.js';
import { accessDenied, toolUse } from '../../fixtures/core/events.js';
import { tempDir } from '../../fixtures/core/temp.js';

const PLUGINS = resolve('test/fixtures/core/plugins');
const SDK_URL = pathToFileURL(resolve('src/sdk/index.js')).href;
const ZOD_URL = pathToFileURL(createRequire(import.meta.url).resolve('zod')).href;

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('loadDetectorDirectory', () => {
  it('loads a .ts plugin (compiled on load) and a .mjs plugin (named export), skipping other files', async () => {
    const detectors = await loadDetectorDirectory(join(PLUGINS, 'valid'));
    expect(detectors.map((d) => d.id)).toEqual(['fixture-denied-admin', 'fixture-mass-read']); // sorted by file name
    const massRead = detectors[1]!;
    expect(massRead).toMatchObject({ version: '1.2.0', maturity: 'incubating', eventTypes: ['tool_use'] });
    expect(massRead.options.parse({})).toEqual({ maxRecords: 1000 });

    // The loaded definitions run in the engine like built-ins.
    const engine = new Engine(detectors.map((d) => configureDetector(d, { options: d.id === 'fixture-mass-read' ? { maxRecords: 10 } : {} })));
    const output: EngineOutput = { alerts: [], dryRun: [] };
    engine.process(toolUse({ records: 50 }), output);
    engine.process(accessDenied({ action: 'admin' }), output);
    expect(output.alerts.map((a) => a.detector).sort()).toEqual(['fixture-denied-admin', 'fixture-mass-read']);
  });

  it('resolves a relative directory from the working directory', async () => {
    expect((await loadDetectorDirectory('test/fixtures/core/plugins/valid')).length).toBe(2);
  });

  it('rejects a module that exports no valid definition with DW_DETECTOR_INVALID and its problems', async () => {
    const error = await failure(loadDetectorDirectory(join(PLUGINS, 'invalid')));
    expect(isDriftwatchError(error, 'DW_DETECTOR_INVALID')).toBe(true);
    expect(error.message).toContain('half-done.mjs');
    for (const problem of ['id: must be kebab-case', 'version: must be semver', 'eventTypes: at least one', 'maturity: one of', 'options: a zod schema', 'score: a function']) {
      expect(error.message).toContain(problem);
    }
  });

  it('rejects a module that exports nothing', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(join(dir, 'empty.mjs'), 'export {};\n');
      const error = await failure(loadDetectorDirectory(dir));
      expect(isDriftwatchError(error, 'DW_DETECTOR_INVALID')).toBe(true);
      expect(error.message).toContain('exports nothing');
    } finally {
      await cleanup();
    }
  });

  it('rejects a module with two definitions', async () => {
    const error = await failure(loadDetectorDirectory(join(PLUGINS, 'two-definitions')));
    expect(error.code).toBe('DW_DETECTOR_INVALID');
    expect(error.message).toContain('more than one');
  });

  it('rejects a module that throws on import, and a directory that does not exist', async () => {
    const thrown = await failure(loadDetectorDirectory(join(PLUGINS, 'broken-import')));
    expect(thrown.code).toBe('DW_DETECTOR_INVALID');
    expect(thrown.message).toContain('plugin failed to initialise');
    const missing = await failure(loadDetectorDirectory(join(PLUGINS, 'no-such-dir')));
    expect(missing.code).toBe('DW_DETECTOR_INVALID');
  });

  it('a plugin that cannot find driftwatch/sdk is told how to become an ES module, without a require stack', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(join(dir, 'commonjs.ts'), `import { defineDetector } from 'driftwatch/sdk';\nexport default defineDetector({} as never);\n`);
      const error = await failure(loadDetectorDirectory(dir));
      expect(error.code).toBe('DW_DETECTOR_INVALID');
      expect(error.message).toContain(`(put a package.json with {"type": "module"} in ${dir}, or name the file .mts/.mjs)`);
      expect(error.message).not.toContain('\n');
    } finally {
      await cleanup();
    }
  });

  it('rejects options without defaults', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(
        join(dir, 'needs-option.mjs'),
        `import { z } from '${ZOD_URL}';
export default { id: 'needs-option', version: '1.0.0', description: 'x', eventTypes: ['tool_use'], maturity: 'stable', techniques: [], severity: 'low',
  options: z.strictObject({ threshold: z.number() }), createState: () => ({}), score: () => undefined };
`,
      );
      const error = await failure(loadDetectorDirectory(dir));
      expect(error.message).toContain('every option needs a default');
    } finally {
      await cleanup();
    }
  });

  it('names what is wrong in a definition: an unknown event type, techniques as strings, a suppressFor that is no duration, defaults that fail their own check', async () => {
    const { dir, cleanup } = await tempDir();
    const definition = (fields: string) =>
      `import { z } from '${ZOD_URL}';\nexport default { id: 'odd', version: '1.0.0', description: 'x', eventTypes: ['tool_use'], maturity: 'stable', techniques: [], severity: 'low', options: z.strictObject({}), createState: () => ({}), score: () => undefined, ${fields} };\n`;
    const cases: Array<[string, string]> = [
      ["eventTypes: ['tool_call']", 'eventTypes: "tool_call" is no event type (tool_use, token_issued, access_denied)'],
      ["techniques: ['T1657']", 'techniques[0]: entries of TECHNIQUES (objects with framework, id and name), not strings (got "T1657")'],
      ['techniques: [{ framework: "mitre-attack", id: "T1", name: "x" }, undefined]', 'techniques[1]: entries of TECHNIQUES (objects with framework, id and name), not strings (got undefined: a misspelt TECHNIQUES name?)'],
      ["suppressFor: '10 minutes'", 'suppressFor: a duration like 30s, 15m, 1h, 1d (got "10 minutes")'],
      ['options: z.strictObject({ a: z.number().default(5), b: z.number().default(1) }).refine((o) => o.a < o.b, { message: "a must be below b" })', 'options: the defaults do not validate ((options): a must be below b)'],
      // A loose schema would drop a misspelt option and run on the default.
      ['options: z.object({ max: z.number().default(5) })', 'options: unknown options must be refused (use z.strictObject, not z.object)'],
      // The engine runs detectors synchronously: a promise would settle after the batch, its rejection unhandled.
      ['score: async () => undefined', 'score: must be synchronous (it is an async function)'],
      ['learn: async () => {}', 'learn: must be synchronous (it is an async function)'],
      ['createState: async () => ({})', 'createState: must be synchronous (it is an async function)'],
    ];
    try {
      for (const [index, [fields, problem]] of cases.entries()) {
        // A file of its own each: a module imported once is not imported again.
        const file = join(dir, `odd-${index}.mjs`);
        await writeFile(file, definition(fields));
        const error = await failure(loadDetectorDirectory(dir));
        expect(error.code, fields).toBe('DW_DETECTOR_INVALID');
        expect(error.message, fields).toContain(problem);
        await rm(file);
      }
    } finally {
      await cleanup();
    }
  });

  it('keeps the file, line and column of a TypeScript syntax error; no ES-module hint for a misspelled SDK export; CommonJS files refused, not skipped', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(join(dir, 'package.json'), '{"type": "module"}\n');
      await writeFile(join(dir, 'boom.ts'), `import { defineDetector } from '${SDK_URL}';\nexport default defineDetector({\n  id: 'x',,\n} as never);\n`);
      const syntax = await failure(loadDetectorDirectory(dir));
      expect(syntax.message).toMatch(/boom\.ts: cannot be loaded: .*boom\.ts:3:\d+: ERROR: /);
      expect(syntax.message).not.toContain('\n');
      await rm(join(dir, 'boom.ts'));
      await writeFile(join(dir, 'boom2.ts'), `import { defineDetektor } from '${SDK_URL}';\nexport default defineDetektor({} as never);\n`);
      const misspelled = await failure(loadDetectorDirectory(dir));
      expect(misspelled.message).toContain('defineDetektor');
      expect(misspelled.message).not.toContain('put a package.json');
      await rm(join(dir, 'boom2.ts'));
      await writeFile(join(dir, 'legacy.cjs'), 'module.exports = {};\n');
      const commonJs = await failure(loadDetectorDirectory(dir));
      expect(commonJs.message).toBe(`${join(dir, 'legacy.cjs')}: CommonJS plugins are not loaded: write the detector as an ES module (.mjs, .mts, or .js/.ts beside a package.json with {"type": "module"})`);
    } finally {
      await cleanup();
    }
  });

  it('loads a .ts plugin from a third-party directory outside any package', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(
        join(dir, 'night-owl.ts'),
        `import { defineDetector, z } from '${SDK_URL}';
export default defineDetector({
  id: 'night-owl', version: '1.0.0', description: 'activity at night', eventTypes: ['tool_use'], maturity: 'stable',
  techniques: [], severity: 'low', options: z.strictObject({}), createState: () => ({}),
  score: () => undefined,
});
`,
      );
      const detectors = await loadDetectorDirectory(dir);
      expect(detectors.map((d) => d.id)).toEqual(['night-owl']);
    } finally {
      await cleanup();
    }
  });

  it('loads a .mts plugin from a third-party directory', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(
        join(dir, 'night-owl.mts'),
        `import { defineDetector, z } from '${SDK_URL}';
export default defineDetector({
  id: 'night-owl-mts', version: '1.0.0', description: 'activity at night', eventTypes: ['tool_use'], maturity: 'stable',
  techniques: [], severity: 'low', options: z.strictObject({}), createState: () => ({}), score: () => undefined,
});
`,
      );
      expect((await loadDetectorDirectory(dir)).map((d) => d.id)).toEqual(['night-owl-mts']);
    } finally {
      await cleanup();
    }
  });
});

describe('loadDetectors', () => {
  it('rejects two plugins with the same id in one directory', async () => {
    const error = await failure(loadDetectors([join(PLUGINS, 'duplicate')]));
    expect(error.code).toBe('DW_DETECTOR_INVALID');
    // Both files named.
    expect(error.message).toMatch(new RegExp(`two detectors have the id "fixture-same-id": ${join(PLUGINS, 'duplicate')}/\\S+ and ${join(PLUGINS, 'duplicate')}/\\S+$`));
  });

  it('loads a directory named twice once (in the config and on the command line, by another path)', async () => {
    const valid = join(PLUGINS, 'valid');
    const detectors = await loadDetectors([valid, `${valid}/../valid/`]);
    expect(detectors.filter((detector) => detector.id === 'fixture-mass-read')).toHaveLength(1);
  });

  it('rejects the same plugin id from two directories', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(
        join(dir, 'copy.mjs'),
        `import { z } from '${ZOD_URL}';
export default { id: 'fixture-mass-read', version: '9.0.0', description: 'x', eventTypes: ['tool_use'], maturity: 'stable', techniques: [], severity: 'low', options: z.strictObject({}), createState: () => ({}), score: () => undefined };
`,
      );
      const error = await failure(loadDetectors([join(PLUGINS, 'valid'), dir]));
      expect(error.code).toBe('DW_DETECTOR_INVALID');
      expect(error.message).toContain('"fixture-mass-read"');
    } finally {
      await cleanup();
    }
  });

  it('rejects a plugin that takes the id of a built-in detector', async () => {
    const builtins = await loadDetectors([]);
    if (builtins.length === 0) return; // no built-in to collide with yet
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(
        join(dir, 'impostor.mjs'),
        `import { z } from '${ZOD_URL}';
export default { id: '${builtins[0]!.id}', version: '1.0.0', description: 'x', eventTypes: ['tool_use'], maturity: 'stable', techniques: [], severity: 'low', options: z.strictObject({}), createState: () => ({}), score: () => undefined };
`,
      );
      const error = await failure(loadDetectors([dir]));
      expect(error.code).toBe('DW_DETECTOR_INVALID');
      expect(error.message).toBe(`two detectors have the id "${builtins[0]!.id}": the built-in detector and ${join(dir, 'impostor.mjs')}`);
    } finally {
      await cleanup();
    }
  });

  it('puts the built-ins first, then the plugins in directory order', async () => {
    const builtins = await loadDetectors([]);
    const all = await loadDetectors([join(PLUGINS, 'valid')]);
    expect(all.map((d) => d.id)).toEqual([...builtins.map((d) => d.id), 'fixture-denied-admin', 'fixture-mass-read']);
  });
});
