import { z } from 'zod';
import { configSchema } from '../config/schema.js';
import { ERROR_CODES } from '../errors.js';
import { eventSchema } from '../events/contract.js';
import { registryFileSchema } from '../registry/schema.js';

function jsonSchema(schema: z.ZodType, title: string, io: 'input' | 'output' = 'input'): string {
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return JSON.stringify({ title, ...generated }, null, 2) + '\n';
}

function errorsMarkdown(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, meaning]) => `| \`${code}\` | ${meaning} |`);
  return [
    '# Error codes',
    '',
    'Every error driftwatch raises on purpose carries one of these codes (generated from `src/errors.ts`;',
    'regenerate with `npm run docs`). Errors also carry a `retriable` flag: a retriable error (a sink or',
    'broker that is down) is retried with backoff; any other is reported and not retried.',
    '',
    '| code | meaning |',
    '|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** Every generated document, by path relative to the repository root. */
export function renderGeneratedDocs(): Record<string, string> {
  return {
    'docs/schema/event.schema.json': jsonSchema(eventSchema, 'driftwatch event contract v1'),
    'docs/schema/registry.schema.json': jsonSchema(registryFileSchema, 'driftwatch agent registry'),
    'docs/schema/config.schema.json': jsonSchema(configSchema, 'driftwatch configuration'),
    'docs/errors.md': errorsMarkdown(),
  };
}
