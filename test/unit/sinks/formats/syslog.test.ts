import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FORMATS, FORMAT_NAMES } from '../../../../src/sinks/formats/render.js';
import {
  alertToSyslog, escapeSdParamValue, fitToDatagram, formatSyslog, octetCount, syslogPri, type SyslogMessage,
} from '../../../../src/sinks/formats/syslog.js';
import { isDriftwatchError } from '../../../../src/errors.js';
import { makeAlert, sampleAlerts } from './alert-factory.js';

// ---- RFC 5424 parsed by a regex written from the ABNF (§6), independent of the builder. ----
const PARAM_VALUE = String.raw`(?:[^"\\\]]|\\["\\\]])*`;
const SD_NAME = String.raw`[\x21\x23-\x3c\x3e-\x5c\x5e-\x7e]{1,32}`;
const SD_ELEMENT = String.raw`\[${SD_NAME}(?: ${SD_NAME}="${PARAM_VALUE}")*\]`;
const RFC5424 = new RegExp(
  String.raw`^<(\d{1,3})>1 (-|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})) ` +
  String.raw`([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) ` +
  String.raw`(-|(?:${SD_ELEMENT})+)(?: ([\s\S]*))?$`,
);

interface Parsed {
  pri: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  sd: Record<string, Record<string, string>>;
  msg?: string;
}

function parseSyslog(text: string): Parsed {
  const m = RFC5424.exec(text);
  if (!m) throw new Error(`not RFC 5424: ${JSON.stringify(text.slice(0, 200))}`);
  const sd: Parsed['sd'] = {};
  if (m[7] !== '-') {
    for (const el of m[7]!.matchAll(new RegExp(String.raw`\[(${SD_NAME})((?: ${SD_NAME}="${PARAM_VALUE}")*)\]`, 'g'))) {
      const params: Record<string, string> = {};
      for (const p of el[2]!.matchAll(new RegExp(String.raw` (${SD_NAME})="(${PARAM_VALUE})"`, 'g'))) {
        params[p[1]!] = p[2]!.replace(/\\(["\\\]])/g, '$1');
      }
      sd[el[1]!] = params;
    }
  }
  return { pri: Number(m[1]), timestamp: m[2]!, hostname: m[3]!, appName: m[4]!, procId: m[5]!, msgId: m[6]!, sd, msg: m[8] };
}

describe('RFC 5424 alert messages', () => {
  it.each(FORMAT_NAMES)('%s: header, structured data and a one-line BOM-prefixed MSG', (format) => {
    for (const alert of sampleAlerts()) {
      const m = alertToSyslog(alert, { format, hostname: 'dw-1.corp.example', procId: '4242' });
      const p = parseSyslog(m.text);
      expect(p.pri).toBe(20 * 8 + { low: 5, medium: 4, high: 3, critical: 2 }[alert.severity]);
      expect(p.timestamp).toBe(new Date(alert.detected_at ?? alert.time).toISOString());
      expect([p.hostname, p.appName, p.procId, p.msgId]).toEqual(['dw-1.corp.example', 'driftwatch', '4242', alert.detector]);
      expect(p.sd['driftwatch@32473']).toEqual({
        alert_id: alert.id, detector: alert.detector, agent: alert.agent.id, severity: alert.severity, score: String(alert.score), format,
      });
      expect(p.msg!.startsWith('\uFEFF')).toBe(true);
      expect(p.msg).not.toMatch(/[\r\n]/);
      const body = p.msg!.slice(1);
      // The MSG names the same host as the header: CEF dvchost, ECS observer.hostname.
      const rendered = FORMATS[format](alert, { hostname: 'dw-1.corp.example' });
      if (typeof rendered === 'string') expect(body).toBe(rendered);
      else expect(JSON.parse(body)).toEqual(JSON.parse(JSON.stringify(rendered)));
      if (format === 'cef') expect(body).toContain(' dvchost=dw-1.corp.example');
      if (format === 'ecs') expect(JSON.parse(body)).toMatchObject({ observer: { hostname: 'dw-1.corp.example' } });
    }
  });

  it('uses the configured facility, enterprise number and NILVALUEs', () => {
    const alert = makeAlert({ severity: 'critical' });
    const p = parseSyslog(alertToSyslog(alert, { facility: 'authpriv', enterpriseId: 99999, bom: false }).text);
    expect(p.pri).toBe(10 * 8 + 2);
    expect([p.hostname, p.procId]).toEqual(['-', '-']);
    expect(Object.keys(p.sd)).toEqual(['driftwatch@99999']);
    expect(p.msg!.startsWith('{')).toBe(true);
    expect(syslogPri(13, 'low')).toBe(109);
    expect(() => syslogPri(24, 'low')).toThrow(TypeError);
  });

  it('makes header fields printable ASCII within their lengths', () => {
    const m = formatSyslog({ pri: 13, hostname: 'host name\twith ümlaut', appName: 'a'.repeat(60), msgId: 'm'.repeat(40), msg: 'x' });
    const p = parseSyslog(m.text);
    expect(p.hostname).toBe('host_name_with__mlaut');
    expect(p.appName).toHaveLength(48);
    expect(p.msgId).toHaveLength(32);
    expect(() => formatSyslog({ pri: 13, structuredData: [{ id: 'bad id', params: [] }], msg: 'x' })).toThrow(TypeError);
    expect(() => formatSyslog({ pri: 13, structuredData: [{ id: 'x@1', params: [['a'.repeat(33), 'v']] }], msg: 'x' })).toThrow(TypeError);
  });

  it('SD parameter values round-trip through escaping', () => {
    const value = fc.array(fc.oneof(fc.constantFrom('"', '\\', ']', '[', '=', ' ', '\\"', ']"', '日本', '🙂'), fc.string({ unit: 'grapheme', maxLength: 5 })), { maxLength: 10 })
      .map((parts) => parts.join(''));
    fc.assert(fc.property(value, value, (a, b) => {
      const m = formatSyslog({ pri: 165, structuredData: [{ id: 'driftwatch@32473', params: [['a', a], ['b', b]] }], msg: 'm' });
      const expected = (s: string): string => s.replace(/[\x00-\x1f\x7f]/g, ' ');
      expect(parseSyslog(m.text).sd['driftwatch@32473']).toEqual({ a: expected(a), b: expected(b) });
    }), { numRuns: 500 });
    expect(escapeSdParamValue('a"b\\c]d\ne')).toBe('a\\"b\\\\c\\]d e');
  });
});

describe('RFC 6587 octet counting', () => {
  it('prefixes the UTF-8 byte length', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (msg) => {
      const m = formatSyslog({ pri: 165, msg });
      const framed = octetCount(m);
      const space = framed.indexOf(' ');
      const length = Number(framed.slice(0, space));
      const rest = Buffer.from(framed.slice(space + 1), 'utf8');
      expect(length).toBe(rest.length);
      expect(rest.toString('utf8')).toBe(m.text);
    }));
    expect(octetCount('<13>1 - - - - - - é')).toBe('20 <13>1 - - - - - - é');
  });
});

describe('UDP size guard', () => {
  const long = fc.array(fc.constantFrom('a', 'é', '日', '🙂', '\\', ' ', '"'), { minLength: 0, maxLength: 800 }).map((c) => c.join(''));

  it('cuts MSG on a character boundary and keeps header and SD whole', () => {
    fc.assert(fc.property(long, fc.integer({ min: 120, max: 1200 }), fc.boolean(), (msg, max, asString) => {
      const m: SyslogMessage = formatSyslog({ pri: 165, hostname: 'h', structuredData: [{ id: 'driftwatch@32473', params: [['alert_id', 'a]"\\']] }], msg });
      const fitted = fitToDatagram(asString ? m.text : m, max);
      expect(fitted.bytes).toBe(Buffer.byteLength(fitted.text, 'utf8'));
      expect(fitted.originalBytes).toBe(Buffer.byteLength(m.text, 'utf8'));
      expect(fitted.text.startsWith(`${m.head} \uFEFF`)).toBe(true);
      if (!fitted.truncated) {
        expect(fitted.text).toBe(m.text);
        expect(fitted.bytes).toBeLessThanOrEqual(max);
        return;
      }
      expect(fitted.originalBytes).toBeGreaterThan(max);
      expect(fitted.bytes).toBeLessThanOrEqual(max);
      const kept = fitted.text.slice(m.head.length + 2);
      expect(msg.startsWith(kept)).toBe(true);
      expect(kept).not.toContain('\uFFFD');
      // as much as fits: the next character would not (unless a dangling backslash was dropped)
      const next = msg.slice(kept.length).codePointAt(0)!;
      const nextBytes = Buffer.byteLength(String.fromCodePoint(next), 'utf8');
      if (!kept.endsWith('\\') && msg[kept.length] !== '\\') expect(fitted.bytes + nextBytes).toBeGreaterThan(max);
      expect(parseSyslog(fitted.text).sd['driftwatch@32473']).toEqual({ alert_id: 'a]"\\' });
    }), { numRuns: 500 });
  });

  it('defaults to 2048 bytes, never leaves a dangling escape, and refuses a budget below the header', () => {
    const alert = makeAlert({ summary: 'x'.repeat(5000) });
    const fitted = fitToDatagram(alertToSyslog(alert, { format: 'cef' }));
    expect(fitted.truncated).toBe(true);
    expect(fitted.bytes).toBeLessThanOrEqual(2048);
    const m = formatSyslog({ pri: 13, msg: `${'a'.repeat(10)}\\\\b` });
    const cut = fitToDatagram(m, Buffer.byteLength(m.head) + 1 + 3 + 11);
    expect(cut.text.endsWith('a')).toBe(true);
    let error: unknown;
    try { fitToDatagram(alertToSyslog(makeAlert()), 40); } catch (e) { error = e; }
    expect(isDriftwatchError(error, 'DW_SINK_FAILED')).toBe(true);
  });

  it('fits an alert whose agent id is the longest the contract allows, all of it escaped, into the RFC 5426 minimum of 480 bytes', () => {
    const id = ']'.repeat(1024);
    const base = makeAlert();
    const alert = { ...base, agent: { ...base.agent, id } };
    const fitted = fitToDatagram(alertToSyslog(alert, { format: 'cef', hostname: 'dw-1' }), 480);
    expect(fitted.bytes).toBeLessThanOrEqual(480);
    expect(parseSyslog(fitted.text).sd['driftwatch@32473']!.agent).toBe(`${']'.repeat(127)}…`);
    // The MSG (not cut here) carries the id whole.
    expect(alertToSyslog(alert, { format: 'json' }).msg).toContain(id);
  });
});
