import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { formatYamlIssue, type YamlIssue } from '../../../src/config/yaml.js';

const FILE = 'driftwatch.yaml';

function configOf(text: string, env: NodeJS.ProcessEnv = {}) {
  const result = parseConfig(text, FILE, env);
  if (!result.ok) throw new Error(`expected a valid config: ${result.errors.map(formatYamlIssue).join('\n')}`);
  return result.config;
}

function errorsOf(text: string, env: NodeJS.ProcessEnv = {}): YamlIssue[] {
  const result = parseConfig(text, FILE, env);
  if (result.ok) throw new Error('expected the config to be refused');
  return result.errors;
}

describe('config: telemetry', () => {
  it('exports nothing unless a section is given', () => {
    expect(configOf('registry: agents.yaml\n').telemetry).toEqual({});
  });

  it('fills the Prometheus defaults from an empty section', () => {
    expect(configOf('registry: agents.yaml\ntelemetry:\n  prometheus: {}\n').telemetry).toEqual({
      prometheus: { host: '0.0.0.0', port: 9464, path: '/metrics' },
    });
  });

  it('takes host, port and path, the port also from ${ENV}', () => {
    const text = 'registry: agents.yaml\ntelemetry:\n  prometheus:\n    host: 127.0.0.1\n    port: ${METRICS_PORT}\n    path: /prom\n';
    expect(configOf(text, { METRICS_PORT: '9100' }).telemetry.prometheus).toEqual({ host: '127.0.0.1', port: 9100, path: '/prom' });
    expect(configOf('registry: agents.yaml\ntelemetry: { prometheus: { port: 0 } }\n').telemetry.prometheus?.port).toBe(0);
  });

  it.each([
    ['port: 70000', 'telemetry.prometheus.port'],
    ['port: 94.64', 'telemetry.prometheus.port'],
    ['port: ninety', 'telemetry.prometheus.port'],
    ['path: metrics', 'telemetry.prometheus.path'],
    ['host: ""', 'telemetry.prometheus.host'],
  ])('refuses %s, naming %s and its line', (setting, field) => {
    const errors = errorsOf(`registry: agents.yaml\ntelemetry:\n  prometheus:\n    ${setting}\n`);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.field).toBe(field);
    expect(errors[0]!.line).toBe(4);
  });

  it('refuses an unknown key, naming it', () => {
    const errors = errorsOf('registry: agents.yaml\ntelemetry:\n  prometheus: {}\n  otlp: { endpoint: http://collector:4318 }\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('otlp');
    expect(errors[0]!.field).toMatch(/^telemetry/);
  });
});
