import { metrics, type Attributes } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/engine.js';
import { configureDetector } from '../../../src/engine/configured-detector.js';
import { Pipeline } from '../../../src/pipeline/pipeline.js';
import { defineDetector, z } from '../../../src/sdk/index.js';
import { observePipeline } from '../../../src/telemetry/pipeline-metrics.js';
import { recordingProvider } from '../../helpers/metrics.js';

const alwaysFinds = defineDetector({
  id: 'always-finds',
  version: '1.0.0',
  description: 'test',
  eventTypes: ['tool_use'],
  maturity: 'stable',
  techniques: [],
  severity: 'high',
  options: z.strictObject({}),
  createState: () => null,
  score: (event) => ({ key: event.system, title: 't', summary: 's', score: 50, observed: {}, expected: {}, recommendation: 'r' }),
});

describe('pipeline telemetry', () => {
  afterEach(() => metrics.disable());

  it('reports records, events, drops by stage and code, and alerts by detector and severity', async () => {
    const recording = recordingProvider();
    metrics.setGlobalMeterProvider(recording.provider);
    const engine = new Engine([configureDetector(alwaysFinds)]);
    const pipeline = new Pipeline(engine, {
      sinks: [{ name: 'x', deliver: async () => {}, close: async () => {} }],
      deadLetters: { write: async () => {}, close: async () => {} },
    });
    const stop = observePipeline(pipeline.counters, engine.stats);
    const event = { id: 'e1', time: 1_772_323_200_000, type: 'tool_use', agent: { id: 'a' }, tool: 't', system: 's', action: 'read' };
    await pipeline.processBatch([
      { value: JSON.stringify(event), position: { file: 'f', line: 1 } },
      { value: 'not json', position: { file: 'f', line: 2 } },
    ]);
    const points = await recording.collect();
    const value = (name: string, attributes: Attributes = {}) =>
      points.find((point) => point.name === name && Object.entries(attributes).every(([k, v]) => point.attributes[k] === v))?.value;
    expect(value('driftwatch.source.records')).toBe(2);
    expect(value('driftwatch.engine.events', { type: 'tool_use' })).toBe(1);
    expect(value('driftwatch.events.dropped', { stage: 'decode', code: 'DW_EVENT_INVALID' })).toBe(1);
    expect(value('driftwatch.alerts', { detector: 'always-finds' })).toBe(1);
    expect(value('driftwatch.alerts.by_severity', { severity: 'high' })).toBe(1);
    expect(value('driftwatch.errors', { stage: 'engine', code: 'DW_DETECTOR_FAILED', detector: 'always-finds' })).toBe(0);
    stop();
    expect(recording.callbacks).toHaveLength(0);
  });
});
