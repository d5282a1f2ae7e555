import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokerAddresses } from '../../../src/config/kafka.js';
import { loadConfig, parseConfig } from '../../../src/config/load.js';
import { formatYamlIssue, type YamlIssue } from '../../../src/config/yaml.js';
import { isDriftwatchError } from '../../../src/errors.js';
import { tempDir } from '../../fixtures/core/temp.js';

const FILE = 'driftwatch.yaml';

function errorsOf(text: string, env: NodeJS.ProcessEnv = {}): YamlIssue[] {
  const result = parseConfig(text, FILE, env);
  if (result.ok) throw new Error('expected the config to be refused');
  return result.errors;
}

function configOf(text: string, env: NodeJS.ProcessEnv = {}) {
  const result = parseConfig(text, FILE, env);
  if (!result.ok) throw new Error(`expected a valid config: ${result.errors.map(formatYamlIssue).join('\n')}`);
  return result.config;
}

describe('config schema', () => {
  it('fills every default from a minimal file', () => {
    expect(configOf('registry: agents.yaml\n')).toMatchObject({
      registry: 'agents.yaml',
      source: { type: 'stdin' },
      max_event_bytes: 1024 * 1024,
      dead_letter: { path: 'dead-letters.jsonl' },
      detectors: { directories: [], maturity: ['stable'], settings: {} },
      sinks: [{ type: 'console', name: 'console', color: 'auto' }],
    });
  });

  it('rejects an unknown nested key with its line, naming it', () => {
    const text = `registry: agents.yaml
sinks:
  - type: file
    path: alerts.jsonl
    colour: red
`;
    const errors = errorsOf(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('colour');
    expect(errors[0]!.file).toBe(FILE);
    expect(errors[0]!.field).toMatch(/^sinks\.0/);
    expect(errors[0]!.line).toBe(5);
  });

  it('rejects an unknown top-level key with its line', () => {
    const text = `# driftwatch config\nregistry: agents.yaml\nregsitry_reload: true\n`;
    const errors = errorsOf(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('regsitry_reload');
    expect(errors[0]!.line).toBe(3);
  });

  it('rejects unknown keys in detector settings and their exceptions, with lines', () => {
    const text = `registry: agents.yaml
detectors:
  settings:
    scope-violation:
      mode: dry-run
      supress_for: 1h
      exceptions:
        - { agent: "batch-*", tol: "x" }
`;
    const errors = errorsOf(text);
    expect(errors.map((e) => e.message).join('\n')).toMatch(/supress_for/);
    expect(errors.map((e) => e.message).join('\n')).toMatch(/tol/);
    expect(errors.every((e) => e.line >= 4 && e.line <= 8)).toBe(true);
  });

  it('reports every invalid value with its line', () => {
    const text = `registry: agents.yaml
max_event_bytes: lots
detectors:
  maturity: [stable, experimental]
  settings:
    scope-violation:
      mode: loud
      suppress_for: a while
      exceptions:
        - {}
`;
    const errors = errorsOf(text);
    expect(errors.map((e) => [e.field, e.line])).toEqual(
      expect.arrayContaining([
        ['max_event_bytes', 2],
        ['detectors.maturity.1', 4],
        ['detectors.settings.scope-violation.mode', 7],
        ['detectors.settings.scope-violation.suppress_for', 8],
        ['detectors.settings.scope-violation.exceptions.0', 10],
      ]),
    );
  });

  it('refuses a suppress_for longer than a year (its alert windows would end past the year 9999)', () => {
    const text = (value: string) => `registry: agents.yaml\ndetectors:\n  settings:\n    scope-violation:\n      suppress_for: ${value}\n`;
    expect(errorsOf(text('99999999999999999999d'))).toEqual([expect.objectContaining({ field: 'detectors.settings.scope-violation.suppress_for', line: 5, message: expect.stringContaining('at most 366d') })]);
    expect(configOf(text('366d')).detectors.settings['scope-violation']!.suppress_for).toBe('366d');
  });

  it.each([
    ['1MiB', 1024 ** 2],
    ['512KiB', 512 * 1024],
    ['2 GiB', 2 * 1024 ** 3],
    ['100B', 100],
    [4096, 4096],
  ])('reads the size %s', (value, bytes) => {
    expect(configOf(`registry: r.yaml\nmax_event_bytes: ${value}\n`).max_event_bytes).toBe(bytes);
  });

  it.each(['1MB', '1.5MiB', '-1', '0', 'MiB', '1 mib'])('refuses the size %s', (value) => {
    expect(errorsOf(`registry: r.yaml\nmax_event_bytes: ${value}\n`)).toEqual([expect.objectContaining({ field: 'max_event_bytes', line: 2 })]);
  });
});

describe('environment interpolation', () => {
  it('replaces ${NAME} and ${NAME:-default} in every string, nested too', () => {
    const text = `registry: \${REGISTRY_DIR}/agents.yaml
dead_letter: { path: "\${DLQ:-/var/lib/driftwatch/dlq.jsonl}" }
sinks:
  - type: file
    path: \${OUT_DIR:-out}/\${OUT_NAME:-alerts}.jsonl
detectors:
  settings:
    my-detector:
      options: { endpoint: "https://\${HOST}:\${PORT:-443}/x", literal: "$HOME and \${lower}" }
`;
    const config = configOf(text, { REGISTRY_DIR: '/etc/dw', OUT_NAME: 'a$&b', HOST: 'siem', PORT: '' });
    expect(config.registry).toBe('/etc/dw/agents.yaml');
    expect(config.dead_letter.path).toBe('/var/lib/driftwatch/dlq.jsonl');
    expect(config.sinks[0]).toMatchObject({ type: 'file', path: 'out/a$&b.jsonl' });
    // A set-but-empty variable is used as is (no default); lower-case names are not references.
    expect(config.detectors.settings['my-detector']!.options).toEqual({ endpoint: 'https://siem:/x', literal: '$HOME and ${lower}' });
  });

  it('a syslog port may come from the environment (a numeric string); a wrong one names the field', () => {
    const text = 'registry: r.yaml\nsinks:\n  - { type: syslog, host: siem.example, port: "${SYSLOG_PORT}" }\n';
    const sink = configOf(text, { SYSLOG_PORT: '6514' }).sinks[0]!;
    expect(sink.type === 'syslog' && sink.port).toBe(6514);
    expect(errorsOf(text, { SYSLOG_PORT: '70000' })).toEqual([expect.objectContaining({ field: 'sinks.0.port', line: 3 })]);
  });

  it('refuses a broker without a port or with one out of range, with its line; an entry may list several, comma-separated', () => {
    const source = (brokers: string) => `registry: r.yaml\nsource:\n  type: kafka\n  topics: [agent-events]\n  brokers: [${brokers}]\n`;
    for (const bad of ['"127.0.0.1"', '"kafka:0"', '"kafka:65536"', '"kafka:9092,"', '"kafka 9092"', '"[::1]:9092"']) {
      expect(errorsOf(source(bad)), bad).toEqual([expect.objectContaining({ field: 'source.brokers.0', line: 5, message: expect.stringContaining('must be host:port') })]);
    }
    const config = configOf(source('"${KAFKA_BROKERS}"'), { KAFKA_BROKERS: 'k1.example:9092, 10.0.0.7:9093,kafka_2:9094' });
    expect(config.source.type === 'kafka' && config.source.brokers).toEqual(['k1.example:9092, 10.0.0.7:9093,kafka_2:9094']);
    expect(brokerAddresses(['k1.example:9092, 10.0.0.7:9093,kafka_2:9094', 'k4:9092'])).toEqual(['k1.example:9092', '10.0.0.7:9093', 'kafka_2:9094', 'k4:9092']);
  });

  it('an empty default is allowed', () => {
    expect(configOf('registry: "r${SUFFIX:-}.yaml"\n').registry).toBe('r.yaml');
  });

  it('reports every missing variable with its line and field', () => {
    const text = `registry: agents.yaml
sinks:
  - type: file
    path: \${ALERTS_PATH}
dead_letter:
  path: \${DLQ_DIR}/dlq-\${DLQ_NAME}.jsonl
`;
    const errors = errorsOf(text, { DLQ_DIR: '/tmp' });
    expect(errors).toEqual([
      expect.objectContaining({ file: FILE, line: 4, field: 'sinks.0.path', message: expect.stringContaining('ALERTS_PATH') }),
      expect.objectContaining({ file: FILE, line: 6, field: 'dead_letter.path', message: expect.stringContaining('DLQ_NAME') }),
    ]);
  });

  it('reports a missing variable together with the other problems of the file', () => {
    const text = 'registry: ${REGISTRY}\nmax_event_bytes: lots\n';
    const errors = errorsOf(text);
    expect(errors.map((e) => e.field)).toEqual(expect.arrayContaining(['registry', 'max_event_bytes']));
  });

  it('refuses a sink url that is no URL (an unset variable, empty, a word) with the field, not a crash', () => {
    const errors = errorsOf('registry: r.yaml\nsourc: {}\nsinks:\n  - { type: webhook, url: "${HOOK_URL}" }\n  - { type: webhook, name: b, url: "" }\n  - { type: splunk-hec, url: nope, token: t }\n');
    expect(errors.map((e) => `${e.field}: ${e.message}`)).toEqual(
      expect.arrayContaining([
        'sinks.0.url: environment variable HOOK_URL is not set',
        'sinks.1.url: Invalid URL',
        'sinks.2.url: Invalid URL',
        expect.stringMatching(/^sourc: unknown key/),
      ]),
    );
  });

  it('refuses a timer duration beyond 24 days, which a Node.js timer would fire after 1 ms', () => {
    const errors = errorsOf('registry: r.yaml\nsinks:\n  - { type: syslog, transport: tcp, host: h, timeout: 30d, delivery: { drain_timeout: 25d, breaker: { cooldown: 24d } } }\n');
    expect(errors.map((e) => `${e.field}: ${e.message}`)).toEqual([
      'sinks.0.timeout: must be at most 24d (a timer cannot wait longer)',
      'sinks.0.delivery.drain_timeout: must be at most 24d (a timer cannot wait longer)',
    ]);
  });

  it('does not put the value of a variable in an error message', () => {
    const errors = errorsOf('registry: agents.yaml\nmax_event_bytes: ${SECRET_SIZE}\n', { SECRET_SIZE: 'hunter2-not-a-size' });
    expect(errors.map(formatYamlIssue).join('\n')).not.toContain('hunter2');
  });
});

describe('loadConfig', () => {
  it('resolves relative paths from the config file directory and keeps absolute ones and "-"', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const configDir = join(dir, 'etc');
      await mkdir(configDir);
      const file = join(configDir, 'driftwatch.yaml');
      await writeFile(
        file,
        `registry: agents.yaml
source: { type: file, path: ../events/today.jsonl }
dead_letter: { path: dlq/dead.jsonl }
detectors: { directories: [plugins, /opt/detectors] }
sinks:
  - { type: file, path: out/alerts.jsonl }
  - { type: console }
`,
      );
      const config = await loadConfig(file, {});
      expect(config.registry).toBe(join(configDir, 'agents.yaml'));
      expect(config.source).toEqual({ type: 'file', path: join(dir, 'events', 'today.jsonl') });
      expect(config.dead_letter.path).toBe(join(configDir, 'dlq', 'dead.jsonl'));
      expect(config.detectors.directories).toEqual([join(configDir, 'plugins'), '/opt/detectors']);
      expect(config.sinks[0]).toMatchObject({ type: 'file', path: join(configDir, 'out', 'alerts.jsonl') });
      expect(config.sinks[1]).toMatchObject({ type: 'console' });

      await writeFile(file, 'registry: /abs/agents.yaml\nsource: { type: file, path: "-" }\n');
      const other = await loadConfig(file, {});
      expect(other.registry).toBe('/abs/agents.yaml');
      expect(other.source).toEqual({ type: 'file', path: '-' });
    } finally {
      await cleanup();
    }
  });

  it('resolves an interpolated relative path from the config directory too', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const file = join(dir, 'c.yaml');
      await writeFile(file, 'registry: ${REG:-agents.yaml}\n');
      expect((await loadConfig(file, {})).registry).toBe(join(dir, 'agents.yaml'));
    } finally {
      await cleanup();
    }
  });

  it('throws DW_CONFIG_INVALID with file:line:column for every problem, and for an unreadable file', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const file = join(dir, 'c.yaml');
      await writeFile(file, 'registry: agents.yaml\nsinks:\n  - type: kafka\n');
      const error = await loadConfig(file, {}).then(() => undefined, (e: unknown) => e);
      expect(isDriftwatchError(error, 'DW_CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toContain(`${file}:3:`);
      expect((error as Error).message).toContain('sinks.0');

      const missing = await loadConfig(join(dir, 'none.yaml'), {}).then(() => undefined, (e: unknown) => e);
      expect(isDriftwatchError(missing, 'DW_CONFIG_INVALID')).toBe(true);
    } finally {
      await cleanup();
    }
  });
});
