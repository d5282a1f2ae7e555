import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DriftwatchError } from '../errors.js';
import { MATURITIES, type Maturity } from '../sdk/detector.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type WithHelp<O extends Options> = O & { help: { type: 'boolean'; short: 'h' } };
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: WithHelp<O>; allowPositionals: true; strict: true }>>;

/** Strict argument parsing: an unknown flag or a missing value is a usage error naming it. */
export function parseCommandArgs<O extends Options>(args: readonly string[], options: O): Parsed<O> {
  try {
    const withHelp = { ...options, help: { type: 'boolean', short: 'h' } } as WithHelp<O>;
    return parseArgs({ args: [...args], options: withHelp, allowPositionals: true, strict: true });
  } catch (error) {
    throw new DriftwatchError('DW_USAGE', (error as Error).message);
  }
}

export function requireOption(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new DriftwatchError('DW_USAGE', `missing required option ${flag}`);
  return value;
}

/** A comma-separated `--maturity` list; a usage error names every value that is not a maturity. */
export function parseMaturityList(value: string): Maturity[] {
  const names = value.split(',').map((item) => item.trim());
  const unknown = names.filter((name) => !(MATURITIES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new DriftwatchError('DW_USAGE', `--maturity: unknown ${unknown.map((name) => `"${name}"`).join(', ')} (allowed: ${MATURITIES.join(', ')})`);
  }
  return names as Maturity[];
}
