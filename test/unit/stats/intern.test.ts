import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intern, internAll } from '../../../src/stats/intern.js';

describe('intern', () => {
  it('gives back an equal string for any name, keys that look special included', () => {
    for (const name of ['', '123', '0', '-1', '__proto__', 'constructor', 'erp.export_ledger', 'é€😀']) expect(intern(name)).toBe(name);
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 64 }), (name) => {
      expect(intern(name)).toBe(name);
    }), { numRuns: 1000 });
  });

  it('internAll replaces the names of a list in place', () => {
    const names = ['crm.lookup', 'docs.read_page'];
    const same = internAll(names);
    expect(same).toBe(names);
    expect(names).toEqual(['crm.lookup', 'docs.read_page']);
  });
});
