import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_FIELD_LENGTH } from '../../../src/events/contract.js';
import { compileGlobs } from '../../../src/registry/glob.js';

const matches = (patterns: string | string[], value: string) => compileGlobs(Array.isArray(patterns) ? patterns : [patterns])(value);

/** The glob semantics as a regex (what compileGlobs used to run): the reference the matchers are held to. */
function referenceSource(pattern: string): string {
  let source = '';
  let braceDepth = 0;
  for (const char of pattern) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '{') {
      braceDepth++;
      source += '(?:';
    } else if (char === '}' && braceDepth > 0) {
      braceDepth--;
      source += ')';
    } else if (char === ',' && braceDepth > 0) source += '|';
    else source += char.replace(/[.+^$()|[\]\\{}]/g, '\\$&');
  }
  return source + ')'.repeat(braceDepth);
}

const reference = (patterns: readonly string[]) => new RegExp(`^(?:${patterns.map(referenceSource).join('|')})$`, 's');

describe('scope globs', () => {
  it('"*" matches any run of characters, dots and slashes included', () => {
    expect(matches('erp.*', 'erp.read_invoices')).toBe(true);
    expect(matches('erp.*', 'erp.')).toBe(true);
    expect(matches('erp.*', 'erp.ledger.read/2026/q4')).toBe(true);
    expect(matches('db-*-prod', 'db-eu/west.1-prod')).toBe(true);
    expect(matches('erp.*', 'erpxread')).toBe(false); // the dot is literal
    expect(matches('erp.*', 'crm.erp.read')).toBe(false); // anchored
    expect(matches('*', '')).toBe(true);
    expect(matches(['hr-prod', '*'], 'anything/at.all')).toBe(true);
  });

  it('"?" matches exactly one character', () => {
    expect(matches('mail.sen?', 'mail.send')).toBe(true);
    expect(matches('mail.sen?', 'mail.sen')).toBe(false);
    expect(matches('mail.sen?', 'mail.sends')).toBe(false);
    expect(matches('a?c', 'a/c')).toBe(true);
    expect(matches('a?c', 'a.c')).toBe(true);
  });

  it('"{a,b}" matches one of the alternatives, which may hold globs', () => {
    expect(matches('erp.{read,write}_*', 'erp.read_invoices')).toBe(true);
    expect(matches('erp.{read,write}_*', 'erp.write_ledger')).toBe(true);
    expect(matches('erp.{read,write}_*', 'erp.delete_ledger')).toBe(false);
    expect(matches('{erp,crm}-{prod,stage}', 'crm-stage')).toBe(true);
    expect(matches('{erp,crm}-{prod,stage}', 'crm-dev')).toBe(false);
    expect(matches('svc-{a*,b?}', 'svc-alpha')).toBe(true);
    expect(matches('svc-{a*,b?}', 'svc-bx')).toBe(true);
    expect(matches('svc-{a*,b?}', 'svc-bxx')).toBe(false);
    expect(matches('a,b', 'a,b')).toBe(true); // a comma outside braces is literal
  });

  it.each([
    ['c++', 'c++', ['cc', 'c+++', 'c']],
    ['tool(1)', 'tool(1)', ['tool1', 'tool(1']],
    ['a|b', 'a|b', ['a', 'b']],
    ['x$y', 'x$y', ['x']],
    ['^z', '^z', ['z']],
    ['[abc]', '[abc]', ['a', 'b']],
    ['a\\d', 'a\\d', ['a1']],
    ['a}b', 'a}b', ['ab']],
    ['1.0', '1.0', ['1x0']],
  ])('regex characters are literal: %s', (pattern, literal, others) => {
    expect(matches(pattern, literal)).toBe(true);
    for (const other of others) expect(matches(pattern, other)).toBe(false);
  });

  it('is case-sensitive and anchored', () => {
    expect(matches('erp-prod', 'ERP-prod')).toBe(false);
    expect(matches('erp', 'erp-prod')).toBe(false);
    expect(matches('prod', 'erp-prod')).toBe(false);
  });

  it('an empty list matches nothing; a list matches if any pattern does', () => {
    expect(compileGlobs([])('anything')).toBe(false);
    expect(compileGlobs([])('')).toBe(false);
    expect(matches(['erp-prod', 'mail-*'], 'mail-internal')).toBe(true);
    expect(matches(['erp-prod', 'mail-*'], 'hr-prod')).toBe(false);
  });

  it('a pattern without glob characters matches itself and nothing else', () => {
    const literal = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => !/[*?{}]/.test(s));
    fc.assert(
      fc.property(literal, literal, (pattern, other) => {
        expect(matches(pattern, pattern)).toBe(true);
        expect(matches(pattern, other)).toBe(pattern === other);
      }),
      { numRuns: 500 },
    );
  });

  it('"prefix*" matches exactly the strings that start with the prefix', () => {
    const text = fc.string({ maxLength: 12 }).filter((s) => !/[*?{}]/.test(s));
    fc.assert(
      fc.property(text, text, (prefix, value) => {
        expect(matches(`${prefix}*`, value)).toBe(value.startsWith(prefix));
      }),
      { numRuns: 500 },
    );
  });

  it('a list gives the same verdicts as one regex of all its patterns (the fast paths change nothing)', () => {
    const piece = fc.constantFrom('a', 'b', '.', '-', '*', '?', '{a,b}', 'ab');
    const pattern = fc.array(piece, { minLength: 1, maxLength: 5 }).map((parts) => parts.join(''));
    const value = fc.array(fc.constantFrom('a', 'b', '.', '-', 'x'), { maxLength: 7 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 4 }), value, (patterns, candidate) => {
        expect(compileGlobs(patterns)(candidate)).toBe(reference(patterns).test(candidate));
      }),
      { numRuns: 2000 },
    );
  });

  it('braces nest, may be empty or unclosed, and a stray "}" or "," is literal (as the regex reading had it)', () => {
    const piece = fc.constantFrom('a', 'b', '-', '*', '?', '{', '}', ',', '\n');
    const pattern = fc.array(piece, { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));
    const value = fc.array(fc.constantFrom('a', 'b', '-', ',', '}', '{', '\n'), { maxLength: 8 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 3 }), value, (patterns, candidate) => {
        expect(compileGlobs(patterns)(candidate)).toBe(reference(patterns).test(candidate));
      }),
      { numRuns: 3000 },
    );
    expect(matches('x{a,{b,c}d}', 'xcd')).toBe(true);
    expect(matches('x{a,{b,c}d}', 'xc')).toBe(false);
    expect(matches('x{}y', 'xy')).toBe(true);
    expect(matches('x{a,}', 'x')).toBe(true);
    expect(matches('x{a,b', 'xb')).toBe(true);
  });

  it('"*" and "?" match line breaks in every shape of pattern, as "prefix*" always did', () => {
    expect(matches('db-*', 'db-\n')).toBe(true);
    expect(matches('db-*-prod', 'db-eu\n-prod')).toBe(true);
    expect(matches('db-?-prod', 'db-\n-prod')).toBe(true);
    expect(matches('{db,dw}-*-prod', 'dw-\r\n-prod')).toBe(true);
    expect(matches('*-prod', '\u2028-prod')).toBe(true);
  });

  // A backtracking regex takes minutes on these (exponential in the stars); the test's default
  // timeout is the guard, the assertions that every verdict is right.
  it('takes no backtracking time on many stars against a long value', () => {
    const dashes = '-'.repeat(MAX_FIELD_LENGTH);
    expect(matches('*-*-*-*-prod', dashes)).toBe(false);
    expect(matches('*-*-*-*-prod', `${dashes.slice(5)}-prod`)).toBe(true);
    expect(matches('db-*-*-*-prod', `db-${dashes.slice(3)}`)).toBe(false);
    expect(matches('*?*?*?*?*?*?*?*?x', dashes)).toBe(false);
    expect(matches('*-?-*-?-*-?-*-?-*x', dashes)).toBe(false);
    expect(matches('{*,-}-{*,-}-{*,-}-{*,-}-{*,-}-prod', dashes)).toBe(false);
    expect(matches('{*-,-*}{*-,-*}{*-,-*}{*-,-*}{*-,-*}{*-,-*}x', dashes)).toBe(false);
    expect(matches('{*-,-*}{*-,-*}{*-,-*}{*-,-*}{*-,-*}{*-,-*}x', `${dashes.slice(1)}x`)).toBe(true);
    expect(matches(['a*', '*-*-*-*-*-*-*-*-*-*b', '{x,*-*-*-*-*-*-*-*-*-*c}'], dashes)).toBe(false);
  });
});
