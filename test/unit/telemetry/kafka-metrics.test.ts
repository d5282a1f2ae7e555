import { metrics, type Attributes } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createKafkaJobStats, lagKey } from '../../../src/kafka/job-stats.js';
import { observeKafkaJob } from '../../../src/telemetry/kafka-metrics.js';
import { recordingProvider } from '../../helpers/metrics.js';

describe('kafka job telemetry', () => {
  afterEach(() => metrics.disable());

  it('reports lag per topic and partition, assignment, pause, rebalances, checkpoints, restores and rollbacks as the job counts them', async () => {
    const recording = recordingProvider();
    metrics.setGlobalMeterProvider(recording.provider);
    const stats = createKafkaJobStats();
    const stop = observeKafkaJob(stats);
    stats.lag.set(lagKey('agent-events', 0), { topic: 'agent-events', partition: 0, messages: 1200 });
    stats.lag.set(lagKey('agent-events', 3), { topic: 'agent-events', partition: 3, messages: 0 });
    Object.assign(stats, { assigned: 2, paused: true, rebalances: 3, checkpoints: 7, snapshots: 410, restored: 95, rollbacks: 1 });
    const points = await recording.collect();
    const value = (name: string, attributes: Attributes = {}) =>
      points.find((point) => point.name === name && Object.entries(attributes).every(([k, v]) => point.attributes[k] === v))?.value;
    expect(value('driftwatch.kafka.consumer.lag', { topic: 'agent-events', partition: 0 })).toBe(1200);
    expect(value('driftwatch.kafka.consumer.lag', { topic: 'agent-events', partition: 3 })).toBe(0);
    expect(points.filter((point) => point.name === 'driftwatch.kafka.consumer.lag')).toHaveLength(2);
    expect(value('driftwatch.kafka.partitions.assigned')).toBe(2);
    expect(value('driftwatch.kafka.paused')).toBe(1);
    expect(value('driftwatch.kafka.rebalances')).toBe(3);
    expect(value('driftwatch.kafka.checkpoints')).toBe(7);
    expect(value('driftwatch.kafka.checkpoint.snapshots')).toBe(410);
    expect(value('driftwatch.kafka.agents.restored')).toBe(95);
    expect(value('driftwatch.kafka.rollbacks')).toBe(1);
    // A partition given up leaves no series behind.
    stats.lag.delete(lagKey('agent-events', 0));
    expect((await recording.collect()).filter((point) => point.name === 'driftwatch.kafka.consumer.lag')).toHaveLength(1);
    stop();
    expect(recording.callbacks).toHaveLength(0);
  });
});
