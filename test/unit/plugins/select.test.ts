import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { detectorSettingsSchema, type DetectorSettingsConfig } from '../../../src/config/schema.js';
import { isDriftwatchError } from '../../../src/errors.js';
import { selectDetectors, warningsForDetectorsNotRunning } from '../../../src/plugins/select.js';
import { defineDetector, z, type AnyDetector, type Maturity } from '../../../src/sdk/index.js';
import { widen } from '../../fixtures/core/detectors.js';

function detector(id: string, maturity: Maturity): AnyDetector {
  return widen(
    defineDetector({
      id,
      version: '1.0.0',
      description: id,
      eventTypes: ['tool_use'],
      maturity,
      techniques: [],
      severity: 'low',
      options: z.strictObject({ limit: z.number().int().positive().default(5) }),
      createState: () => ({}),
      score: () => undefined,
    }),
  );
}

const available = [detector('solid', 'stable'), detector('young', 'incubating'), detector('toy', 'sandbox')];

const settings = (raw: Record<string, unknown>): Record<string, DetectorSettingsConfig> =>
  Object.fromEntries(Object.entries(raw).map(([id, value]) => [id, detectorSettingsSchema.parse(value)]));

const ids = (maturities: Maturity[], raw: Record<string, unknown> = {}) => selectDetectors(available, maturities, settings(raw)).map((c) => c.definition.id);

function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected an error');
}

describe('selectDetectors', () => {
  it('runs only stable detectors by default', () => {
    expect(ids(['stable'])).toEqual(['solid']);
  });

  it('runs the listed maturities', () => {
    expect(ids(['stable', 'incubating'])).toEqual(['solid', 'young']);
    expect(ids(['stable', 'incubating', 'sandbox'])).toEqual(['solid', 'young', 'toy']);
    expect(ids([])).toEqual([]);
  });

  it('never runs a sandbox detector unless it is enabled by name', () => {
    expect(ids(['stable', 'incubating'], { toy: { mode: 'dry-run' } })).toEqual(['solid', 'young']);
    expect(ids(['stable'], { toy: { enabled: true } })).toEqual(['solid', 'toy']);
  });

  it('disables a detector by name whatever its maturity', () => {
    expect(ids(['stable'], { solid: { enabled: false } })).toEqual([]);
  });

  it('applies the tuning: mode, severity, suppression, options', () => {
    const [configured] = selectDetectors(available, ['stable'], settings({ solid: { mode: 'dry-run', severity: 'high', suppress_for: '15m', options: { limit: 9 } } }));
    expect(configured).toMatchObject({ mode: 'dry-run', severity: 'high', suppressForMs: 15 * 60_000, options: { limit: 9 } });
  });

  it('rejects a settings entry for an unknown detector, naming it', () => {
    const error = thrown(() => ids(['stable'], { soild: {} }));
    expect(isDriftwatchError(error, 'DW_DETECTOR_UNKNOWN')).toBe(true);
    expect(error.message).toContain('soild');
    expect(error.message).toContain('solid'); // lists the known ones
  });

  it('rejects bad options of every detector at once, each named', () => {
    const error = thrown(() => ids(['stable', 'incubating'], { solid: { options: { limit: 0 } }, young: { options: { limt: 3 } } }));
    expect(isDriftwatchError(error, 'DW_DETECTOR_OPTIONS_INVALID')).toBe(true);
    expect(error.message).toContain('solid');
    expect(error.message).toContain('options.limit');
    expect(error.message).toContain('young');
    expect(error.message).toContain('limt');
  });

  it("reports each bad option of a config file at its file, line and column, with the field's full path", () => {
    const text = [
      'registry: registry.yaml',
      'detectors:',
      '  settings:',
      '    solid:',
      '      options:',
      '        limit: 0',
      '        limt: 3',
      '    young:',
      '      suppress_for: 1h',
      '      options: { limit: -2 }',
    ].join('\n');
    const parsed = parseConfig(text, 'driftwatch.yaml', {});
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const { maturity, settings: tuning } = parsed.config.detectors;
    const error = thrown(() => selectDetectors(available, maturity, tuning, parsed.config.locate));
    expect(error.code).toBe('DW_DETECTOR_OPTIONS_INVALID');
    expect(error.message.split('\n')).toEqual([
      expect.stringMatching(/^driftwatch\.yaml:6:16: detectors\.settings\.solid\.options\.limit: Too small/),
      'driftwatch.yaml:7:15: detectors.settings.solid.options.limt: unknown key "limt"',
      expect.stringMatching(/^driftwatch\.yaml:10:25: detectors\.settings\.young\.options\.limit: Too small/),
    ]);
  });

  it("does not place a detector's own bad default in the config file: nothing there sets it", () => {
    const lax: AnyDetector = { ...detector('lax', 'stable'), suppressFor: '400d' };
    const parsed = parseConfig('registry: registry.yaml\ndetectors:\n  settings:\n    lax:\n      severity: high\n', 'driftwatch.yaml', {});
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const error = thrown(() => selectDetectors([lax], ['stable'], parsed.config.detectors.settings, parsed.config.locate));
    expect(error.message).toBe('detector lax: suppress_for: "400d" must be at most 366d (the detector\'s own default, not set in the config)');
  });

  it('checks the settings of a detector that does not run, naming it', () => {
    const error = thrown(() => ids(['stable'], { young: { options: { limit: -1 } } }));
    expect(error.code).toBe('DW_DETECTOR_OPTIONS_INVALID');
    expect(error.message).toContain('young');
    expect(() => ids(['stable'], { young: { enabled: false, options: { limit: 'x' } } })).toThrow(/young/);
  });
});

describe('warningsForDetectorsNotRunning', () => {
  it('names detectors tuned but not running, not those enabled or disabled by name, nor those that run', () => {
    const raw = settings({ young: { mode: 'dry-run' }, toy: { enabled: false, options: { limit: 2 } }, solid: { severity: 'high' } });
    expect(warningsForDetectorsNotRunning(available, ['stable'], raw)).toEqual([
      'detectors.settings.young is set, but young does not run: it is incubating and detectors.maturity is [stable] (add enabled: true to run it)',
    ]);
    expect(warningsForDetectorsNotRunning(available, ['stable', 'incubating'], raw)).toEqual([]);
    expect(warningsForDetectorsNotRunning(available, ['stable'], settings({ young: { enabled: true } }))).toEqual([]);
  });

  it('names third-party detectors loaded but not running, unless disabled by name', () => {
    expect(warningsForDetectorsNotRunning(available, ['stable'], {}, new Set(['young', 'solid']))).toEqual([
      'detector young was loaded but does not run: it is incubating and detectors.maturity is [stable] (enable it with detectors.settings.young.enabled: true, or --maturity with replay)',
    ]);
    expect(warningsForDetectorsNotRunning(available, ['stable'], settings({ young: { enabled: false } }), new Set(['young']))).toEqual([]);
    expect(warningsForDetectorsNotRunning(available, ['stable'], {}, new Set())).toEqual([]);
  });
});
