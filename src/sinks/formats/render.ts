import type { Alert } from '../../alerts/alert.js';
import { toCef } from './cef.js';
import { toEcs } from './ecs.js';
import { toJson } from './json.js';
import { toOcsf } from './ocsf.js';

export const FORMAT_NAMES = ['json', 'ocsf', 'ecs', 'cef'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

/** Every SIEM format of the canonical alert: a pure function each. `cef` gives a line, the others a JSON object. */
export const FORMATS: { readonly [F in FormatName]: (alert: Alert) => string | Record<string, unknown> } = {
  json: toJson,
  ocsf: (alert) => toOcsf(alert),
  ecs: (alert) => toEcs(alert),
  cef: (alert) => toCef(alert),
};

export function isFormatName(value: string): value is FormatName {
  return (FORMAT_NAMES as readonly string[]).includes(value);
}

/**
 * JSON on one line. JSON.stringify already escapes CR and LF inside strings; NEL, LS and PS, which
 * some receivers also break lines on, are escaped too (`\u0085`, `\u2028`, `\u2029` stay valid JSON).
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The alert in `format` as one line of text, never containing CR or LF: what a line-based sink writes. */
export function renderLine(format: FormatName, alert: Alert): string {
  const rendered = FORMATS[format](alert);
  return typeof rendered === 'string' ? rendered : jsonLine(rendered);
}
