import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderGeneratedDocs } from '../../src/docs/generate.js';

describe('generated reference documents', () => {
  for (const [path, expected] of Object.entries(renderGeneratedDocs())) {
    it(`${path} matches its schema (run npm run docs after changing a schema)`, () => {
      expect(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')).toBe(expected);
    });
  }
});
