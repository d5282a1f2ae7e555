/**
 * Regenerates the reference documents that derive from the zod schemas and the error list:
 * docs/schema/*.schema.json, docs/config.md and docs/errors.md. `npm run docs` writes them; the test
 * test/unit/docs.test.ts fails when a committed document no longer matches its schema.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { renderGeneratedDocs } from '../src/docs/generate.js';

const root = new URL('../', import.meta.url);
for (const [path, text] of Object.entries(renderGeneratedDocs())) {
  const url = new URL(path, root);
  mkdirSync(new URL('./', url), { recursive: true });
  writeFileSync(url, text);
  console.log(`wrote ${path}`);
}
