import type { Label } from '../simulate/labels.js';
import { parseEventTime } from '../events/time.js';

/**
 * Scores alerts against labelled scenarios. A scenario is detected when an alert names its agent
 * inside its time range (plus an optional grace); time to detect is the event time of the first
 * such alert minus the scenario's start. Alerts inside an attack scenario's window, on its agent
 * or on an agent it involves (related_agents), are true alerts; every other alert is false,
 * including alerts on benign drift, which are also reported on their own.
 */

/** The parts of an alert the evaluation needs (a canonical Alert has them all). */
export interface AlertLike {
  readonly id?: string;
  readonly detector: string;
  readonly severity: string;
  /** Event time of the triggering event, RFC 3339. */
  readonly time: string;
  readonly agent: { readonly id: string };
  readonly title?: string;
}

export interface EvaluateOptions {
  /** Registered agents × days: the exposure false alerts are counted against. */
  readonly agentDays: number;
  /** Alerts up to this long after a scenario's end still count for it (default 0). */
  readonly graceMs?: number;
}

export interface ScenarioResult {
  readonly id: string;
  readonly scenario: string;
  readonly agent: string;
  readonly start: string;
  readonly end: string;
  readonly detected: boolean;
  readonly time_to_detect_ms: number | null;
  readonly first_alert: { readonly detector: string; readonly time: string; readonly id?: string } | null;
  /** Detectors that alerted on the scenario's agent inside its window. */
  readonly detectors: readonly string[];
  readonly expected_detectors: readonly string[];
  readonly expected_missing: readonly string[];
}

export interface ClassResult {
  readonly scenario: string;
  readonly count: number;
  readonly detected: number;
  readonly recall: number;
  readonly median_ttd_ms: number | null;
  /** Per detector: in how many of the class's scenarios it alerted. */
  readonly detectors: Readonly<Record<string, number>>;
  /** Per expected detector: in how many scenarios it was expected, and in how many it alerted. */
  readonly expected: Readonly<Record<string, { readonly expected: number; readonly fired: number }>>;
}

export interface BenignResult {
  readonly labels: number;
  readonly alerted: number;
  readonly alerts: number;
  readonly by_detector: Readonly<Record<string, number>>;
}

export interface EvalReport {
  readonly agent_days: number;
  readonly grace_ms: number;
  readonly alerts: number;
  readonly classes: readonly ClassResult[];
  readonly overall: {
    readonly scenarios: number;
    readonly detected: number;
    readonly recall: number | null;
    readonly true_alerts: number;
    readonly false_alerts: number;
    /** True alerts / all alerts; null without alerts. */
    readonly precision: number | null;
    readonly false_alerts_per_agent_day: number;
  };
  readonly false_alerts_by_detector: readonly { readonly detector: string; readonly alerts: number; readonly agents: number }[];
  readonly false_alerts_by_severity: Readonly<Record<string, number>>;
  readonly false_alerts_top_agents: readonly { readonly agent: string; readonly alerts: number }[];
  readonly benign_drift: BenignResult;
  readonly scenarios: readonly ScenarioResult[];
}

interface Window {
  readonly label: Label;
  readonly start: number;
  readonly end: number;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function increment(record: Record<string, number>, key: string, by = 1): void {
  record[key] = (record[key] ?? 0) + by;
}

function windowsByAgent(labels: readonly Label[], graceMs: number, withRelated: boolean): Map<string, Window[]> {
  const map = new Map<string, Window[]>();
  for (const label of labels) {
    const window = { label, start: parseEventTime(label.start), end: parseEventTime(label.end) + graceMs };
    const agents = withRelated ? [label.agent, ...label.related_agents] : [label.agent];
    for (const agent of new Set(agents)) {
      const list = map.get(agent) ?? [];
      list.push(window);
      map.set(agent, list);
    }
  }
  return map;
}

function inside(windows: readonly Window[] | undefined, time: number): boolean {
  if (windows === undefined) return false;
  for (const window of windows) if (time >= window.start && time <= window.end) return true;
  return false;
}

export function evaluate(alerts: readonly AlertLike[], labels: readonly Label[], options: EvaluateOptions): EvalReport {
  const graceMs = options.graceMs ?? 0;
  const attacks = labels.filter((label) => !label.benign);
  const benign = labels.filter((label) => label.benign);
  const alertTimes = alerts.map((alert) => Date.parse(alert.time));

  // Per scenario: the alerts naming its agent inside its window.
  const byAgent = new Map<string, number[]>();
  alerts.forEach((alert, index) => {
    const list = byAgent.get(alert.agent.id) ?? [];
    list.push(index);
    byAgent.set(alert.agent.id, list);
  });
  const scenarios: ScenarioResult[] = attacks.map((label) => {
    const start = Date.parse(label.start);
    const end = Date.parse(label.end) + graceMs;
    const matching = (byAgent.get(label.agent) ?? []).filter((index) => alertTimes[index]! >= start && alertTimes[index]! <= end);
    let first: number | undefined;
    for (const index of matching) {
      if (first === undefined || alertTimes[index]! < alertTimes[first]! || (alertTimes[index] === alertTimes[first] && alerts[index]!.detector < alerts[first]!.detector)) first = index;
    }
    const detectors = [...new Set(matching.map((index) => alerts[index]!.detector))].sort();
    const firstAlert = first === undefined ? undefined : alerts[first]!;
    return {
      id: label.id,
      scenario: label.scenario,
      agent: label.agent,
      start: label.start,
      end: label.end,
      detected: first !== undefined,
      time_to_detect_ms: first === undefined ? null : Math.max(0, alertTimes[first]! - start),
      first_alert: firstAlert === undefined ? null : { detector: firstAlert.detector, time: firstAlert.time, ...(firstAlert.id === undefined ? {} : { id: firstAlert.id }) },
      detectors,
      expected_detectors: label.expected_detectors,
      expected_missing: label.expected_detectors.filter((detector) => !detectors.includes(detector)),
    };
  });

  // Per class.
  const classNames = [...new Set(scenarios.map((result) => result.scenario))];
  const classes: ClassResult[] = classNames.map((scenario) => {
    const results = scenarios.filter((result) => result.scenario === scenario);
    const detected = results.filter((result) => result.detected);
    const detectors: Record<string, number> = {};
    const expected: Record<string, { expected: number; fired: number }> = {};
    for (const result of results) {
      for (const detector of result.detectors) increment(detectors, detector);
      for (const detector of result.expected_detectors) {
        const entry = (expected[detector] ??= { expected: 0, fired: 0 });
        entry.expected++;
        if (result.detectors.includes(detector)) entry.fired++;
      }
    }
    return {
      scenario,
      count: results.length,
      detected: detected.length,
      recall: detected.length / results.length,
      median_ttd_ms: median(detected.map((result) => result.time_to_detect_ms!)),
      detectors,
      expected,
    };
  });

  // Alerts: true inside an attack window of their agent (or of an agent the attack involves).
  const attackWindows = windowsByAgent(attacks, graceMs, true);
  const benignWindows = windowsByAgent(benign, graceMs, false);
  let trueAlerts = 0;
  const falseByDetector = new Map<string, { alerts: number; agents: Set<string> }>();
  const falseBySeverity: Record<string, number> = {};
  const falseByAgent: Record<string, number> = {};
  const benignByDetector: Record<string, number> = {};
  let benignAlerts = 0;
  alerts.forEach((alert, index) => {
    const time = alertTimes[index]!;
    if (inside(attackWindows.get(alert.agent.id), time)) {
      trueAlerts++;
      return;
    }
    const entry = falseByDetector.get(alert.detector) ?? { alerts: 0, agents: new Set<string>() };
    entry.alerts++;
    entry.agents.add(alert.agent.id);
    falseByDetector.set(alert.detector, entry);
    increment(falseBySeverity, alert.severity);
    increment(falseByAgent, alert.agent.id);
    if (inside(benignWindows.get(alert.agent.id), time)) {
      benignAlerts++;
      increment(benignByDetector, alert.detector);
    }
  });
  const benignAlerted = benign.filter((label) => {
    const start = Date.parse(label.start);
    const end = Date.parse(label.end) + graceMs;
    return (byAgent.get(label.agent) ?? []).some((index) => alertTimes[index]! >= start && alertTimes[index]! <= end);
  }).length;

  const falseAlerts = alerts.length - trueAlerts;
  const detected = scenarios.filter((result) => result.detected).length;
  return {
    agent_days: options.agentDays,
    grace_ms: graceMs,
    alerts: alerts.length,
    classes,
    overall: {
      scenarios: scenarios.length,
      detected,
      recall: scenarios.length === 0 ? null : detected / scenarios.length,
      true_alerts: trueAlerts,
      false_alerts: falseAlerts,
      precision: alerts.length === 0 ? null : trueAlerts / alerts.length,
      false_alerts_per_agent_day: options.agentDays > 0 ? falseAlerts / options.agentDays : 0,
    },
    false_alerts_by_detector: [...falseByDetector.entries()]
      .map(([detector, entry]) => ({ detector, alerts: entry.alerts, agents: entry.agents.size }))
      .sort((a, b) => b.alerts - a.alerts || a.detector.localeCompare(b.detector)),
    false_alerts_by_severity: falseBySeverity,
    false_alerts_top_agents: Object.entries(falseByAgent)
      .map(([agent, count]) => ({ agent, alerts: count }))
      .sort((a, b) => b.alerts - a.alerts || a.agent.localeCompare(b.agent))
      .slice(0, 10),
    benign_drift: { labels: benign.length, alerted: benignAlerted, alerts: benignAlerts, by_detector: benignByDetector },
    scenarios,
  };
}

export interface Targets {
  /** Least recall for every scenario class. */
  readonly minRecall?: number;
  /** Per class, overriding minRecall; each a class of the labels (`eval` refuses any other as a usage error). */
  readonly minRecallByClass?: Readonly<Record<string, number>>;
  readonly maxFalsePerAgentDay?: number;
}

/** The targets the report misses, in words; empty when all are met. */
export function checkTargets(report: EvalReport, targets: Targets): string[] {
  const failures: string[] = [];
  for (const result of report.classes) {
    const least = targets.minRecallByClass?.[result.scenario] ?? targets.minRecall;
    if (least !== undefined && result.recall < least) failures.push(`recall of ${result.scenario} is ${result.recall.toFixed(2)}, below ${least}`);
  }
  const max = targets.maxFalsePerAgentDay;
  if (max !== undefined && report.overall.false_alerts_per_agent_day > max) {
    failures.push(`false alerts per agent-day are ${report.overall.false_alerts_per_agent_day.toFixed(4)}, above ${max}`);
  }
  return failures;
}
