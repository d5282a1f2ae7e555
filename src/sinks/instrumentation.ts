import { metrics, type BatchObservableCallback, type Observable } from '@opentelemetry/api';
import type { BreakerState } from './circuit-breaker.js';
import type { SinkStats } from './reliable.js';

const BREAKER_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * Sink telemetry through the OpenTelemetry API (a no-op until the CLI wires an SDK): queue depth,
 * alerts waiting for room (backpressure), breaker state (0 closed, 1 half-open, 2 open) and the
 * delivered / rejected / retried / failed / truncated counts, each with a `sink` attribute.
 * Returns a function that stops the observation.
 */
export function observeSinks(sources: ReadonlyArray<{ stats(): SinkStats }>): () => void {
  if (sources.length === 0) return () => {};
  const meter = metrics.getMeter('driftwatch');
  const gauges = {
    queued: meter.createObservableGauge('driftwatch.sink.queue.alerts', { description: 'alerts admitted and not yet acknowledged' }),
    waiting: meter.createObservableGauge('driftwatch.sink.backpressure.alerts', { description: 'alerts waiting for room in the sink queue' }),
    breaker: meter.createObservableGauge('driftwatch.sink.breaker.state', { description: '0 closed, 1 half-open, 2 open' }),
  };
  const counters = {
    delivered: meter.createObservableCounter('driftwatch.sink.alerts.delivered', { description: 'alerts acknowledged by the receiver' }),
    rejected: meter.createObservableCounter('driftwatch.sink.alerts.rejected', { description: 'alerts refused for good, written to the rejected-alerts file' }),
    retries: meter.createObservableCounter('driftwatch.sink.retries', { description: 'failed attempts that were retried' }),
    failures: meter.createObservableCounter('driftwatch.sink.failures', { description: 'failed attempts' }),
    truncated: meter.createObservableCounter('driftwatch.sink.messages.truncated', { description: 'syslog datagrams cut to the size limit' }),
  };
  const observables: Observable[] = [...Object.values(gauges), ...Object.values(counters)];
  const callback: BatchObservableCallback = (result) => {
    for (const source of sources) {
      const s = source.stats();
      const attributes = { sink: s.name };
      result.observe(gauges.queued, s.queued, attributes);
      result.observe(gauges.waiting, s.waiting, attributes);
      result.observe(gauges.breaker, BREAKER_VALUE[s.breaker], attributes);
      result.observe(counters.delivered, s.delivered, attributes);
      result.observe(counters.rejected, s.rejected, attributes);
      result.observe(counters.retries, s.retries, attributes);
      result.observe(counters.failures, s.failures, attributes);
      if (s.transport.truncated !== undefined) result.observe(counters.truncated, s.transport.truncated, attributes);
    }
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}
