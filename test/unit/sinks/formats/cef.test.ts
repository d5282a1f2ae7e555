import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cefLine, toCef } from '../../../../src/sinks/formats/cef.js';
import { makeAlert, sampleAlerts } from './alert-factory.js';

// ---- An independent CEF parser, written from the ArcSight rules, not from the escaper. ----
// Header: `\\` and `\|` are the only escapes; fields are split on unescaped pipes.
// Extension: keys are [A-Za-z0-9]+ preceded by start or a space and followed by an unescaped `=`;
// values run to the space before the next key; `\\`, `\=`, `\n`, `\r` are the only escapes.

interface ParsedCef {
  version: string;
  header: string[];
  extension: Record<string, string>;
}

function parseCef(line: string): ParsedCef {
  if (!line.startsWith('CEF:')) throw new Error('no CEF: prefix');
  const fields: string[] = [];
  let current = '';
  let i = 4;
  while (fields.length < 7) {
    if (i >= line.length) throw new Error(`header has only ${fields.length} fields`);
    const c = line[i]!;
    if (c === '\\') {
      const next = line[i + 1];
      if (next !== '\\' && next !== '|') throw new Error(`invalid header escape \\${String(next)} at ${i}`);
      current += next;
      i += 2;
    } else if (c === '|') {
      fields.push(current);
      current = '';
      i += 1;
    } else {
      if (c === '\r' || c === '\n') throw new Error('line break in header');
      current += c;
      i += 1;
    }
  }
  const ext = line.slice(i);
  if (/[\r\n]/.test(ext)) throw new Error('raw line break in extension');
  // positions of unescaped '='
  const equals: number[] = [];
  for (let j = 0; j < ext.length; j += 1) {
    if (ext[j] === '\\') { j += 1; continue; }
    if (ext[j] === '=') equals.push(j);
  }
  const pairs: Array<{ key: string; keyStart: number; eq: number }> = [];
  for (const eq of equals) {
    let k = eq;
    while (k > 0 && /[A-Za-z0-9]/.test(ext[k - 1]!)) k -= 1;
    if (k === eq || (k > 0 && ext[k - 1] !== ' ')) throw new Error(`unescaped '=' in a value at ${eq}`);
    pairs.push({ key: ext.slice(k, eq), keyStart: k, eq });
  }
  const extension: Record<string, string> = {};
  pairs.forEach((p, n) => {
    const end = n + 1 < pairs.length ? pairs[n + 1]!.keyStart - 1 : ext.length;
    const raw = ext.slice(p.eq + 1, end);
    let value = '';
    for (let j = 0; j < raw.length; j += 1) {
      const c = raw[j]!;
      if (c !== '\\') { value += c; continue; }
      const next = raw[j + 1];
      if (next === '\\' || next === '=') value += next;
      else if (next === 'n') value += '\n';
      else if (next === 'r') value += '\r';
      else throw new Error(`invalid extension escape \\${String(next)}`);
      j += 1;
    }
    extension[p.key] = value;
  });
  const [version, ...header] = fields;
  return { version: version!, header, extension };
}

const nasty = fc.constantFrom('|', '\\', '=', '\r', '\n', '\r\n', '\u2028', ' ', '  ', 'a=b', ' k=v', '\\n', '\\|', '日本', '🙂', 'é', '"', ']', 'msg=');
const text = fc.array(fc.oneof(nasty, fc.string({ unit: 'grapheme', maxLength: 6 })), { maxLength: 12 }).map((parts) => parts.join(''));
const headerExpected = (s: string): string => s.replace(/\r\n|[\r\n\u0085\u2028\u2029]/g, ' ');
const valueExpected = (s: string): string => s.replace(/[\u0085\u2028\u2029]/g, '\n');
// Keys whose length limits (CEF_MAX_LENGTH) these texts stay within: cutting is tested on its own.
const KEYS = ['msg', 'suser', 'cs2', 'request', 'cs1', 'cs1Label', 'flexString1', 'cs3'] as const;

describe('CEF escaping round-trips through an independent parser', () => {
  it('every header field and extension value', () => {
    fc.assert(fc.property(
      fc.tuple(text, text, text, text, text),
      fc.integer({ min: 0, max: 10 }),
      fc.array(text, { minLength: KEYS.length, maxLength: KEYS.length }),
      ([vendor, product, version, signatureId, name], severity, values) => {
        const line = cefLine({ vendor, product, version, signatureId, name, severity }, KEYS.map((k, i) => [k, values[i]] as const));
        const parsed = parseCef(line);
        expect(parsed.version).toBe('0');
        expect(parsed.header).toEqual([vendor, product, version, signatureId, name, String(severity)].map(headerExpected));
        const expected = Object.fromEntries(KEYS.map((k, i) => [k, valueExpected(values[i]!)]).filter(([, v]) => v !== ''));
        expect(parsed.extension).toEqual(expected);
        expect(line).not.toMatch(/[\r\n]/);
      },
    ), { numRuns: 500 });
  });

  it('the alert mapping, with hostile text in every field', () => {
    fc.assert(fc.property(text, text, text, text, text, (title, summary, principal, recommendation, system) => {
      const alert = makeAlert({ title, summary, principal: principal || undefined, recommendation, event: { system: system || undefined } });
      const parsed = parseCef(toCef(alert));
      expect(parsed.header[4]).toBe(headerExpected(title));
      const v = (s: string): string | undefined => (s === '' ? undefined : valueExpected(s));
      expect(parsed.extension.msg).toBe(v(summary));
      expect(parsed.extension.cs1).toBe(v(principal));
      expect(parsed.extension.cs6).toBe(v(recommendation));
      expect(parsed.extension.destinationServiceName).toBe(v(system));
    }), { numRuns: 300 });
  });
});

describe('CEF text an analyst reads', () => {
  it('shows controls, bidirectional overrides and zero-width characters by code point, in the header and the extension', () => {
    const alert = makeAlert({ title: 'invoice-bot\u200b used \u202eNUL\u0000 and ESC\u001b[2J', summary: 'tab\there, C1 \u0090, bom \ufeff' });
    const line = toCef(alert);
    expect(line).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b\u202e\ufeff]/);
    expect(line).toContain('invoice-bot<U+200B> used <U+202E>NUL<U+0000> and ESC<U+001B>[2J');
    expect(parseCef(line).extension.msg).toBe('tab<U+0009>here, C1 <U+0090>, bom <U+FEFF>');
  });
});

describe('CEF alert line', () => {
  it('has the documented header and extension keys', () => {
    const alert = makeAlert();
    const line = toCef(alert, { hostname: 'dw-1' });
    expect(line.startsWith('CEF:0|driftwatch|driftwatch|0.1.0|scope-violation|invoice-bot used a system outside its registered scope|8|')).toBe(true);
    const { extension } = parseCef(line);
    expect(extension).toEqual({
      rt: String(Date.parse(alert.time)),
      start: String(Date.parse(alert.window.start)),
      end: String(Date.parse(alert.window.end)),
      externalId: alert.id,
      msg: alert.summary,
      suid: 'invoice-bot',
      suser: 'Invoice reconciliation agent',
      act: 'read',
      cat: 'tool_use',
      destinationServiceName: 'hr-prod',
      request: 'salaries/2026',
      dvchost: 'dw-1',
      cn1: '92',
      cn1Label: 'score',
      cs1: 'bob@corp.example',
      cs1Label: 'principal',
      cs2: 'alice@corp.example',
      cs2Label: 'owner',
      cs3: 'team-payments',
      cs3Label: 'custodian',
      cs4: 'bob@corp.example > planner > invoice-bot',
      cs4Label: 'delegationChain',
      cs5: 'T1078.004 Valid Accounts: Cloud Accounts; T1213 Data from Information Repositories; ASI03 Identity and Privilege Abuse',
      cs5Label: 'techniques',
      cs6: alert.recommendation,
      cs6Label: 'recommendation',
      flexString1: 'hr.read_salaries',
      flexString1Label: 'tool',
      flexString2: 'evt-000123,evt-000119,evt-000120',
      flexString2Label: 'evidence',
      deviceCustomDate1: String(Date.parse(alert.detected_at!)),
      deviceCustomDate1Label: 'detectedAt',
    });
  });

  it('maps severity to 3/5/8/10 and leaves absent fields out', () => {
    expect(['low', 'medium', 'high', 'critical'].map((s) => parseCef(toCef(makeAlert({ severity: s as never }))).header[5])).toEqual(['3', '5', '8', '10']);
    const lone = parseCef(toCef(makeAlert({ principal: undefined, chain: undefined, detected_at: undefined, agent: { id: 'shadow', registered: false, name: undefined, owner: undefined, custodian: undefined } }))).extension;
    for (const key of ['cs1', 'cs1Label', 'cs2', 'cs3', 'cs4', 'deviceCustomDate1', 'dvchost']) expect(lone[key]).toBeUndefined();
    expect(lone.suser).toBe('shadow');
  });

  it('every sample alert parses, on one line', () => {
    for (const alert of sampleAlerts()) {
      const line = toCef(alert);
      expect(line).not.toMatch(/[\r\n]/);
      expect(parseCef(line).extension.externalId).toBe(alert.id);
    }
  });

  it('cuts values to ArcSight\'s field lengths, ending with …, never inside a surrogate pair; shorter ones stay whole', () => {
    const long = (n: number) => 'x'.repeat(n - 3) + '|=\\';
    const alert = makeAlert({ title: long(1075), summary: long(20_865), recommendation: long(5000), event: { ...makeAlert().event, action: long(100), resource: `${'r'.repeat(1021)}😀tail` } });
    const parsed = parseCef(toCef(alert));
    expect(parsed.header[4]).toHaveLength(512);
    expect(parsed.header[4]!.endsWith('…')).toBe(true);
    expect(parsed.extension.msg).toHaveLength(1023);
    expect(parsed.extension.act).toHaveLength(63);
    expect(parsed.extension.cs6).toHaveLength(4000);
    // The emoji would be cut in half at 1022: it goes whole, and the value is one shorter.
    expect(parsed.extension.request).toBe(`${'r'.repeat(1021)}…`);
    const short = parseCef(toCef(makeAlert({ title: 'a|b=c' }))).header[4];
    expect(short).toBe('a|b=c');
  });

  it('refuses extension keys outside the CEF key syntax', () => {
    expect(() => cefLine({ vendor: 'v', product: 'p', version: '1', signatureId: 's', name: 'n', severity: 1 }, [['bad key', 'x']])).toThrow(TypeError);
  });
});
