import type { Alert } from '../../alerts/alert.js';
import { DriftwatchError } from '../../errors.js';
import type { Severity } from '../../sdk/detector.js';
import { renderLine, type FormatName } from './render.js';
import { SYSLOG_SEVERITY } from './severity.js';
import { cutToLength } from './compact.js';

/** RFC 5424 §6.2.1 facility codes. */
export const FACILITIES = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9,
  authpriv: 10, ftp: 11, ntp: 12, audit: 13, alert: 14, clock: 15,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
} as const;
export type FacilityName = keyof typeof FACILITIES;

/** local4 (20): a local-use facility, so a SIEM's syslog rules can route driftwatch alerts without touching host logs. */
export const DEFAULT_FACILITY: FacilityName = 'local4';
/**
 * The private enterprise number in the SD-ID `driftwatch@32473`. 32473 is the number IANA reserves for
 * documentation (RFC 5612): set your organisation's own PEN in production.
 */
export const DEFAULT_ENTERPRISE_ID = 32473;
/** RFC 5426 §3.2: receivers SHOULD accept 2048-octet messages over UDP (and MUST accept 480). */
export const DEFAULT_UDP_MAX_BYTES = 2048;

const NILVALUE = '-';
const BOM = '\uFEFF';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const SD_NAME = /^[\x21-\x7e]{1,32}$/;
const SD_NAME_FORBIDDEN = /[= \]"]/;

export function facilityCode(facility: FacilityName | number): number {
  const code = typeof facility === 'number' ? facility : FACILITIES[facility];
  if (!Number.isInteger(code) || code < 0 || code > 23) throw new TypeError(`syslog facility must be 0-23 or a facility name: ${String(facility)}`);
  return code;
}

/** PRI = facility × 8 + severity (RFC 5424 §6.2.1). */
export function syslogPri(facility: FacilityName | number, severity: Severity): number {
  return facilityCode(facility) * 8 + SYSLOG_SEVERITY[severity];
}

/** A header field: printable US-ASCII only (others become `_`), at most `max` characters, NILVALUE when empty. */
function headerField(value: string | undefined, max: number): string {
  if (value === undefined || value === '') return NILVALUE;
  return value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
}

/** RFC 3339 as RFC 5424 §6.2.3 wants it (upper-case T and Z, at most 6 fractional digits), or NILVALUE. */
export function syslogTimestamp(time: string | number | undefined): string {
  if (time === undefined) return NILVALUE;
  const ms = typeof time === 'number' ? time : Date.parse(time);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : NILVALUE;
}

/**
 * PARAM-VALUE escaping (RFC 5424 §6.3.3): `"`, `\` and `]` get a backslash. Control characters
 * (which would break the one-line message) become spaces, and lone UTF-16 surrogates U+FFFD.
 */
export function escapeSdParamValue(value: string): string {
  return value
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(/[\x00-\x1f\x7f]/g, ' ')
    .replace(/["\\\]]/g, (c) => `\\${c}`);
}

export interface SdElement {
  /** SD-ID, e.g. `driftwatch@32473` */
  readonly id: string;
  readonly params: ReadonlyArray<readonly [string, string]>;
}

function sdName(name: string): string {
  if (!SD_NAME.test(name) || SD_NAME_FORBIDDEN.test(name)) {
    throw new TypeError(`SD-ID and PARAM-NAME must be 1-32 printable US-ASCII characters without '=', ' ', ']' or '"': ${name}`);
  }
  return name;
}

export function structuredData(elements: readonly SdElement[]): string {
  if (elements.length === 0) return NILVALUE;
  return elements
    .map((e) => `[${sdName(e.id)}${e.params.map(([k, v]) => ` ${sdName(k)}="${escapeSdParamValue(v)}"`).join('')}]`)
    .join('');
}

export interface SyslogFields {
  pri: number;
  timestamp?: string;
  hostname?: string;
  appName?: string;
  procId?: string;
  msgId?: string;
  structuredData?: readonly SdElement[];
  /** One line of text; CR and LF are replaced by spaces. */
  msg: string;
  /** Put the UTF-8 BOM before MSG (RFC 5424 §6.4). Default true. */
  bom?: boolean;
}

export interface SyslogMessage {
  /** `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA` */
  readonly head: string;
  /** MSG without the BOM. */
  readonly msg: string;
  readonly bom: boolean;
  /** The message as sent: head, SP, BOM when set, MSG. */
  readonly text: string;
}

/** Any RFC 5424 message from its fields. */
export function formatSyslog(fields: SyslogFields): SyslogMessage {
  if (!Number.isInteger(fields.pri) || fields.pri < 0 || fields.pri > 191) throw new TypeError(`syslog PRI must be 0-191: ${fields.pri}`);
  const head = [
    `<${fields.pri}>1`,
    fields.timestamp ?? NILVALUE,
    headerField(fields.hostname, 255),
    headerField(fields.appName, 48),
    headerField(fields.procId, 128),
    headerField(fields.msgId, 32),
    structuredData(fields.structuredData ?? []),
  ].join(' ');
  const msg = fields.msg.replace(LONE_SURROGATE, '\uFFFD').replace(/\r\n|\r|\n/g, ' ');
  const bom = fields.bom ?? true;
  return { head, msg, bom, text: `${head} ${bom ? BOM : ''}${msg}` };
}

export interface AlertSyslogOptions {
  /** Which rendering of the alert MSG carries. Default `json`. */
  format?: FormatName;
  facility?: FacilityName | number;
  hostname?: string;
  appName?: string;
  procId?: string;
  /** Default: the detector id (cut to 32 characters). */
  msgId?: string;
  enterpriseId?: number;
  /** Default: the alert's `detected_at`, else its event time. */
  timestamp?: string;
  bom?: boolean;
}

/**
 * An alert as an RFC 5424 message:
 * `<PRI>1 TIMESTAMP HOSTNAME driftwatch PROCID DETECTOR [driftwatch@32473 alert_id=".." detector=".." agent=".." severity=".." score=".." format=".."] BOM MSG`.
 */
export function alertToSyslog(alert: Alert, options: AlertSyslogOptions = {}): SyslogMessage {
  const format = options.format ?? 'json';
  return formatSyslog({
    pri: syslogPri(options.facility ?? DEFAULT_FACILITY, alert.severity),
    timestamp: syslogTimestamp(options.timestamp ?? alert.detected_at ?? alert.time),
    hostname: options.hostname,
    appName: options.appName ?? 'driftwatch',
    procId: options.procId,
    msgId: options.msgId ?? alert.detector,
    structuredData: [{
      id: `driftwatch@${options.enterpriseId ?? DEFAULT_ENTERPRISE_ID}`,
      params: [
        ['alert_id', alert.id],
        ['detector', alert.detector],
        ['agent', sdValue(alert.agent.id)],
        ['severity', alert.severity],
        ['score', String(alert.score)],
        ['format', format],
      ],
    }],
    msg: renderLine(format, alert, { hostname: options.hostname }),
    bom: options.bom,
  });
}

/**
 * Longest structured-data value, in characters. The agent id is the event producer's (up to 1,024
 * characters, and `]`, `"` and `\\` double when escaped): whole, it could push the header past a
 * datagram's limit, and such a message is refused. The MSG carries the id whole.
 */
const SD_VALUE_MAX = 128;

function sdValue(value: string): string {
  return cutToLength(value, SD_VALUE_MAX);
}

/** RFC 6587 §3.4.1 octet-counting framing: `MSG-LEN SP SYSLOG-MSG`, MSG-LEN in UTF-8 bytes. */
export function octetCount(message: string | SyslogMessage): string {
  const text = typeof message === 'string' ? message : message.text;
  return `${Buffer.byteLength(text, 'utf8')} ${text}`;
}

export interface FittedMessage {
  readonly text: string;
  /** UTF-8 bytes of `text`. */
  readonly bytes: number;
  readonly truncated: boolean;
  /** UTF-8 bytes before truncation. */
  readonly originalBytes: number;
}

/** Index just past the header and structured data of an RFC 5424 message (where SP MSG begins), or -1. */
function endOfStructuredData(text: string): number {
  let i = 0;
  for (let field = 0; field < 6; field += 1) {
    const sp = text.indexOf(' ', i);
    if (sp < 0) return -1;
    i = sp + 1;
  }
  if (text[i] === '-') return i + 1;
  while (text[i] === '[') {
    i += 1;
    let inValue = false;
    for (; i < text.length; i += 1) {
      const c = text[i];
      if (inValue && c === '\\') { i += 1; continue; }
      if (c === '"') inValue = !inValue;
      else if (c === ']' && !inValue) break;
    }
    if (i >= text.length) return -1;
    i += 1;
  }
  return i;
}

function split(message: string | SyslogMessage): SyslogMessage {
  if (typeof message !== 'string') return message;
  const end = endOfStructuredData(message);
  if (end < 0) throw new TypeError('not an RFC 5424 message: no header and structured data');
  const rest = message.slice(end + 1);
  const bom = rest.startsWith(BOM);
  return { head: message.slice(0, end), msg: bom ? rest.slice(1) : rest, bom, text: message };
}

/**
 * UDP size guard: the message within `maxBytes` UTF-8 bytes, keeping the header and structured data
 * whole and cutting MSG on a character boundary (never inside a multi-byte sequence, and never
 * leaving a dangling escape backslash). `truncated` says whether MSG was cut.
 */
export function fitToDatagram(message: string | SyslogMessage, maxBytes: number = DEFAULT_UDP_MAX_BYTES): FittedMessage {
  const m = split(message);
  const text = m.text;
  const originalBytes = Buffer.byteLength(text, 'utf8');
  if (originalBytes <= maxBytes) return { text, bytes: originalBytes, truncated: false, originalBytes };
  const prefix = `${m.head}${m.msg.length > 0 || m.bom ? ' ' : ''}${m.bom ? BOM : ''}`;
  const budget = maxBytes - Buffer.byteLength(prefix, 'utf8');
  if (budget < 0) {
    throw new DriftwatchError('DW_SINK_FAILED', `syslog header and structured data take ${Buffer.byteLength(prefix, 'utf8')} bytes, more than the datagram limit of ${maxBytes}`);
  }
  const bytes = Buffer.from(m.msg, 'utf8');
  let cut = Math.min(budget, bytes.length);
  while (cut > 0 && cut < bytes.length && (bytes[cut]! & 0xc0) === 0x80) cut -= 1;
  let msg = bytes.subarray(0, cut).toString('utf8');
  const backslashes = /\\*$/.exec(msg)?.[0].length ?? 0;
  if (backslashes % 2 === 1) msg = msg.slice(0, -1);
  const out = prefix + msg;
  return { text: out, bytes: Buffer.byteLength(out, 'utf8'), truncated: true, originalBytes };
}
