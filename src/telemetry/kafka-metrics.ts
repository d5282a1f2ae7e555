import { metrics, type BatchObservableCallback, type Observable } from '@opentelemetry/api';
import type { KafkaJobStats } from '../kafka/job-stats.js';

/**
 * Kafka job telemetry through the OpenTelemetry API (a no-op until an SDK is registered): consumer
 * lag per partition, partitions assigned, paused topics, rebalances, checkpoints, agents restored
 * from the changelog and rollbacks, read from the job's own counters (docs/telemetry.md).
 * Returns a function that stops the observation.
 */
export function observeKafkaJob(stats: KafkaJobStats): () => void {
  const meter = metrics.getMeter('driftwatch');
  const gauges = {
    lag: meter.createObservableGauge('driftwatch.kafka.consumer.lag', { description: 'messages after the last one processed, up to the partition\'s high watermark at its last batch' }),
    assigned: meter.createObservableGauge('driftwatch.kafka.partitions.assigned', { description: 'partition numbers assigned to this instance' }),
    paused: meter.createObservableGauge('driftwatch.kafka.paused', { description: '1 while the event topics are paused (sinks or state topic saturated)' }),
  };
  const counters = {
    rebalances: meter.createObservableCounter('driftwatch.kafka.rebalances', { description: 'partition assignments received from the group' }),
    checkpoints: meter.createObservableCounter('driftwatch.kafka.checkpoints', { description: 'checkpoints written to the changelog and committed' }),
    snapshots: meter.createObservableCounter('driftwatch.kafka.checkpoint.snapshots', { description: 'agent snapshots written by those checkpoints' }),
    restored: meter.createObservableCounter('driftwatch.kafka.agents.restored', { description: 'agents restored from the changelog on taking over partitions' }),
    rollbacks: meter.createObservableCounter('driftwatch.kafka.rollbacks', { description: 'partitions sent back to their last checkpoint after a failure' }),
  };
  const observables: Observable[] = [...Object.values(gauges), ...Object.values(counters)];
  const callback: BatchObservableCallback = (result) => {
    for (const { topic, partition, messages } of stats.lag.values()) result.observe(gauges.lag, messages, { topic, partition });
    result.observe(gauges.assigned, stats.assigned);
    result.observe(gauges.paused, stats.paused ? 1 : 0);
    result.observe(counters.rebalances, stats.rebalances);
    result.observe(counters.checkpoints, stats.checkpoints);
    result.observe(counters.snapshots, stats.snapshots);
    result.observe(counters.restored, stats.restored);
    result.observe(counters.rollbacks, stats.rollbacks);
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}
