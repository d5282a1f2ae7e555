import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderGeneratedDocs } from '../../src/docs/generate.js';

describe('generated reference documents', () => {
  for (const [path, expected] of Object.entries(renderGeneratedDocs())) {
    it(`${path} matches its schema (run npm run docs after changing a schema)`, () => {
      expect(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')).toBe(expected);
    });
  }
});

describe('docs/config.md', () => {
  const text = renderGeneratedDocs()['docs/config.md']!;

  it('lists nested keys with their type, default and meaning', () => {
    expect(text).toContain('| `source.commit_interval_ms` | integer | `5000` | checkpoint state and commit offsets at most this often');
    expect(text).toContain('| `registry` | string | required |');
  });

  it('gives every source and sink type a block of its own keys', () => {
    for (const heading of ['**source `type: kafka`**', '**source `type: file`**', '**sinks[] `type: webhook`**', '**sinks[] `type: syslog`**']) {
      expect(text).toContain(heading);
    }
    expect(text).toContain('| `sinks[].delivery.queue_capacity` | integer | `10000` |');
  });

  it('shows the defaults of keys whose schema transforms its input (sizes, ports, the sink list)', () => {
    expect(text).toContain('| `max_event_bytes` | integer \\| string | `1048576` |');
    expect(text).toContain('| `sinks` | list of object | `[{"type":"console","name":"console","color":"auto"}]` |');
    expect(text).toContain('| `telemetry.prometheus.port` | number \\| string | `9464` |');
  });

  it('lists the keys of one detector\'s settings', () => {
    for (const key of ['enabled', 'mode', 'severity', 'suppress_for', 'exceptions', 'options']) {
      expect(text).toContain(`| \`detectors.settings.<id>.${key}\` |`);
    }
  });
});
