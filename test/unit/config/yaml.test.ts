import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseYaml } from '../../../src/config/yaml.js';
import { aliasBomb } from '../../fixtures/core/yaml.js';

const FILE = 'file.yaml';
const anything = z.record(z.string(), z.unknown());

describe('parseYaml aliases', () => {
  it('resolves ordinary anchors and aliases', () => {
    const result = parseYaml('base: &scope [erp-prod, crm-prod]\ncopy: *scope\n', FILE, anything);
    expect(result).toMatchObject({ ok: true, data: { base: ['erp-prod', 'crm-prod'], copy: ['erp-prod', 'crm-prod'] } });
  });

  it('refuses an alias bomb with one issue at the line that expands it, instead of throwing', () => {
    const result = parseYaml(aliasBomb('agents: []\n'), FILE, anything);
    expect(result).toEqual({
      ok: false,
      errors: [{ file: FILE, line: 6, column: 12, field: 'lol-f.0', message: 'cannot resolve aliases: Excessive alias count indicates a resource exhaustion attack' }],
    });
  });

  it('takes a registry whose agents share one anchored scope (plain reuse, not nesting), a thousand times', () => {
    const agents = Array.from({ length: 1_000 }, (_, index) => `  - { id: bot-${index}, scope: *std }`).join('\n');
    const result = parseYaml(`std: &std { systems: [erp-prod], actions: [read] }\nagents:\n${agents}\n`, FILE, anything);
    expect(result.ok).toBe(true);
  });

  it('refuses a small file whose aliases of a large list expand to millions of values', () => {
    const names = Array.from({ length: 20_000 }, (_, index) => `s${index}`).join(', ');
    const agents = Array.from({ length: 300 }, (_, index) => `  - { id: bot-${index}, scope: { systems: *big } }`).join('\n');
    const result = parseYaml(`big: &big [${names}]\nagents:\n${agents}\n`, FILE, anything);
    expect(result).toEqual({ ok: false, errors: [expect.objectContaining({ line: 1, field: '', message: expect.stringContaining('expands to more than 5,000,000 values') })] });
  });

  it('refuses an alias whose anchor is not defined before it, at the alias', () => {
    const result = parseYaml('first: 1\nowner: *nobody\n', FILE, anything);
    expect(result).toEqual({
      ok: false,
      errors: [{ file: FILE, line: 2, column: 8, field: 'owner', message: expect.stringContaining('Unresolved alias') }],
    });
  });

  // About 50 walks of the whole document in search of the failing node: seconds, tens of them on a loaded machine.
  it('places the issue at the document when only the aliases together exceed the limit', () => {
    const aliases = Array.from({ length: 10_001 }, (_, index) => `k${index}: *a`).join('\n');
    const result = parseYaml(`anchor: &a x\n${aliases}\n`, FILE, anything);
    expect(result).toEqual({ ok: false, errors: [expect.objectContaining({ line: 1, column: 1, field: '', message: expect.stringContaining('Excessive alias count') })] });
  }, 120_000);
});
