import { metrics, type BatchObservableCallback, type Observable } from '@opentelemetry/api';
import type { EngineStats } from '../engine/stats.js';
import type { PipelineCounters } from '../pipeline/pipeline.js';

/**
 * Pipeline and engine telemetry through the OpenTelemetry API (a no-op until an SDK is
 * registered), read from the counters the pipeline and engine keep anyway, so the hot path does
 * no telemetry work. Every drop has a reason and every error a stage and a code (docs/telemetry.md).
 */
export function observePipeline(counters: PipelineCounters, stats: EngineStats): () => void {
  const meter = metrics.getMeter('driftwatch');
  const instruments = {
    records: meter.createObservableCounter('driftwatch.source.records', { description: 'records read from the source' }),
    events: meter.createObservableCounter('driftwatch.engine.events', { description: 'valid events processed, by type' }),
    dropped: meter.createObservableCounter('driftwatch.events.dropped', { description: 'records sent to the dead letters, by stage and code' }),
    late: meter.createObservableCounter('driftwatch.engine.events.late', { description: 'events older than their agent\'s clock (processed at the clock)' }),
    duplicates: meter.createObservableCounter('driftwatch.engine.events.duplicate', { description: "events delivered again (the id and content of one of their agent's 16 latest events), skipped" }),
    evicted: meter.createObservableCounter('driftwatch.engine.agents.evicted', { description: 'unregistered agents whose state was dropped (max_unregistered_agents)' }),
    grantsEvicted: meter.createObservableCounter('driftwatch.engine.token_grants.evicted', { description: 'token grants the ledger forgot to stay within its bounds (overall and per agent)' }),
    alerts: meter.createObservableCounter('driftwatch.alerts', { description: 'alerts raised, by detector' }),
    severity: meter.createObservableCounter('driftwatch.alerts.by_severity', { description: 'alerts raised, by severity' }),
    suppressed: meter.createObservableCounter('driftwatch.alerts.suppressed', { description: 'repeats folded into an earlier alert, by detector' }),
    escalated: meter.createObservableCounter('driftwatch.alerts.escalated', { description: 'repeats more severe than the alert sent under their id, sent again, by detector' }),
    dryRun: meter.createObservableCounter('driftwatch.alerts.dry_run', { description: 'findings of dry-run detectors, never sent' }),
    excepted: meter.createObservableCounter('driftwatch.detector.excepted', { description: 'events a config exception kept from a detector' }),
    errors: meter.createObservableCounter('driftwatch.errors', { description: 'errors by stage and code' }),
    unrouted: meter.createObservableCounter('driftwatch.alerts.unrouted', { description: 'alerts that matched no route and no default sink' }),
  };
  const observables: Observable[] = Object.values(instruments);
  const callback: BatchObservableCallback = (result) => {
    result.observe(instruments.records, counters.records);
    for (const [type, count] of Object.entries(stats.eventsByType)) result.observe(instruments.events, count, { type });
    for (const [code, count] of Object.entries(counters.invalidByCode)) {
      result.observe(instruments.dropped, count, { stage: 'decode', code, intentional: false });
    }
    result.observe(instruments.late, stats.late);
    result.observe(instruments.duplicates, stats.duplicates);
    result.observe(instruments.evicted, stats.agentsEvicted);
    result.observe(instruments.grantsEvicted, stats.tokenGrantsEvicted);
    for (const [severity, count] of Object.entries(stats.alertsBySeverity)) result.observe(instruments.severity, count, { severity });
    for (const [detector, c] of Object.entries(stats.detectors)) {
      result.observe(instruments.alerts, c.alerts, { detector });
      result.observe(instruments.suppressed, c.suppressed, { detector });
      result.observe(instruments.escalated, c.escalated, { detector });
      result.observe(instruments.dryRun, c.dryRun, { detector });
      result.observe(instruments.excepted, c.excepted, { detector });
      result.observe(instruments.errors, c.errors, { stage: 'engine', code: 'DW_DETECTOR_FAILED', detector });
    }
    result.observe(instruments.unrouted, counters.alertsUnrouted);
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}
