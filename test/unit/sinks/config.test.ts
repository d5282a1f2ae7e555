import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { loadConfig, parseConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import { createSinks } from '../../../src/sinks/create.js';

const YAML = `
registry: registry.yaml
sinks:
  - type: syslog
    name: siem-syslog
    transport: tls
    host: siem.corp.example
    format: cef
    tls: { ca: certs/ca.pem, cert: certs/client.pem, key: certs/client.key, servername: siem.corp.example }
  - type: syslog
    name: syslog-udp
    transport: udp
    host: 10.0.0.5
    max_message_bytes: 1KiB
  - type: splunk-hec
    name: splunk
    url: https://splunk.corp.example:8088
    token: \${HEC_TOKEN}
    format: ocsf
    index: security
    ack: true
    delivery: { max_batch: 50, linger: 200ms, retry: { initial: 500ms, max: 1m }, breaker: { failures: 3, cooldown: 1m } }
  - type: webhook
    name: pager
    url: https://hooks.corp.example/driftwatch
    secret: \${WEBHOOK_KEY}
    format: ecs
  - type: file
    name: archive
    path: alerts/alerts.jsonl
    max_bytes: 10MiB
    max_files: 3
    delivery: { rejected_path: rejected.jsonl }
routes:
  - sinks: [archive]
  - match: { severity_at_least: medium }
    sinks: [splunk, siem-syslog]
  - match: { severity_at_least: critical, agents: ["payments-*"] }
    sinks: [pager]
default_sinks: [syslog-udp]
`;

const env = { HEC_TOKEN: 'tok-1234-abcd', WEBHOOK_KEY: 'key-9876-zyxw' };

describe('sink and routing config', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('parses every sink type with defaults, secrets from the environment, and routes', () => {
    const result = parseConfig(YAML, 'config.yaml', env);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const [syslog, udp, hec, webhook, file] = result.config.sinks;
    expect(syslog).toMatchObject({ type: 'syslog', transport: 'tls', facility: 'local4', app_name: 'driftwatch', tls: { verify: true } });
    expect(udp).toMatchObject({ type: 'syslog', transport: 'udp', max_message_bytes: 1024 });
    expect(hec).toMatchObject({ type: 'splunk-hec', token: 'tok-1234-abcd', format: 'ocsf', ack: true, source: 'driftwatch' });
    expect(hec).toMatchObject({ delivery: { max_batch: 50, linger: '200ms', queue_capacity: 10_000, retry: { initial: '500ms', max: '1m' }, breaker: { failures: 3 } } });
    expect(webhook).toMatchObject({ type: 'webhook', secret: 'key-9876-zyxw', format: 'ecs', headers: {} });
    expect(webhook).toMatchObject({ delivery: { rejected_path: 'failed-alerts.jsonl', retry: { initial: '200ms', max: '30s' }, breaker: { failures: 5, cooldown: '30s' } } });
    expect(file).toMatchObject({ type: 'file', max_bytes: 10 * 1024 * 1024, max_files: 3 });
    expect(result.config.routes).toHaveLength(3);
    expect(result.config.routes[0]!.match).toEqual({});
    expect(result.config.default_sinks).toEqual(['syslog-udp']);
  });

  it('reports routes to unknown sinks, duplicate sink names and misplaced settings, with their lines', () => {
    const bad = `
registry: r.yaml
sinks:
  - { type: webhook, url: "https://a.example/" }
  - { type: webhook, url: "https://b.example/" }
  - { type: syslog, transport: tcp, host: h, tls: { verify: false } }
  - { type: splunk-hec, name: s, url: "https://s.example/" }
routes:
  - sinks: [nowhere]
default_sinks: [nothing]
`;
    const result = parseConfig(bad, 'bad.yaml', {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const messages = result.errors.map((e) => `${e.line} ${e.field}: ${e.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^6 sinks\.2\.tls: tls settings need transport: tls/),
        expect.stringMatching(/^7 sinks\.3\.token: /),
      ]),
    );
    // Names and route references are checked once every sink validates.
    const twice = parseConfig(`registry: r.yaml\nsinks:\n  - { type: webhook, url: "https://a.example/" }\n  - { type: webhook, url: "https://b.example/" }\n`, 't.yaml', {});
    expect(twice.ok).toBe(false);
    if (!twice.ok) expect(twice.errors.map((e) => `${e.line} ${e.field}: ${e.message}`)).toEqual(['4 sinks.1.name: sink name "webhook" is used twice; give each sink its own name']);
    const refs = parseConfig(`registry: r.yaml\nsinks: [{ type: console }]\nroutes: [{ sinks: [nowhere] }]\ndefault_sinks: [nothing]\n`, 'refs.yaml', {});
    expect(refs.ok).toBe(false);
    if (!refs.ok) {
      expect(refs.errors.map((e) => `${e.field}: ${e.message}`)).toEqual([
        'routes.0.sinks.0: no sink is named "nowhere" (sinks: console)',
        'default_sinks.0: no sink is named "nothing" (sinks: console)',
      ]);
    }
  });

  it('refuses a webhook or HEC url that is not http(s) or carries credentials, naming the field and line, without echoing it', () => {
    const result = parseConfig(
      'registry: r.yaml\nsinks:\n  - { type: webhook, name: a, url: "ftp://x.example/alerts" }\n  - { type: splunk-hec, name: b, url: "https://user:s3cret@x.example:8088", token: t }\n',
      'urls.yaml',
      {},
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.map((e) => `${e.line} ${e.field}: ${e.message}`)).toEqual([
        '3 sinks.0.url: must be an http:// or https:// URL',
        "4 sinks.1.url: must not carry credentials; use the sink's token or secret setting",
      ]);
      expect(JSON.stringify(result.errors)).not.toContain('s3cret');
    }
  });

  it('takes sink file paths (file, rejected-alerts file, TLS files) from the config file\'s directory', async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftwatch-config-'));
    await writeFile(join(dir, 'config.yaml'), YAML);
    const config = await loadConfig(join(dir, 'config.yaml'), env);
    const [syslog, udp, , , file] = config.sinks;
    expect(syslog).toMatchObject({ tls: { ca: join(dir, 'certs/ca.pem'), cert: join(dir, 'certs/client.pem'), key: join(dir, 'certs/client.key') } });
    expect(udp).toMatchObject({ delivery: { rejected_path: join(dir, 'failed-alerts.jsonl') } });
    expect(file).toMatchObject({ path: join(dir, 'alerts/alerts.jsonl'), delivery: { rejected_path: join(dir, 'rejected.jsonl') } });
  });

  it('names the sink and the field of a TLS file that cannot be read, as for the Kafka sink', async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftwatch-config-'));
    await writeFile(join(dir, 'config.yaml'), YAML);
    const config = await loadConfig(join(dir, 'config.yaml'), env);
    const syslog = config.sinks.filter((sink) => sink.name === 'siem-syslog');
    expect(() => createSinks(syslog, new PassThrough())).toThrow(`cannot read sink "siem-syslog" tls.ca ${join(dir, 'certs/ca.pem')}: ENOENT`);
    const webhook = { ...config.sinks.find((sink) => sink.name === 'pager')!, tls: { verify: true, cert: join(dir, 'config.yaml') } } as Config['sinks'][number];
    expect(() => createSinks([webhook], new PassThrough())).toThrow('sink "pager" tls: a client certificate needs both cert and key');
  });
});
