import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDriftwatchError } from '../../../src/errors.js';
import { loadRegistry, parseRegistry, type RegistryIssue } from '../../../src/registry/registry.js';
import { tempDir } from '../../fixtures/core/temp.js';

const FILE = 'agents.yaml';
const DAY = 86_400_000;

function errorsOf(text: string): RegistryIssue[] {
  const result = parseRegistry(text, FILE);
  if (result.ok) throw new Error('expected the registry to be refused');
  return result.errors;
}

function registryOf(text: string) {
  const result = parseRegistry(text, FILE);
  if (!result.ok) throw new Error(`expected a valid registry: ${JSON.stringify(result.errors)}`);
  return result.registry;
}

/** Line (1-based) of the first line of `text` that contains `needle`. */
function lineOf(text: string, needle: string, occurrence = 1): number {
  let seen = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.includes(needle) && ++seen === occurrence) return i + 1;
  }
  throw new Error(`"${needle}" not in text`);
}

const agent = (id: string, extra = '') => `  - id: ${id}
    owner: alice@corp.example
    custodian: team-payments
${extra}`;

describe('registry errors carry file, line, column and field', () => {
  it('wrong type', () => {
    const text = `agents:\n${agent('invoice-bot', '    scope:\n      systems: erp-prod\n')}`;
    const [error, ...rest] = errorsOf(text);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ file: FILE, line: lineOf(text, 'systems:'), column: 16, field: 'agents.0.scope.systems' });
    expect(error!.message).toMatch(/expected array/);
  });

  it('bad status enum', () => {
    const text = `agents:\n${agent('invoice-bot', '    status: sleeping\n')}`;
    expect(errorsOf(text)).toEqual([
      expect.objectContaining({ file: FILE, line: lineOf(text, 'status:'), column: 13, field: 'agents.0.status', message: expect.stringMatching(/active.*suspended.*retired/) }),
    ]);
  });

  it('bad action in the scope', () => {
    const text = `agents:\n${agent('invoice-bot', '    scope:\n      actions: [read, fly]\n')}`;
    expect(errorsOf(text)).toEqual([expect.objectContaining({ line: lineOf(text, 'actions:'), column: 23, field: 'agents.0.scope.actions.1' })]);
  });

  it.each([
    ['2026-02-30', 'a day that does not exist'],
    ['2026-02-29', 'February 29 of a year that is not leap'],
    ['2026-3-5', 'digits missing'],
    ['"1"', 'a number as text'],
    ['March 5', 'words'],
    ['2026-03-05T10:00', 'a time without a zone (local time)'],
    ['2026-03-05 10:00:00', 'a time with a space and without a zone'],
    ['2026-03-05T25:00:00Z', 'an hour that does not exist'],
    ['1969-12-31', 'before 1970'],
    ['2026-03-05 (Thursday)', 'text after the date'],
    ['20260305', 'a YAML number'],
  ])('a reviewed date %s (%s) is refused at its line, naming the field', (value) => {
    const text = `agents:\n${agent('invoice-bot', `    reviewed: ${value}\n`)}`;
    expect(errorsOf(text)).toEqual([
      expect.objectContaining({ file: FILE, line: lineOf(text, 'reviewed:'), column: 15, field: 'agents.0.reviewed', message: expect.stringContaining('must be a date YYYY-MM-DD or an RFC 3339 date-time with a zone') }),
    ]);
  });

  it('a YAML 1.1 timestamp for reviewed is refused with the advice to quote it: its text is lost and its day not checked', () => {
    for (const text of [`agents:\n${agent('invoice-bot', '    reviewed: !!timestamp 2026-02-30\n')}`, `%YAML 1.1\n---\nagents:\n${agent('invoice-bot', '    reviewed: 2026-02-30\n')}`]) {
      expect(errorsOf(text)).toEqual([expect.objectContaining({ line: lineOf(text, 'reviewed:'), field: 'agents.0.reviewed', message: expect.stringContaining('in quotes: a YAML 1.1 timestamp is read leniently') })]);
    }
  });

  it.each([
    ['2026-10-01', Date.UTC(2026, 9, 1)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['"2026-03-05"', Date.UTC(2026, 2, 5)],
    ['2026-03-05T10:00:00Z', Date.UTC(2026, 2, 5, 10)],
    ['2026-03-05T10:00:00.250+01:00', Date.UTC(2026, 2, 5, 9, 0, 0, 250)],
  ])('a reviewed date %s is read as epoch ms %d (a date alone: the start of that day, UTC)', (value, ms) => {
    const registry = registryOf(`agents:\n${agent('invoice-bot', `    reviewed: ${value}\n`)}`);
    expect(registry.get('invoice-bot')!.reviewedMs).toBe(ms);
  });

  it('bad duration (agent and defaults)', () => {
    const text = `defaults:\n  review_max_age: 3 months\n  credentials: { max_ttl: forever }\nagents:\n${agent('invoice-bot', '    review_max_age: soon\n')}`;
    const errors = errorsOf(text);
    expect(errors).toHaveLength(3);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'defaults.review_max_age', line: 2, column: 19, message: expect.stringMatching(/duration/) }),
        expect.objectContaining({ field: 'defaults.credentials.max_ttl', line: 3, message: expect.stringMatching(/duration/) }),
        expect.objectContaining({ field: 'agents.0.review_max_age', line: lineOf(text, 'review_max_age: soon'), column: 21 }),
      ]),
    );
  });

  it('refuses a duration of 0s, below a second or beyond 100 years (a max_ttl of 0s made every token "Infinity×" too long-lived)', () => {
    const huge = `${'9'.repeat(300)}d`;
    const text = `defaults:\n  review_max_age: 0.0000000000000000001s\n  credentials: { max_ttl: 0s }\nagents:\n${agent('invoice-bot', `    review_max_age: ${huge}\n`)}`;
    const errors = errorsOf(text);
    expect(errors.map((e) => [e.field, e.message])).toEqual(
      expect.arrayContaining([
        ['defaults.review_max_age', 'must be between 1s and 100 years (36500d)'],
        ['defaults.credentials.max_ttl', 'must be between 1s and 100 years (36500d)'],
        ['agents.0.review_max_age', 'must be between 1s and 100 years (36500d)'],
      ]),
    );
  });

  it('unknown key: reported at the line of the key and naming it', () => {
    const text = `agents:\n${agent('invoice-bot', '    colour: blue\n')}`;
    const errors = errorsOf(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('colour');
    expect(errors[0]!.field).toMatch(/^agents\.0/);
    expect(errors[0]!.file).toBe(FILE);
    // The key is on line 5; the entry it belongs to starts on line 2.
    expect(errors[0]!.line).toBe(lineOf(text, 'colour:'));
  });

  it('unknown top-level key', () => {
    const text = `# registry\n\nagents: []\nagentz: []\n`;
    const errors = errorsOf(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('agentz');
    expect(errors[0]!.line).toBe(4);
  });

  it('duplicate agent id, at the second definition, naming the first', () => {
    const text = `agents:\n${agent('invoice-bot')}${agent('report-writer')}${agent('invoice-bot')}`;
    const errors = errorsOf(text);
    expect(errors).toEqual([
      expect.objectContaining({ file: FILE, line: lineOf(text, 'id: invoice-bot', 2), column: 9, field: 'agents.2.id', message: expect.stringContaining('agents.0') }),
    ]);
    expect(errors[0]!.message).toContain('invoice-bot');
  });

  it('YAML syntax error', () => {
    const text = `agents:\n  - id: invoice-bot\n    owner: [alice\n    custodian: x\n`;
    const errors = errorsOf(text);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toMatchObject({ file: FILE, field: '' });
    expect(errors[0]!.line).toBeGreaterThanOrEqual(3);
    expect(errors[0]!.column).toBeGreaterThanOrEqual(1);
    expect(errors[0]!.message.length).toBeGreaterThan(0);
  });

  it('duplicate YAML keys are a syntax error with a line', () => {
    const text = `agents:\n  - id: a\n    id: b\n`;
    expect(errorsOf(text)[0]).toMatchObject({ line: 3 });
  });

  it('a registry without agents is refused', () => {
    expect(errorsOf('defaults: {}\n')).toEqual([expect.objectContaining({ field: 'agents' })]);
  });
});

describe('several errors in one file', () => {
  it('reports every schema error, each at its own line', () => {
    const text = `agents:
  - id: invoice-bot
    status: sleeping
    scope:
      systems: erp-prod
      actions: [read, fly]
  - id: ""
    review_max_age: 1 fortnight
    delegation: { max_depth: -1 }
`;
    const errors = errorsOf(text);
    expect(errors.map((e) => [e.field, e.line])).toEqual(
      expect.arrayContaining([
        ['agents.0.status', 3],
        ['agents.0.scope.systems', 5],
        ['agents.0.scope.actions.1', 6],
        ['agents.1.id', 7],
        ['agents.1.review_max_age', 8],
        ['agents.1.delegation.max_depth', 9],
      ]),
    );
    expect(errors).toHaveLength(6);
  });

  it('reports a duplicate id together with the schema errors of the same file', () => {
    const text = `agents:\n${agent('invoice-bot', '    status: sleeping\n')}${agent('invoice-bot')}`;
    const errors = errorsOf(text);
    expect(errors.map((e) => e.field)).toEqual(expect.arrayContaining(['agents.0.status', 'agents.1.id']));
  });

  it('reports every duplicate', () => {
    const text = `agents:\n${agent('a')}${agent('a')}${agent('b')}${agent('b')}`;
    expect(errorsOf(text).map((e) => e.field)).toEqual(['agents.1.id', 'agents.3.id']);
  });
});

describe('registry warnings', () => {
  it('warns about a missing owner or custodian and an unknown delegate, with lines, without refusing', () => {
    const text = `agents:
  - id: planner
    owner: alice@corp.example
    delegation: { may_delegate_to: [invoice-bot, ghost-bot] }
  - id: invoice-bot
    custodian: team-payments
`;
    const registry = registryOf(text);
    expect(registry.size).toBe(2);
    const warnings = registry.warnings.map((w) => ({ line: w.line, field: w.field, message: w.message }));
    expect(warnings).toEqual(
      expect.arrayContaining([
        { line: 2, field: 'agents.0', message: expect.stringMatching(/planner.*no custodian/) },
        { line: 5, field: 'agents.1', message: expect.stringMatching(/invoice-bot.*no owner/) },
        { line: 4, field: 'agents.0.delegation.may_delegate_to.1', message: expect.stringMatching(/ghost-bot.*not a registered agent/) },
      ]),
    );
    expect(warnings).toHaveLength(3);
    expect(registry.warnings.every((w) => w.file === FILE && w.column >= 1)).toBe(true);
  });

  it('has no warnings for a complete registry', () => {
    expect(registryOf(`agents:\n${agent('a')}`).warnings).toEqual([]);
  });
});

describe('registry defaults and resolution', () => {
  it('applies review_max_age 90d when the file has no defaults', () => {
    const registry = registryOf(`agents:\n${agent('a')}`);
    expect(registry.get('a')!.reviewMaxAgeMs).toBe(90 * DAY);
    expect(registry.get('a')!.status).toBe('active');
    expect(registry.get('a')!.credentials.maxTtlMs).toBeUndefined();
  });

  it('applies defaults.review_max_age and defaults.credentials.max_ttl, and lets an agent override them', () => {
    const text = `defaults:
  review_max_age: 30d
  credentials: { max_ttl: 1h, grants: [client_credentials] }
agents:
${agent('plain')}${agent('own', '    review_max_age: 2w\n    credentials: { max_ttl: 15m }\n')}${agent('partial', '    credentials: { grants: [token_exchange] }\n')}`;
    const registry = registryOf(text);
    expect(registry.get('plain')!.reviewMaxAgeMs).toBe(30 * DAY);
    expect(registry.get('plain')!.credentials).toMatchObject({ maxTtlMs: 3_600_000, grants: ['client_credentials'] });
    expect(registry.get('own')!.reviewMaxAgeMs).toBe(14 * DAY);
    expect(registry.get('own')!.credentials.maxTtlMs).toBe(15 * 60_000);
    expect(registry.get('partial')!.credentials).toMatchObject({ maxTtlMs: 3_600_000, grants: ['token_exchange'] });
  });

  it('resolves the entry: scope matchers, delegates, reviewed date, line', () => {
    const text = `agents:
${agent('invoice-bot', `    kind: assistant
    reviewed: 2026-10-01
    scope:
      systems: [erp-prod, "mail-*"]
      tools: ["erp.*", mail.send_internal]
      actions: [read, send]
    delegation: { max_depth: 2, may_delegate_to: [report-writer] }
`)}${agent('report-writer')}`;
    const a = registryOf(text).get('invoice-bot')!;
    expect(a.kind).toBe('assistant');
    expect(a.line).toBe(2);
    expect(a.reviewed).toBe('2026-10-01');
    expect(a.reviewedMs).toBe(Date.parse('2026-10-01'));
    expect(a.allows.system('mail-internal')).toBe(true);
    expect(a.allows.system('hr-prod')).toBe(false);
    expect(a.allows.tool('erp.read_invoices')).toBe(true);
    expect(a.allows.tool('mail.send_external')).toBe(false);
    expect(a.allows.action('send')).toBe(true);
    expect(a.allows.action('delete')).toBe(false);
    expect(a.allows.audience('erp-prod')).toBe(true); // audiences default to the scope systems
    expect(a.allows.tokenScope).toBeUndefined();
    expect(a.allows.delegateTo('report-writer')).toBe(true);
    expect(a.allows.delegateTo('planner')).toBe(false);
    expect(a.delegation).toEqual({ maxDepth: 2, mayDelegateTo: ['report-writer'] });
  });

  it('"*" in actions allows every action', () => {
    const a = registryOf(`agents:\n${agent('a', '    scope: { actions: ["*"] }\n')}`).get('a')!;
    expect(a.allows.action('admin')).toBe(true);
  });

  it('isHighConsequence: action names match actions, everything else is a tool glob', () => {
    const text = `agents:\n${agent('a', '    high_consequence: [transfer, delete, mail.send_external, "payments.*"]\n')}`;
    const a = registryOf(text).get('a')!;
    expect(a.isHighConsequence(undefined, 'transfer')).toBe(true);
    expect(a.isHighConsequence('erp.pay', 'transfer')).toBe(true);
    expect(a.isHighConsequence('erp.purge', 'delete')).toBe(true);
    expect(a.isHighConsequence('mail.send_external', 'send')).toBe(true);
    expect(a.isHighConsequence('payments.wire.create', 'write')).toBe(true);
    expect(a.isHighConsequence('mail.send_internal', 'send')).toBe(false);
    expect(a.isHighConsequence('erp.read_invoices', 'read')).toBe(false);
    expect(a.isHighConsequence('transfer', 'read')).toBe(false); // "transfer" is an action, not a tool glob
    expect(a.isHighConsequence(undefined, undefined)).toBe(false);
    const none = registryOf(`agents:\n${agent('b')}`).get('b')!;
    expect(none.isHighConsequence('payments.wire', 'transfer')).toBe(false);
  });
});

describe('loadRegistry', () => {
  it('loads a file and throws DW_REGISTRY_INVALID with every issue otherwise', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const good = join(dir, 'good.yaml');
      await writeFile(good, `agents:\n${agent('a')}`);
      expect((await loadRegistry(good)).get('a')?.owner).toBe('alice@corp.example');

      const bad = join(dir, 'bad.yaml');
      await writeFile(bad, `agents:\n${agent('a', '    status: x\n    scope: { systems: 1 }\n')}`);
      const error = await loadRegistry(bad).then(() => undefined, (e: unknown) => e);
      expect(isDriftwatchError(error, 'DW_REGISTRY_INVALID')).toBe(true);
      expect((error as Error).message).toContain(`${bad}:5:13: agents.0.status:`);
      expect((error as Error).message).toContain('agents.0.scope.systems');
      expect((error as { details: unknown[] }).details).toHaveLength(2);

      const missing = await loadRegistry(join(dir, 'nope.yaml')).then(() => undefined, (e: unknown) => e);
      expect(isDriftwatchError(missing, 'DW_REGISTRY_INVALID')).toBe(true);
    } finally {
      await cleanup();
    }
  });
});

describe('shared matchers', () => {
  const text = `agents:
  - { id: a, scope: { systems: [erp-prod, "mail-*"], tools: ["erp.*"], actions: [read, send] }, high_consequence: [transfer, "erp.pay*"], delegation: { may_delegate_to: [b] } }
  - { id: b, scope: { systems: ["mail-*", erp-prod, erp-prod], tools: ["erp.*"], actions: [send, read] }, high_consequence: ["erp.pay*", transfer], delegation: { may_delegate_to: [b] } }
  - { id: c, scope: { systems: [warehouse], tools: ["*"], actions: ["*"] }, high_consequence: [delete] }
`;

  it('agents registered with the same lists (in any order) share one matcher; others keep their own verdicts', () => {
    const registry = registryOf(text);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => registry.get(id)!);
    expect(b!.allows.system).toBe(a!.allows.system);
    expect(b!.allows.tool).toBe(a!.allows.tool);
    expect(b!.allows.action).toBe(a!.allows.action);
    expect(b!.allows.delegateTo).toBe(a!.allows.delegateTo);
    expect(b!.isHighConsequence).toBe(a!.isHighConsequence);
    expect(c!.allows.system).not.toBe(a!.allows.system);

    expect(a!.allows.system('mail-internal')).toBe(true);
    expect(a!.allows.system('warehouse')).toBe(false);
    expect(c!.allows.system('warehouse')).toBe(true);
    expect(c!.allows.system('erp-prod')).toBe(false);
    expect(a!.allows.action('delete')).toBe(false);
    expect(c!.allows.action('delete')).toBe(true);
    expect(a!.isHighConsequence('erp.payment_run', 'read')).toBe(true);
    expect(a!.isHighConsequence('erp.read', 'transfer')).toBe(true);
    expect(a!.isHighConsequence('erp.read', 'delete')).toBe(false);
    expect(c!.isHighConsequence('erp.read', 'delete')).toBe(true);
    expect(a!.allows.delegateTo('b')).toBe(true);
    expect(c!.allows.delegateTo('b')).toBe(false);
  });
});

describe('glob patterns in the registry', () => {
  it('refuses braces nested past the limit at their line, instead of overflowing the stack while compiling them', () => {
    const deep = `${'{a,'.repeat(5_000)}x${'}'.repeat(5_000)}`;
    const text = ['agents:', '  - id: bot', '    owner: ops@corp.example', '    scope:', `      systems: ["${deep}"]`, '      actions: [read]'].join('\n');
    const errors = errorsOf(text);
    expect(errors).toEqual([expect.objectContaining({ line: 5, field: 'agents.0.scope.systems.0', message: expect.stringContaining('more than 32 deep') })]);
    const limit = `${'{a,'.repeat(32)}x${'}'.repeat(32)}`;
    const registry = registryOf(text.replace(deep, limit));
    expect(registry.get('bot')?.allows.system('x')).toBe(true);
    expect(registry.get('bot')?.allows.system('a')).toBe(true);
    expect(registry.get('bot')?.allows.system('y')).toBe(false);
  });
});
