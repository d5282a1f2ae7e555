import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DriftwatchError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict argument parsing: an unknown flag or a missing value is a usage error naming it. */
export function parseCommandArgs<O extends Options>(args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new DriftwatchError('DW_USAGE', (error as Error).message);
  }
}

export function requireOption(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new DriftwatchError('DW_USAGE', `missing required option ${flag}`);
  return value;
}
