import type { Alert } from '../../alerts/alert.js';
import { TEXT_HIDING_CHARS } from '../hidden-chars.js';
import { cutToLength, epochMs } from './compact.js';
import { techniqueList } from './mitre.js';
import { PRODUCT } from './product.js';
import { CEF_SEVERITY } from './severity.js';

/**
 * ArcSight CEF ("Implementing ArcSight Common Event Format", rev. 25):
 * `CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|Extension`.
 *
 * Header fields: `\` → `\\`, `|` → `\|`; a header field must not span lines, so every CR, LF or
 * CRLF (and NEL, LS, PS) becomes one space. Extension values: `\` → `\\`, `=` → `\=`, CR → `\r`,
 * LF → `\n`, and NEL, LS, PS (which CEF cannot escape) → `\n` (a pipe needs no escape there).
 * Extension keys are CEF dictionary names (alphanumeric). In both, characters that would hide or
 * reorder text where an analyst reads the line are shown by their code point (`<U+202E>`): C0 and
 * C1 controls other than line breaks (NUL ends the event in many parsers, ESC drives terminals),
 * bidirectional overrides and isolates, zero-width characters (an agent id with one looks like
 * another).
 */
const INVISIBLE = new RegExp(`[\\u0000-\\u0009\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u0084\\u0086-\\u009f${TEXT_HIDING_CHARS}]`, 'g');

function visible(value: string): string {
  return value.replace(INVISIBLE, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);
}

export function escapeCefHeader(value: string): string {
  return visible(value).replace(/\r\n|[\r\n\u0085\u2028\u2029]/g, ' ').replace(/[\\|]/g, (c) => `\\${c}`);
}

export function escapeCefExtensionValue(value: string): string {
  return visible(value).replace(/[\\=\r\n\u0085\u2028\u2029]/g, (c) => (c === '\r' ? '\\r' : c === '=' || c === '\\' ? `\\${c}` : '\\n'));
}

const KEY = /^[A-Za-z0-9]+$/;

/**
 * Longest value ArcSight takes per field (characters, before escaping): the header's Name 512, and
 * the extension dictionary's lengths for the keys driftwatch writes. A longer value is cut, ending
 * with `…`, rather than dropped or truncated by the receiver where it sees fit; the JSON formats
 * carry it whole.
 */
export const CEF_MAX_LENGTH: Readonly<Record<string, number>> = {
  name: 512,
  msg: 1023,
  act: 63,
  cat: 1023,
  suid: 1023,
  suser: 1023,
  request: 1023,
  destinationServiceName: 1023,
  dvchost: 100,
  externalId: 40,
  cs1: 4000,
  cs2: 4000,
  cs3: 4000,
  cs4: 4000,
  cs5: 4000,
  cs6: 4000,
  flexString1: 1023,
  flexString2: 1023,
};

/** `value` within the length ArcSight takes for `field` (as it is for a field without one). */
function within(value: string, field: string): string {
  const max = CEF_MAX_LENGTH[field];
  return max === undefined ? value : cutToLength(value, max);
}

export interface CefHeader {
  vendor: string;
  product: string;
  version: string;
  signatureId: string;
  name: string;
  /** 0–10 */
  severity: number;
}

/** One CEF line from a header and ordered extension pairs; pairs with an undefined or empty value are left out. */
export function cefLine(header: CefHeader, extension: ReadonlyArray<readonly [string, string | number | undefined]>): string {
  const head = [
    'CEF:0',
    escapeCefHeader(header.vendor),
    escapeCefHeader(header.product),
    escapeCefHeader(header.version),
    escapeCefHeader(header.signatureId),
    escapeCefHeader(within(header.name, 'name')),
    String(Math.max(0, Math.min(10, Math.round(header.severity)))),
  ].join('|');
  const pairs: string[] = [];
  for (const [key, value] of extension) {
    if (!KEY.test(key)) throw new TypeError(`CEF extension key must be alphanumeric: ${key}`);
    if (value === undefined || value === '') continue;
    pairs.push(`${key}=${escapeCefExtensionValue(within(String(value), key))}`);
  }
  return `${head}|${pairs.join(' ')}`;
}

export interface CefOptions {
  productVersion?: string;
  /** `dvchost`: the host driftwatch runs on (left out when not given). */
  hostname?: string;
}

/** The alert as one CEF line; docs/formats.md lists each key. Fields CEF has no place for stay in the JSON formats. */
export function toCef(alert: Alert, options: CefOptions = {}): string {
  const a = alert.agent;
  const e = alert.event;
  const label = (key: string, name: string, value: string | undefined): Array<[string, string | undefined]> =>
    value === undefined || value === '' ? [] : [[key, value], [`${key}Label`, name]];
  return cefLine(
    {
      vendor: PRODUCT.vendor,
      product: PRODUCT.name,
      version: options.productVersion ?? PRODUCT.version,
      signatureId: alert.detector,
      name: alert.title,
      severity: CEF_SEVERITY[alert.severity],
    },
    [
      ['rt', epochMs(alert.time)],
      ['start', epochMs(alert.window.start)],
      ['end', epochMs(alert.window.end)],
      ['externalId', alert.id],
      ['msg', alert.summary],
      ['suid', a.id],
      ['suser', a.name ?? a.id],
      ['act', e.action],
      ['cat', e.type],
      ['destinationServiceName', e.system],
      ['request', e.resource],
      ['dvchost', options.hostname],
      ['cn1', alert.score],
      ['cn1Label', 'score'],
      ...label('cs1', 'principal', alert.principal),
      ...label('cs2', 'owner', a.owner),
      ...label('cs3', 'custodian', a.custodian),
      ...label('cs4', 'delegationChain', alert.chain?.join(' > ')),
      ...label('cs5', 'techniques', techniqueList(alert.techniques)),
      ...label('cs6', 'recommendation', alert.recommendation),
      ...label('flexString1', 'tool', e.tool),
      ...label('flexString2', 'evidence', alert.evidence.join(',')),
      ...(epochMs(alert.detected_at) === undefined ? [] : [['deviceCustomDate1', epochMs(alert.detected_at)], ['deviceCustomDate1Label', 'detectedAt']] as Array<[string, number | string | undefined]>),
    ],
  );
}
