import { z } from 'zod';
import { SEVERITIES, MATURITIES } from '../sdk/detector.js';
import { EXCEPTION_FIELDS } from '../engine/exceptions.js';
import { parseDuration } from '../registry/duration.js';
import { kafkaSourceSchema } from './kafka.js';

/** The `driftwatch run` configuration file (YAML). docs/config.md is generated from this schema. */

const duration = z
  .string()
  .refine((value) => parseDuration(value) !== undefined, 'must be a duration like 30s, 15m, 1h, 1d');

const size = z
  .union([z.number().int().positive(), z.string().regex(/^\d+\s*(B|KiB|MiB|GiB)$/, 'must be a size like 512KiB or 1MiB')])
  .transform((value) => {
    if (typeof value === 'number') return value;
    const [, amount, unit] = /^(\d+)\s*(B|KiB|MiB|GiB)$/.exec(value)!;
    return Number(amount) * { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[unit as 'B' | 'KiB' | 'MiB' | 'GiB'];
  });

const globOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const exceptionCondition = z
  .strictObject(Object.fromEntries(EXCEPTION_FIELDS.map((field) => [field, globOrList.optional()])) as Record<
    (typeof EXCEPTION_FIELDS)[number],
    z.ZodOptional<typeof globOrList>
  >)
  .refine((condition) => Object.values(condition).some((value) => value !== undefined), 'an exception needs at least one condition');

export const detectorSettingsSchema = z.strictObject({
  enabled: z.boolean().optional().describe('default: true for maturities listed in detectors.maturity'),
  mode: z.enum(['alert', 'dry-run']).default('alert').describe('dry-run: findings are counted and shown, never sent'),
  severity: z.enum(SEVERITIES).optional().describe('overrides the severity of every finding'),
  suppress_for: duration.optional().describe('identical findings for one agent within this time stay one alert'),
  exceptions: z.array(exceptionCondition).default([]).describe('conditions (all of agent, principal, tool, system, action globs) under which the detector raises nothing'),
  options: z.record(z.string(), z.unknown()).default({}).describe('the detector\'s own options (see `driftwatch detectors list`)'),
});

const fileSource = z.strictObject({
  type: z.literal('file'),
  path: z.string().min(1).describe('JSONL file of events; "-" reads standard input'),
});

const stdinSource = z.strictObject({ type: z.literal('stdin') });

const consoleSink = z.strictObject({
  type: z.literal('console'),
  name: z.string().min(1).default('console'),
  color: z.enum(['auto', 'always', 'never']).default('auto'),
});

const fileSink = z.strictObject({
  type: z.literal('file'),
  name: z.string().min(1).default('file'),
  path: z.string().min(1),
  format: z.literal('json').default('json'),
});

export const configSchema = z.strictObject({
  registry: z.string().min(1).describe('path of the agent registry YAML (reloaded when it changes)'),
  source: z.discriminatedUnion('type', [fileSource, stdinSource, kafkaSourceSchema]).default({ type: 'stdin' }),
  max_event_bytes: size.default(1024 * 1024).describe('larger events go to the dead letters unparsed'),
  dead_letter: z
    .strictObject({ path: z.string().min(1).describe('JSONL file of rejected input with the reason') })
    .default({ path: 'dead-letters.jsonl' }),
  detectors: z
    .strictObject({
      directories: z.array(z.string().min(1)).default([]).describe('directories of third-party detector modules'),
      maturity: z.array(z.enum(MATURITIES)).default(['stable']).describe('maturities that run unless enabled: false'),
      settings: z.record(z.string(), detectorSettingsSchema).default({}),
    })
    .default({ directories: [], maturity: ['stable'], settings: {} }),
  sinks: z.array(z.discriminatedUnion('type', [consoleSink, fileSink])).default([{ type: 'console', name: 'console', color: 'auto' }]),
});

export type Config = z.output<typeof configSchema>;
export type DetectorSettingsConfig = z.output<typeof detectorSettingsSchema>;
