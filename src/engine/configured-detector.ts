import type { AnyDetector, Severity } from '../sdk/detector.js';
import { compileExceptions, type ExceptionCondition, type ExceptionMatcher } from './exceptions.js';
import { parseDuration } from '../registry/duration.js';
import { DriftwatchError } from '../errors.js';

export type DetectorMode = 'alert' | 'dry-run';

/** How the config tunes one detector. */
export interface DetectorSettings {
  enabled?: boolean;
  mode?: DetectorMode;
  severity?: Severity;
  /** Duration during which identical findings for one agent stay one alert. */
  suppress_for?: string;
  exceptions?: ExceptionCondition[];
  options?: Record<string, unknown>;
}

/** A detector ready to run: its definition, its validated options and its tuning. */
export interface ConfiguredDetector {
  readonly definition: AnyDetector;
  readonly options: unknown;
  readonly mode: DetectorMode;
  readonly severity?: Severity;
  readonly suppressForMs: number;
  /** Undefined when the config sets no exceptions for the detector. */
  readonly isExcepted: ExceptionMatcher | undefined;
}

export const DEFAULT_SUPPRESS_FOR = '1h';
/** Longest `suppress_for`: a year (alert windows beyond the year 9999 could not be written as dates). */
export const MAX_SUPPRESS_FOR = '366d';
const MAX_SUPPRESS_FOR_MS = parseDuration(MAX_SUPPRESS_FOR)!;

/** Why `value` is no valid suppress_for, or undefined when it is one. */
export function suppressForProblem(value: string): string | undefined {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) return 'must be a duration like 30s, 15m, 1h, 1d';
  if (ms > MAX_SUPPRESS_FOR_MS) return `must be at most ${MAX_SUPPRESS_FOR}`;
  return undefined;
}

/** What is wrong in a detector's settings: the field, as a path inside `detectors.settings.<id>`, and why. */
export interface DetectorSettingsIssue {
  path: PropertyKey[];
  message: string;
}

function settingsError(definition: AnyDetector, issues: DetectorSettingsIssue[]): DriftwatchError {
  return new DriftwatchError(
    'DW_DETECTOR_OPTIONS_INVALID',
    `detector ${definition.id}: ${issues.map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`).join('; ')}`,
    { details: issues },
  );
}

export function configureDetector(definition: AnyDetector, settings: DetectorSettings = {}): ConfiguredDetector {
  const parsed = definition.options.safeParse(settings.options ?? {});
  if (!parsed.success) {
    throw settingsError(
      definition,
      parsed.error.issues.flatMap((issue) =>
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => ({ path: ['options', ...issue.path, key], message: `unknown key "${key}"` }))
          : [{ path: ['options', ...issue.path], message: issue.message }],
      ),
    );
  }
  const suppressFor = settings.suppress_for ?? definition.suppressFor ?? DEFAULT_SUPPRESS_FOR;
  const problem = suppressForProblem(suppressFor);
  if (problem !== undefined) throw settingsError(definition, [{ path: ['suppress_for'], message: `"${suppressFor}" ${problem}` }]);
  const suppressForMs = parseDuration(suppressFor)!;
  return {
    definition,
    options: parsed.data,
    mode: settings.mode ?? 'alert',
    severity: settings.severity,
    suppressForMs,
    isExcepted: compileExceptions(settings.exceptions ?? []),
  };
}
