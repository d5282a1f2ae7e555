import type { DetectorSettingsConfig } from '../config/schema.js';
import { configureDetector, type ConfiguredDetector, type DetectorSettingsIssue } from '../engine/configured-detector.js';
import { DriftwatchError, isDriftwatchError } from '../errors.js';
import type { AnyDetector, Maturity } from '../sdk/detector.js';

/** Enabled or disabled by name, else by whether its maturity is listed. */
function runs(definition: AnyDetector, maturities: readonly Maturity[], tuning: DetectorSettingsConfig | undefined): boolean {
  return tuning?.enabled ?? maturities.includes(definition.maturity);
}

/** Where a field of the config was written, as `file:line:column: `; absent when the settings come from no file. */
export type LocateSetting = (path: readonly PropertyKey[]) => string;

/**
 * The detectors that run: those whose maturity is listed (only `stable` by default, as in Falco),
 * plus any enabled by name, minus any disabled by name; each with its tuning from the config.
 * Problems in the settings of every detector are reported at once, each at its line when `locate` says.
 */
export function selectDetectors(
  available: readonly AnyDetector[],
  maturities: readonly Maturity[],
  settings: Readonly<Record<string, DetectorSettingsConfig>>,
  locate?: LocateSetting,
): ConfiguredDetector[] {
  const known = new Set(available.map((detector) => detector.id));
  const unknown = Object.keys(settings).filter((id) => !known.has(id));
  if (unknown.length > 0) {
    const where = locate === undefined ? '' : unknown.map((id) => `\n${locate(['detectors', 'settings', id])}detectors.settings.${id}: no such detector`).join('');
    throw new DriftwatchError('DW_DETECTOR_UNKNOWN', `detectors.settings names unknown detectors: ${unknown.join(', ')} (known: ${[...known].join(', ')})${where}`);
  }
  const configured: ConfiguredDetector[] = [];
  const problems: string[] = [];
  for (const definition of available) {
    const tuning = settings[definition.id];
    const enabled = runs(definition, maturities, tuning);
    // Settings of a detector that does not run are checked too: a typo in them must not wait for the day it is enabled.
    if (!enabled && tuning === undefined) continue;
    try {
      const detector = configureDetector(definition, tuning);
      if (enabled) configured.push(detector);
    } catch (error) {
      if (locate === undefined || !isDriftwatchError(error, 'DW_DETECTOR_OPTIONS_INVALID')) {
        problems.push((error as Error).message);
        continue;
      }
      for (const issue of error.details as DetectorSettingsIssue[]) {
        const path = ['detectors', 'settings', definition.id, ...issue.path];
        // A value the config does not set is the detector's own default: no line of the config to point at.
        const written = (tuning as Record<PropertyKey, unknown> | undefined)?.[issue.path[0]!] !== undefined;
        problems.push(
          written
            ? `${locate(path)}${path.map(String).join('.')}: ${issue.message}`
            : `detector ${definition.id}: ${issue.path.map(String).join('.')}: ${issue.message} (the detector's own default, not set in the config)`,
        );
      }
    }
  }
  if (problems.length > 0) throw new DriftwatchError('DW_DETECTOR_OPTIONS_INVALID', problems.join('\n'), { details: problems });
  return configured;
}

/**
 * Warnings for detectors that someone most likely expected to run but that do not, because their
 * maturity is not listed and nothing enables them by name: those with settings (tuned), and
 * third-party ones (`plugins`: loaded from detectors.directories or --detectors). A detector with
 * `enabled: false` is off on purpose and not named.
 */
export function warningsForDetectorsNotRunning(
  available: readonly AnyDetector[],
  maturities: readonly Maturity[],
  settings: Readonly<Record<string, DetectorSettingsConfig>>,
  plugins: ReadonlySet<string> = new Set(),
): string[] {
  const warnings: string[] = [];
  const why = (definition: AnyDetector) => `it is ${definition.maturity} and detectors.maturity is [${maturities.join(', ')}]`;
  for (const definition of available) {
    const tuning = settings[definition.id];
    if (tuning?.enabled !== undefined || runs(definition, maturities, tuning)) continue;
    if (tuning !== undefined) {
      warnings.push(`detectors.settings.${definition.id} is set, but ${definition.id} does not run: ${why(definition)} (add enabled: true to run it)`);
    } else if (plugins.has(definition.id)) {
      warnings.push(`detector ${definition.id} was loaded but does not run: ${why(definition)} (enable it with detectors.settings.${definition.id}.enabled: true, or --maturity with replay)`);
    }
  }
  return warnings;
}
