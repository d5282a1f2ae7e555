import { z } from 'zod';
import { configSchema } from '../config/schema.js';
import { ERROR_CODES } from '../errors.js';
import { eventSchema } from '../events/contract.js';
import { registryFileSchema } from '../registry/schema.js';

/**
 * The JSON Schema of what a user writes (`io: 'input'`). zod leaves out the default of a schema that
 * transforms its input (a size like `1MiB`, a port given as a string, a list or object holding
 * one), since a default is an output value; such a default is put back when it is also valid input
 * (`max_event_bytes`: 1048576, `sinks`: one console sink), so the reference shows every default.
 */
function inputJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      const def = (zodSchema as unknown as { _zod: { def: { type: string; defaultValue?: unknown; innerType?: z.ZodType } } })._zod.def;
      if (def.type !== 'default' || jsonSchema.default !== undefined || def.innerType === undefined) return;
      const value: unknown = def.defaultValue;
      if (value === undefined || !def.innerType.safeParse(value).success) return;
      jsonSchema.default = JSON.parse(JSON.stringify(value));
    },
  }) as Record<string, unknown>;
}

function jsonSchema(schema: z.ZodType, title: string): string {
  return JSON.stringify({ title, ...inputJsonSchema(schema) }, null, 2) + '\n';
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

type JsonSchemaNode = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  items?: JsonSchemaNode;
  oneOf?: JsonSchemaNode[];
  anyOf?: JsonSchemaNode[];
  additionalProperties?: JsonSchemaNode | boolean;
};

/** A short type for a table cell: `string`, `number`, `a \| b`, `list of string`, `map`. */
function typeOf(node: JsonSchemaNode): string {
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.enum) return node.enum.map((value) => `\`${String(value)}\``).join(' \\| ');
  const variants = node.oneOf ?? node.anyOf;
  if (variants) return [...new Set(variants.map(typeOf))].join(' \\| ');
  if (node.type === 'array') return `list of ${node.items ? typeOf(node.items) : 'any'}`;
  if (node.type === 'object') {
    if (node.properties) return 'object';
    const values = typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
    return values?.properties ? 'map of object' : 'map';
  }
  return Array.isArray(node.type) ? node.type.join(' \\| ') : (node.type ?? 'any');
}

/** Rows for every key under `node`, dotted from `prefix`; objects with a `type` discriminator get a block per variant. */
function configRows(node: JsonSchemaNode, prefix: string, rows: string[]): void {
  const variants = (node.oneOf ?? node.anyOf ?? []).filter((variant) => variant.properties?.type?.const !== undefined);
  if (variants.length > 0) {
    for (const variant of variants) {
      rows.push(`| **${prefix} \`type: ${String(variant.properties!.type!.const)}\`** | | | |`);
      configRows({ ...variant, oneOf: undefined, anyOf: undefined }, prefix, rows);
    }
    return;
  }
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (key === 'type' && child.const !== undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    const required = node.required?.includes(key) && child.default === undefined;
    const fallback = child.default === undefined ? (required ? 'required' : '') : `\`${JSON.stringify(child.default)}\``;
    const description = (child.description ?? (child.oneOf ?? child.anyOf)?.find((v) => v.description)?.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    rows.push(`| \`${path}\` | ${typeOf(child)} | ${fallback} | ${description} |`);
    // A map of objects (detectors.settings: detector id → settings) lists the keys of one entry under `<id>`.
    const entry = child.type === 'object' && !child.properties && typeof child.additionalProperties === 'object' ? child.additionalProperties : undefined;
    const inner = child.type === 'array' ? child.items : (entry ?? child);
    if (inner && (inner.properties || (inner.oneOf ?? inner.anyOf)?.some((v) => v.properties?.type?.const !== undefined))) {
      configRows(inner, child.type === 'array' ? `${path}[]` : entry ? `${path}.<id>` : path, rows);
    }
  }
}

function configMarkdown(): string {
  const rows: string[] = [];
  configRows(inputJsonSchema(configSchema) as JsonSchemaNode, '', rows);
  return [
    '# Configuration reference',
    '',
    'The `driftwatch run --config FILE` file (YAML), key by key: generated from `src/config/schema.ts`',
    '(regenerate with `npm run docs`; the JSON Schema is `docs/schema/config.schema.json`). Any string',
    'may be `${ENV_VAR}` or `${ENV_VAR:-default}`: only upper-case names (A–Z, digits, `_`) are replaced,',
    '`${name}` in lower case stays as written, and a variable set but empty is used as is, not its default.',
    'Unknown keys are refused, each with its line.',
    '',
    '| key | type | default | meaning |',
    '|---|---|---|---|',
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
    'docs/config.md': configMarkdown(),
  };
}
