import type { EventType } from '../events/contract.js';
import type { Severity } from '../sdk/detector.js';

/** Counters the engine keeps while it runs: the basis of the summary and of telemetry. */
export interface DetectorCounters {
  alerts: number;
  suppressed: number;
  /** Repeats more severe than the alert sent under their id, sent again (counted in alerts or dryRun too). */
  escalated: number;
  dryRun: number;
  excepted: number;
  errors: number;
  lastError?: string;
  /** A few dry-run findings, for people trying a detector out. */
  dryRunSamples: string[];
}

export interface EngineStats {
  events: number;
  eventsByType: Record<EventType, number>;
  /** Events whose time is earlier than their agent's clock (processed at the agent's clock). */
  late: number;
  /** Events with the id and content of one of their agent's latest events (delivered twice), skipped. */
  duplicates: number;
  /** Unregistered agents whose state was dropped to stay within the engine's bound. */
  agentsEvicted: number;
  /** Token grants the ledger forgot to stay within its bounds (overall, and per agent). */
  tokenGrantsEvicted: number;
  alerts: number;
  alertsBySeverity: Record<Severity, number>;
  detectors: Record<string, DetectorCounters>;
  firstEventTime?: number;
  lastEventTime?: number;
}

export function createEngineStats(detectorIds: readonly string[]): EngineStats {
  return {
    events: 0,
    eventsByType: { tool_use: 0, token_issued: 0, access_denied: 0 },
    late: 0,
    duplicates: 0,
    agentsEvicted: 0,
    tokenGrantsEvicted: 0,
    alerts: 0,
    alertsBySeverity: { low: 0, medium: 0, high: 0, critical: 0 },
    detectors: Object.fromEntries(
      detectorIds.map((id) => [id, { alerts: 0, suppressed: 0, escalated: 0, dryRun: 0, excepted: 0, errors: 0, dryRunSamples: [] }]),
    ),
  };
}
