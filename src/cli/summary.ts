import type { EngineStats } from '../engine/stats.js';
import type { PipelineCounters } from '../pipeline/pipeline.js';
import { paint, printable } from '../sinks/console.js';

export interface RunSummary {
  records: number;
  events: number;
  invalid: number;
  invalidByCode: Record<string, number>;
  late: number;
  /** Events delivered again (the id and content of one of their agent's latest events), skipped. */
  duplicates: number;
  /** Unregistered agents whose state was dropped (max_unregistered_agents). */
  agentsEvicted: number;
  /** Token grants the ledger forgot to stay within its bounds. */
  tokenGrantsEvicted: number;
  alerts: number;
  alertsBySeverity: EngineStats['alertsBySeverity'];
  detectors: EngineStats['detectors'];
  agents: number;
  seconds: number;
  eventsPerSecond: number;
  /** Per sink with acknowledged delivery: alerts delivered, and rejected (in its rejected-alerts file). */
  sinks: SinkDelivery[];
  /** A file or standard input stopped by a signal before its end: the last line processed (0: none); the lines after it were not. */
  stoppedAfterLine?: number;
}

/** "1 alert", "2 alerts". */
const counted = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

export interface SinkDelivery {
  name: string;
  delivered: number;
  rejected: number;
  /** The rejected-alerts file. */
  rejectedTo?: string;
}

export function summarize(
  counters: PipelineCounters,
  stats: EngineStats,
  agents: number,
  seconds: number,
  sinks: readonly SinkDelivery[] = [],
  stoppedAfterLine?: number,
): RunSummary {
  return {
    records: counters.records,
    events: stats.events,
    invalid: counters.invalid,
    invalidByCode: counters.invalidByCode,
    late: stats.late,
    duplicates: stats.duplicates,
    agentsEvicted: stats.agentsEvicted,
    tokenGrantsEvicted: stats.tokenGrantsEvicted,
    alerts: stats.alerts,
    alertsBySeverity: stats.alertsBySeverity,
    detectors: stats.detectors,
    agents,
    seconds,
    eventsPerSecond: seconds > 0 ? Math.round(stats.events / seconds) : 0,
    sinks: sinks.map(({ name, delivered, rejected, rejectedTo }) => ({ name, delivered, rejected, rejectedTo })),
    stoppedAfterLine,
  };
}

/** Alerts that a sink did not deliver (they are in its rejected-alerts file): the run did not do its job in full. */
export function undelivered(summary: RunSummary): number {
  return summary.sinks.reduce((sum, sink) => sum + sink.rejected, 0);
}

/** The closing summary for people: events, invalid, alerts by detector and severity, events/s. */
export function formatSummary(summary: RunSummary, color: boolean): string {
  const bold = (text: string) => paint(text, '1', color);
  const lines = [
    bold('driftwatch summary'),
    `  events     ${summary.events} valid of ${summary.records} records, ${summary.agents} agents, ${summary.eventsPerSecond.toLocaleString('en-US')} events/s (${summary.seconds.toFixed(2)} s)`,
    `  invalid    ${summary.invalid}${summary.invalid > 0 ? ' (' + Object.entries(summary.invalidByCode).map(([code, n]) => `${code} ${n}`).join(', ') + ') → dead letters' : ''}`,
  ];
  if (summary.stoppedAfterLine !== undefined) lines.push(paint(`  stopped    by a signal: nothing after line ${summary.stoppedAfterLine} of the input was read`, '33', color));
  if (summary.late > 0) lines.push(`  late       ${summary.late} events earlier than their agent's clock`);
  if (summary.duplicates > 0) lines.push(`  duplicates ${summary.duplicates} events delivered again (the id and content of one of their agent's 16 latest events), skipped`);
  if (summary.agentsEvicted > 0) lines.push(`  evicted    ${summary.agentsEvicted} unregistered agents' state dropped (max_unregistered_agents)`);
  if (summary.tokenGrantsEvicted > 0) lines.push(`  forgotten  ${summary.tokenGrantsEvicted} token grants, to keep the ledger within its bounds (their misuse is no longer recognised)`);
  const severities = Object.entries(summary.alertsBySeverity).filter(([, n]) => n > 0).map(([severity, n]) => `${severity} ${n}`);
  lines.push(`  alerts     ${summary.alerts}${severities.length ? ' (' + severities.join(', ') + ')' : ''}`);
  if (summary.sinks.length > 0) {
    lines.push(`  delivered  ${summary.sinks.map((sink) => `${sink.name} ${sink.delivered}`).join(', ')}`);
    const rejected = summary.sinks.filter((sink) => sink.rejected > 0);
    if (rejected.length > 0) {
      const files = [...new Set(rejected.map((sink) => sink.rejectedTo ?? 'rejected-alerts file'))].map(printable).join(', ');
      lines.push(paint(`  rejected   ${rejected.map((sink) => `${sink.name} ${sink.rejected}`).join(', ')} → ${files} (not delivered)`, '31', color));
    }
  }
  for (const [id, counters] of Object.entries(summary.detectors)) {
    const parts: string[] = [];
    if (counters.alerts) parts.push(counted(counters.alerts, 'alert'));
    if (counters.escalated) parts.push(`${counted(counters.escalated, 'repeat')} escalated`);
    if (counters.suppressed) parts.push(`${counted(counters.suppressed, 'repeat')} suppressed`);
    if (counters.excepted) parts.push(`${counted(counters.excepted, 'event')} excepted`);
    if (counters.dryRun) parts.push(counted(counters.dryRun, 'dry-run finding'));
    if (counters.errors) parts.push(paint(`${counted(counters.errors, 'error')} (last: ${printable(counters.lastError ?? '')})`, '31', color));
    if (parts.length === 0) continue;
    lines.push(`    ${id.padEnd(30)} ${parts.join(', ')}`);
    for (const sample of counters.dryRunSamples) lines.push(`      dry-run: ${printable(sample)}`);
  }
  return lines.join('\n') + '\n';
}
