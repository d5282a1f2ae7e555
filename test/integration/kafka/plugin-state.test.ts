// A plugin's state that JSON cannot write must cost that detector its state for the agent, not the
// partition its progress: the checkpoint used to fail, roll back and fail again for ever.
import { afterAll, describe, expect, it } from 'vitest';
import { buildEngine } from '../../../src/cli/job.js';
import type { KafkaSourceConfig } from '../../../src/config/kafka.js';
import { configureDetector } from '../../../src/engine/configured-detector.js';
import { Engine, type DetectorFailure } from '../../../src/engine/engine.js';
import { KafkaJob } from '../../../src/kafka/job.js';
import { defineDetector, z } from '../../../src/sdk/index.js';
import { createTopic, deleteTopics } from '../../helpers/kafka.js';
import { CollectingSink, DEMO_REGISTRY, jobConfig, jobNames, memoryLogger, produceValues, validDemoLines, waitForCommittedToEnd } from '../../helpers/kafka-job.js';

/** Keeps a reference to its own state: what a plugin's bug looks like (a parent link, a cache of itself). */
const cyclic = defineDetector({
  id: 'test-cyclic-state',
  version: '1.0.0',
  description: 'keeps a cycle in its state',
  eventTypes: ['tool_use'],
  maturity: 'sandbox',
  techniques: [],
  severity: 'low',
  options: z.strictObject({}),
  createState: () => ({ calls: 0 }) as { calls: number; self?: unknown },
  score: () => undefined,
  learn(_event, ctx) {
    ctx.state.calls += 1;
    ctx.state.self = ctx.state;
  },
});

describe('kafka job with a plugin state JSON cannot write', () => {
  const topics: string[] = [];
  afterAll(async () => {
    await deleteTopics(topics).catch(() => undefined);
  });

  it('checkpoints and commits to the end without a rollback; the plugin fails at the checkpoint, the built-ins alert as usual', async () => {
    const names = jobNames('plugin-state');
    await createTopic(names.topic, { partitions: 1 });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic, names.tokensTopic);
    const lines = validDemoLines();
    await produceValues(names.topic, lines, undefined, { chunk: 20 });
    const config = jobConfig({ ...names, registry: DEMO_REGISTRY });
    const logger = memoryLogger();
    const builtIn = await buildEngine(config, logger);
    const failures: DetectorFailure[] = [];
    const engine = new Engine([...builtIn.detectors, configureDetector(cyclic)], { registry: builtIn.currentRegistry, onDetectorError: (failure) => failures.push(failure) });
    const sink = new CollectingSink();
    const job = new KafkaJob(config.source as KafkaSourceConfig, engine, [sink], { maxEventBytes: config.max_event_bytes, logger, commitIntervalMs: 200 });
    try {
      await job.start();
      await waitForCommittedToEnd(names.group, names.topic, 60_000);
      expect(job.stats.rollbacks).toBe(0);
      expect(logger.lines.filter((line) => line.includes('processing failed'))).toEqual([]);
      expect(failures.length).toBeGreaterThan(0);
      expect(new Set(failures.map((failure) => `${failure.detector} ${failure.phase}`))).toEqual(new Set(['test-cyclic-state checkpoint']));
      expect(sink.alerts.length).toBeGreaterThan(0);
      expect(new Set(sink.alerts.map((alert) => alert.detector)).has('scope-violation')).toBe(true);
    } finally {
      await job.stop();
    }
  }, 120_000);
});
