// The files docker-compose.yml runs with: the config must load, and the registry must be valid.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { parseRegistry } from '../../../src/registry/registry.js';

const deploy = (name: string) => new URL(`../../../deploy/${name}`, import.meta.url).pathname;

describe('deploy/ (docker compose)', () => {
  it('driftwatch.yaml loads: Kafka source, the alert topic and the archive file as sinks', async () => {
    const config = await loadConfig(deploy('driftwatch.yaml'), {});
    expect(config.source).toMatchObject({ type: 'kafka', topics: ['agent-events'], tokens_topic: 'driftwatch-tokens' });
    expect(config.sinks?.map((sink) => sink.type)).toEqual(['console', 'file', 'kafka']);
    expect(config.registry).toBe('/etc/driftwatch/registry.yaml');
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
  });
});
