import { readFile } from 'node:fs/promises';
import { DriftwatchError } from '../errors.js';
import { labelsFileSchema, type LabelsFile } from '../simulate/labels.js';
import type { EvalReport } from './match.js';

/** Reading labels.json, and the evaluation report as a table for people. */

export async function readLabels(path: string): Promise<LabelsFile> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new DriftwatchError('DW_USAGE', `cannot read labels ${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = labelsFileSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new DriftwatchError('DW_USAGE', `labels ${path} do not validate:\n${problems.map((problem) => `  ${problem}`).join('\n')}`, { details: problems });
  }
  return parsed.data;
}

/** A duration in the largest sensible units: 850ms, 42s, 3m12s, 1h05m, 2.3d. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${(s / 86_400).toFixed(1)}d`;
}

const ratio = (value: number | null, digits = 2): string => (value === null ? '-' : value.toFixed(digits));

function table(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : rightAligned.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
}

export interface ReportContext {
  events: number;
  agents: number;
  days: number;
  seconds: number;
  detectors: readonly string[];
}

export function formatReport(report: EvalReport, context: ReportContext, failures: readonly string[] = []): string {
  const lines: string[] = [];
  lines.push(
    `driftwatch eval: ${context.events.toLocaleString('en-US')} events, ${context.agents} agents × ${context.days} days = ${report.agent_days.toLocaleString('en-US')} agent-days, ` +
      `${report.alerts} alerts from ${context.detectors.length} detectors (${context.seconds.toFixed(1)} s)`,
  );
  lines.push('');
  const rows: string[][] = [['scenario', 'count', 'detected', 'recall', 'median TTD', 'detectors that alerted (in how many scenarios)']];
  for (const result of [...report.classes].sort((a, b) => a.scenario.localeCompare(b.scenario))) {
    const fired = Object.entries(result.detectors)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([detector, count]) => `${detector} ${count}`)
      .join(', ');
    rows.push([result.scenario, String(result.count), String(result.detected), ratio(result.recall), formatDuration(result.median_ttd_ms), fired || '-']);
  }
  const { overall } = report;
  rows.push(['all attack scenarios', String(overall.scenarios), String(overall.detected), ratio(overall.recall), '', '']);
  lines.push(...table(rows, new Set([1, 2, 3, 4])));
  lines.push('');
  lines.push(`alerts               ${report.alerts}: ${overall.true_alerts} inside attack scenarios, ${overall.false_alerts} false`);
  lines.push(`precision            ${ratio(overall.precision, 3)}`);
  lines.push(`false / agent-day    ${overall.false_alerts_per_agent_day.toFixed(4)}`);
  if (report.false_alerts_by_detector.length > 0) {
    lines.push(`false by detector    ${report.false_alerts_by_detector.map((entry) => `${entry.detector} ${entry.alerts} (${entry.agents} agents)`).join(', ')}`);
    const severities = ['critical', 'high', 'medium', 'low'].filter((severity) => report.false_alerts_by_severity[severity]);
    lines.push(`false by severity    ${severities.map((severity) => `${severity} ${report.false_alerts_by_severity[severity]}`).join(', ')}`);
    lines.push(`false, top agents    ${report.false_alerts_top_agents.slice(0, 5).map((entry) => `${entry.agent} ${entry.alerts}`).join(', ')}`);
  }
  const benign = report.benign_drift;
  const benignDetectors = Object.entries(benign.by_detector).map(([detector, count]) => `${detector} ${count}`).join(', ');
  lines.push(`benign drift         ${benign.labels} labelled, ${benign.alerted} alerted${benign.alerts > 0 ? ` (${benign.alerts} alerts, counted as false: ${benignDetectors})` : ''}`);
  const coverage: string[] = [];
  for (const result of report.classes) {
    for (const [detector, entry] of Object.entries(result.expected)) {
      if (entry.fired < entry.expected) coverage.push(`${result.scenario}: ${detector} ${entry.fired}/${entry.expected}`);
    }
  }
  if (coverage.length > 0) lines.push(`expected, not always ${coverage.join('; ')}`);
  const missed = report.scenarios.filter((result) => !result.detected);
  if (missed.length > 0) {
    lines.push('');
    lines.push(`missed (${missed.length}):`);
    for (const result of missed.slice(0, 30)) {
      lines.push(`  ${result.id}  ${result.scenario} on ${result.agent}, ${result.start} – ${result.end} (expected ${result.expected_detectors.join(', ') || 'nothing'})`);
    }
    if (missed.length > 30) lines.push(`  … and ${missed.length - 30} more (--json lists them all)`);
  }
  if (failures.length > 0) {
    lines.push('');
    lines.push('targets missed:');
    for (const failure of failures) lines.push(`  ${failure}`);
  }
  return lines.join('\n') + '\n';
}
