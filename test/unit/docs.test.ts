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

describe('published JSON Schemas', () => {
  const schema = (name: string) => JSON.parse(readFileSync(new URL(`../../docs/schema/${name}`, import.meta.url), 'utf8')) as { properties: Record<string, any> };

  it('carry the patterns of durations and dates, so that a validator refuses what driftwatch refuses', () => {
    const agent = schema('registry.schema.json').properties.agents.items.properties;
    const duration = new RegExp(agent.review_max_age.pattern);
    for (const ok of ['90d', '15m', '1.5h', ' 2w ']) expect(duration.test(ok), ok).toBe(true);
    for (const bad of ['90 days', '1y', '15 minutes', 'd']) expect(duration.test(bad), bad).toBe(false);
    const date = new RegExp(agent.reviewed.pattern);
    for (const ok of ['2026-03-05', '2026-03-05T10:00:00Z', '2026-03-05T10:00:00.5+02:00']) expect(date.test(ok), ok).toBe(true);
    for (const bad of ['yesterday', '2026-3-5', '2026-03-05T10:00', '2026-03-05 (Thursday)']) expect(date.test(bad), bad).toBe(false);
    const config = schema('config.schema.json').properties;
    expect(new RegExp(config.max_future_skew.pattern).test('5 minutes')).toBe(false);
  });
});
