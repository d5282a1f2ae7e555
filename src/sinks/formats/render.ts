import type { Alert } from '../../alerts/alert.js';
import { toCef } from './cef.js';
import { toEcs } from './ecs.js';
import { toJson } from './json.js';
import { toOcsf } from './ocsf.js';

export const FORMAT_NAMES = ['json', 'ocsf', 'ecs', 'cef'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

/** What a sink tells the formats about where they are rendered. */
export interface RenderOptions {
  /** The host driftwatch runs on: CEF `dvchost`, ECS `observer.hostname` (left out when not given). */
  hostname?: string;
}

/** Every SIEM format of the canonical alert: a pure function each. `cef` gives a line, the others a JSON object. */
export const FORMATS: { readonly [F in FormatName]: (alert: Alert, options?: RenderOptions) => string | Record<string, unknown> } = {
  json: (alert) => toJson(alert),
  ocsf: (alert) => toOcsf(alert),
  ecs: (alert, options = {}) => toEcs(alert, { hostname: options.hostname }),
  cef: (alert, options = {}) => toCef(alert, { hostname: options.hostname }),
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
export function renderLine(format: FormatName, alert: Alert, options?: RenderOptions): string {
  const rendered = FORMATS[format](alert, options);
  return typeof rendered === 'string' ? rendered : jsonLine(rendered);
}
