// Syslog over TCP, TLS and UDP against a real rsyslogd (test/helpers/rsyslog.ts) that writes every
// message it receives, raw, one per line. The test parses each line as RFC 5424 and checks every
// header field, every structured-data parameter and the MSG, hostile characters included.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/alerts/alert.js';
import { sinkStats } from '../../../src/sinks/create.js';
import { FACILITIES, SYSLOG_SEVERITY, toCef, toJson } from '../../../src/sinks/formats/index.js';
import type { AlertSink } from '../../../src/sinks/sink.js';
import { generateTestCerts, type TestCerts } from '../../helpers/certs.js';
import { startRsyslog, type RsyslogInstance } from '../../helpers/rsyslog.js';
import { alert, alerts, until } from '../../unit/sinks/support.js';
import { capturedStderrLogger, sinksFromYaml } from './support.js';

interface Parsed {
  pri: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  sd: Array<{ id: string; params: Record<string, string> }>;
  bom: boolean;
  msg: string;
}

/** An RFC 5424 message, strictly: header fields, SD elements with PARAM-VALUE unescaping (\" \\ \]), BOM, MSG. */
function parse5424(line: string): Parsed {
  const head = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(line);
  if (!head) throw new Error(`not RFC 5424: ${line.slice(0, 120)}`);
  let i = head[0].length;
  const sd: Parsed['sd'] = [];
  if (line[i] === '-') i++;
  else {
    while (line[i] === '[') {
      i++;
      const idEnd = line.slice(i).search(/[ \]]/) + i;
      const element = { id: line.slice(i, idEnd), params: {} as Record<string, string> };
      i = idEnd;
      while (line[i] === ' ') {
        const eq = line.indexOf('="', i);
        const name = line.slice(i + 1, eq);
        i = eq + 2;
        let value = '';
        for (;;) {
          const c = line[i++];
          if (c === undefined) throw new Error('unterminated PARAM-VALUE');
          if (c === '\\' && (line[i] === '"' || line[i] === '\\' || line[i] === ']')) value += line[i++];
          else if (c === '"') break;
          else value += c;
        }
        element.params[name] = value;
      }
      if (line[i] !== ']') throw new Error(`SD element not closed at ${i}: ${line.slice(i, i + 40)}`);
      i++;
      sd.push(element);
    }
  }
  let msg = '';
  let bom = false;
  if (i < line.length) {
    if (line[i] !== ' ') throw new Error(`no SP before MSG at ${i}`);
    msg = line.slice(i + 1);
    bom = msg.startsWith('\uFEFF');
    if (bom) msg = msg.slice(1);
  }
  const [, pri, timestamp, hostname, appName, procId, msgId] = head;
  return { pri: Number(pri), timestamp: timestamp!, hostname: hostname!, appName: appName!, procId: procId!, msgId: msgId!, sd, bom, msg };
}

/** Alerts whose text every layer must escape: quotes, backslashes, brackets, pipes, equals, line breaks, tabs, NUL, Unicode. */
function hostileAlerts(): Alert[] {
  return [
    alert('dw-plain-0001'),
    alert('dw-hostile|\\=]"[x]', {
      severity: 'critical',
      detector: 'token-misuse',
      title: 'weird | title \\ with = and\r\nnew line ✓ 日本 "quoted" [bracket]',
      summary: 'line one\nline two\rline three\ttab | a=b \\ "q" ] \u2028 \u2029 \u0085 NUL:\u0000 end 🙂 Ω',
      principal: 'dave|x@corp.example',
      agent: { id: 'agent "q" ]\\', registered: false, name: 'Agent\nName' },
      recommendation: 'revoke\\rotate = now\n',
      evidence: ['evt-"1"', 'evt-]2[', 'evt-\\3'],
    }),
    alert('dw-low-0003', { severity: 'low', detector: 'stale-review', agent: { id: 'hr-bot', registered: true, owner: 'ops@corp.example' } }),
    alert('dw-big-0004', { severity: 'medium', summary: `long ${'x'.repeat(9000)} ünïcödé tail` }),
  ];
}

function checkMessage(line: string, sent: Alert, format: 'json' | 'cef', hostname: string): void {
  const m = parse5424(line);
  expect(m.pri).toBe(FACILITIES.local4 * 8 + SYSLOG_SEVERITY[sent.severity]);
  expect(m.timestamp).toBe(sent.detected_at);
  expect(m.hostname).toBe(hostname);
  expect(m.appName).toBe('driftwatch');
  expect(m.procId).toBe(String(process.pid));
  expect(m.msgId).toBe(sent.detector);
  expect(m.sd).toEqual([
    {
      id: 'driftwatch@32473',
      params: {
        alert_id: sent.id,
        detector: sent.detector,
        agent: sent.agent.id,
        severity: sent.severity,
        score: String(sent.score),
        format,
      },
    },
  ]);
  expect(m.bom).toBe(true);
  if (format === 'json') expect(JSON.parse(m.msg)).toEqual(toJson(sent));
  // CEF names the host as the syslog header does (dvchost).
  else expect(m.msg).toBe(asReceivedByRsyslog(toCef(sent, { hostname })));
}

/**
 * rsyslog escapes control characters on reception (parser.escapeControlCharactersOnReceive, on by
 * default): TAB arrives as `#011`, NUL as `#000`. CEF escapes only CR and LF, so a CEF value with a
 * TAB or NUL reaches rsyslog's output in that form; the JSON formats escape every control character.
 */
function asReceivedByRsyslog(text: string): string {
  return text.replace(/[\x00-\x1f]/g, (c) => `#${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

function byAlertId(lines: string[]): Map<string, string> {
  return new Map(lines.map((line) => [parse5424(line).sd[0]!.params.alert_id!, line]));
}

describe('syslog sink against rsyslog', () => {
  let certs: TestCerts;
  let rsyslog: RsyslogInstance | undefined;
  let dir: string;
  let sinks: AlertSink[] = [];

  beforeAll(async () => {
    certs = await generateTestCerts();
  });
  afterAll(async () => {
    await certs?.cleanup();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftwatch-syslog-'));
  });
  afterEach(async () => {
    await Promise.all(sinks.map((s) => s.close()));
    sinks = [];
    await rsyslog?.stop();
    rsyslog = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const sink = (body: string, logger?: ReturnType<typeof capturedStderrLogger>) => {
    ({ sinks } = sinksFromYaml(
      `sinks:\n  - type: syslog\n    name: siem\n    hostname: dw-test-host\n${body}\n    delivery: { rejected_path: ${join(dir, 'failed.jsonl')}, retry: { initial: 20ms, max: 100ms }, breaker: { failures: 3, cooldown: 200ms }, drain_timeout: 50ms }\n`,
      {},
      logger,
    ));
    return sinks[0]!;
  };

  for (const format of ['json', 'cef'] as const) {
    it(`TCP with octet-counting framing: every field and escaped character arrives intact (${format})`, async () => {
      rsyslog = await startRsyslog();
      const sent = hostileAlerts();
      const out = sink(`    transport: tcp\n    host: 127.0.0.1\n    port: ${rsyslog.ports.tcp}\n    format: ${format}`);
      expect(await out.deliver(sent)).toEqual({ delivered: sent.length, rejected: 0 });
      const lines = await rsyslog.waitForLines(sent.length);
      expect(lines).toHaveLength(sent.length);
      const received = byAlertId(lines);
      for (const a of sent) checkMessage(received.get(a.id)!, a, format, 'dw-test-host');
    });
  }

  it('TLS with certificate verification (CA, servername, client certificate): every field arrives intact', async () => {
    rsyslog = await startRsyslog({ tls: { ca: certs.caFile, cert: certs.certFile, key: certs.keyFile } });
    const sent = hostileAlerts();
    const out = sink(
      `    transport: tls\n    host: 127.0.0.1\n    port: ${rsyslog.ports.tls}\n` +
        `    tls: { ca: ${certs.caFile}, servername: localhost, cert: ${certs.clientCertFile}, key: ${certs.clientKeyFile} }`,
    );
    expect(await out.deliver(sent)).toEqual({ delivered: sent.length, rejected: 0 });
    const received = byAlertId(await rsyslog.waitForLines(sent.length));
    for (const a of sent) checkMessage(received.get(a.id)!, a, 'json', 'dw-test-host');
    // A second batch reuses the connection.
    await out.deliver([alert('dw-second-batch')]);
    expect((await rsyslog.waitForLines(sent.length + 1)).length).toBe(sent.length + 1);
  });

  it('TLS refuses a receiver whose certificate it cannot verify: nothing is sent; closed, the alert goes to the rejected file', async () => {
    rsyslog = await startRsyslog({ tls: { ca: certs.caFile, cert: certs.certFile, key: certs.keyFile } });
    const logger = capturedStderrLogger();
    const out = sink(`    transport: tls\n    host: 127.0.0.1\n    port: ${rsyslog.ports.tls}`, logger);
    const pending = out.deliver([alert(1)]);
    await until(() => sinkStats(sinks)[0]!.breaker === 'open', 10_000, 'breaker open');
    expect(logger.text()).toMatch(/certificate/i);
    expect(await rsyslog.readLines()).toEqual([]);
    // Closed without a Kafka source to replay them: the waiting alert goes to the rejected-alerts file.
    await out.close();
    await expect(pending).resolves.toEqual({ delivered: 0, rejected: 1 });
    expect(await rsyslog.readLines()).toEqual([]);
    sinks = [];
  });

  it('UDP: one alert per datagram, cut to max_message_bytes with the header and structured data whole, truncation counted', async () => {
    rsyslog = await startRsyslog();
    const sent = hostileAlerts();
    const out = sink(`    transport: udp\n    format: json\n    host: 127.0.0.1\n    port: ${rsyslog.ports.udp}\n    max_message_bytes: 2048`);
    expect(await out.deliver(sent)).toEqual({ delivered: sent.length, rejected: 0 });
    const received = byAlertId(await rsyslog.waitForLines(sent.length));
    for (const a of sent.filter((a) => a.id !== 'dw-big-0004')) checkMessage(received.get(a.id)!, a, 'json', 'dw-test-host');
    const big = received.get('dw-big-0004')!;
    expect(Buffer.byteLength(big)).toBeLessThanOrEqual(2048);
    expect(Buffer.byteLength(big)).toBeGreaterThan(2000);
    const parsed = parse5424(big);
    expect(parsed.sd[0]!.params).toMatchObject({ alert_id: 'dw-big-0004', severity: 'medium' });
    expect(JSON.stringify(toJson(sent[3]!)).startsWith(parsed.msg)).toBe(true);
    expect(sinkStats(sinks)[0]!.transport).toEqual({ datagrams: 4, truncated: 1 });
  });

  it('TCP with max_message_bytes at rsyslog\'s 8 KiB: a larger alert goes whole to the rejected-alerts file instead of arriving cut in two', async () => {
    rsyslog = await startRsyslog();
    const sent = [alert(1), alert('big-0002', { summary: 'x'.repeat(12_000) }), alert(3)];
    const out = sink(`    transport: tcp\n    format: json\n    host: 127.0.0.1\n    port: ${rsyslog.ports.tcp}\n    max_message_bytes: 8KiB`);
    expect(await out.deliver(sent)).toEqual({ delivered: 2, rejected: 1 });
    const received = byAlertId(await rsyslog.waitForLines(2));
    expect([...received.keys()].sort()).toEqual(['dw-0001', 'dw-0003']);
    for (const a of [sent[0]!, sent[2]!]) checkMessage(received.get(a.id)!, a, 'json', 'dw-test-host');
    const rejected = (await readFile(join(dir, 'failed.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { alert: Alert; reason: string });
    expect(rejected.map((record) => record.alert.id)).toEqual(['big-0002']);
    expect(rejected[0]!.reason).toMatch(/above max_message_bytes \(8192\)/);
    expect(rejected[0]!.alert.summary).toHaveLength(12_000);
  });

  it('TCP: a receiver that goes away holds the alerts back (backpressure); they arrive once it is back', async () => {
    rsyslog = await startRsyslog();
    const port = rsyslog.ports.tcp;
    const out = sink(`    transport: tcp\n    host: 127.0.0.1\n    port: ${port}`);
    await out.deliver(alerts(1, 2));
    await rsyslog.waitForLines(2);
    await rsyslog.stop();
    let done = false;
    const pending = out.deliver(alerts(3, 3)).then((report) => ((done = true), report));
    await until(() => sinkStats(sinks)[0]!.failures >= 3, 10_000, 'failed attempts');
    expect(done).toBe(false);
    rsyslog = await startRsyslog({ tcpPort: port });
    expect(await pending).toEqual({ delivered: 3, rejected: 0 });
    const lines = await rsyslog.waitForLines(3);
    expect(lines.map((l) => parse5424(l).sd[0]!.params.alert_id)).toEqual(['dw-0003', 'dw-0004', 'dw-0005']);
  });
});
