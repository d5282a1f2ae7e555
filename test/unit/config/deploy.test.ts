// The files docker-compose.yml runs with: the config must load, and the registry must be valid.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { parseRegistry } from '../../../src/registry/registry.js';
import { HEALTH_PATH } from '../../../src/telemetry/metrics-export.js';

const deploy = (name: string) => new URL(`../../../deploy/${name}`, import.meta.url).pathname;

describe('deploy/ (docker compose)', () => {
  it('driftwatch.yaml loads: Kafka source, the alert topic and the archive file as sinks', async () => {
    const config = await loadConfig(deploy('driftwatch.yaml'), {});
    expect(config.source).toMatchObject({ type: 'kafka', topics: ['agent-events'], tokens_topic: 'driftwatch-tokens' });
    expect(config.sinks?.map((sink) => sink.type)).toEqual(['console', 'file', 'kafka']);
    expect(config.registry).toBe('/etc/driftwatch/registry.yaml');
    expect(config.source).toMatchObject({ brokers: ['kafka:29092'] });
    const elsewhere = await loadConfig(deploy('driftwatch.yaml'), { KAFKA_BROKERS: '10.0.0.7:9092' });
    expect(elsewhere.source).toMatchObject({ brokers: ['10.0.0.7:9092'] });
    expect(elsewhere.sinks?.find((sink) => sink.type === 'kafka')).toMatchObject({ brokers: ['10.0.0.7:9092'] });
  });

  it('the SIEM sinks commented out in driftwatch.yaml are valid once uncommented, with the secrets .env.example names', async () => {
    const text = readFileSync(deploy('driftwatch.yaml'), 'utf8').replace(/^  # (- type|  )/gm, '  $1');
    const dir = mkdtempSync(join(tmpdir(), 'dw-deploy-'));
    writeFileSync(join(dir, 'driftwatch.yaml'), text);
    const config = await loadConfig(join(dir, 'driftwatch.yaml'), { SPLUNK_HEC_TOKEN: 'hec-token-value', WEBHOOK_SECRET: 'webhook-secret-value' });
    expect(config.sinks?.map((sink) => sink.type)).toEqual(['console', 'file', 'kafka', 'splunk-hec', 'webhook']);
    // What the job writes must be in the writable volume, not next to the config (mounted read-only).
    const compose = readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8');
    expect(compose).toContain('driftwatch-out:/var/lib/driftwatch');
    // The healthcheck asks the liveness path the metrics server answers, on the port the config serves.
    expect(compose).toContain(`fetch('http://127.0.0.1:9464${HEALTH_PATH}')`);
    for (const sink of config.sinks ?? []) {
      if (sink.type === 'file') expect(sink.path).toMatch(/^\/var\/lib\/driftwatch\//);
      if (sink.type !== 'console') expect(sink.delivery.rejected_path, sink.name).toMatch(/^\/var\/lib\/driftwatch\//);
    }
    const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    for (const name of ['SPLUNK_HEC_TOKEN', 'WEBHOOK_SECRET']) {
      expect(text).toContain(`\${${name}}`);
      expect(example).toContain(`${name}=`);
    }
  });

  it('registry.yaml is a valid registry', () => {
    const parsed = parseRegistry(readFileSync(deploy('registry.yaml'), 'utf8'), 'registry.yaml');
    expect(parsed.ok).toBe(true);
  });

  it('docker-compose.yml mounts ./deploy where the config expects it and creates every topic the config names', () => {
    const compose = readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8');
    expect(compose).toContain('./deploy:/etc/driftwatch:ro');
    for (const topic of ['agent-events', 'driftwatch-state', 'driftwatch-tokens', 'driftwatch-dead-letters', 'driftwatch-alerts']) {
      expect(compose).toContain(`--topic ${topic} `);
    }
    // The configs docs/kafka.md lists for operators who create the compacted topics themselves.
    for (const topic of ['driftwatch-state', 'driftwatch-tokens']) {
      const line = compose.split('\n').find((l) => l.includes(`--topic ${topic} `))!;
      for (const setting of ['cleanup.policy=compact', 'min.compaction.lag.ms=0', 'segment.ms=3600000']) expect(line).toContain(`--config ${setting}`);
    }
  });

  it('docker-compose.yml keeps the broker data in its volume: the log directory is where the volume is mounted', () => {
    const compose = readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8');
    const mount = /- kafka-data:(\S+)/.exec(compose)?.[1];
    expect(mount).toBeDefined();
    // apache/kafka writes to /tmp/kraft-combined-logs unless KAFKA_LOG_DIRS says otherwise.
    expect(compose).toMatch(new RegExp(`KAFKA_LOG_DIRS: ${mount}\\s`));
  });
});
