import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../../src/alerts/alert.js';
import { FORMATS, FORMAT_NAMES, isFormatName, jsonLine, PRODUCT, renderLine } from '../../../../src/sinks/formats/index.js';
import { makeAlert, sampleAlerts } from './alert-factory.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

describe('format registry', () => {
  it('names json, ocsf, ecs and cef', () => {
    expect(Object.keys(FORMATS).sort()).toEqual([...FORMAT_NAMES].sort());
    expect(isFormatName('ocsf')).toBe(true);
    expect(isFormatName('leef')).toBe(false);
  });

  it('every format is pure: same output twice, input untouched', () => {
    for (const alert of sampleAlerts()) {
      const frozen = deepFreeze(structuredClone(alert)) as Alert;
      for (const name of FORMAT_NAMES) expect(FORMATS[name](frozen)).toEqual(FORMATS[name](alert));
      expect(frozen).toEqual(alert);
    }
  });

  it('json is the canonical alert', () => {
    const alert = makeAlert();
    expect(FORMATS.json(alert)).toEqual(JSON.parse(JSON.stringify(alert)));
  });

  it('renders every format on one line, also with line breaks and separators in the text', () => {
    const alert = makeAlert({ summary: 'a\nb\rc\r\nd\u2028e\u2029f\u0085g' });
    for (const name of FORMAT_NAMES) {
      const line = renderLine(name, alert);
      expect(line).not.toMatch(/[\r\n\u2028\u2029\u0085]/);
      if (name !== 'cef') expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(FORMATS[name](alert))));
    }
    expect(jsonLine({ s: '\u2028' })).toBe('{"s":"\\u2028"}');
  });

  it('PRODUCT.version is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(PRODUCT.version).toBe(pkg.version);
  });
});
