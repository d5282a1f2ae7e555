import { createReadStream } from 'node:fs';
import type { Alert } from '../alerts/alert.js';
import { configureDetector } from '../engine/configured-detector.js';
import { Engine, type EngineOutput } from '../engine/engine.js';
import { DEFAULT_MAX_EVENT_BYTES, decodeSourceValue } from '../events/native.js';
import type { Registry } from '../registry/registry.js';
import type { AnyDetector, Severity } from '../sdk/detector.js';
import { readLineBatches } from '../sources/lines.js';

/** One expected alert in a detector's recorded test case; omitted fields match anything. */
export interface ExpectedAlert {
  agent: string;
  key?: string;
  severity?: Severity;
  /** Id of the triggering event. */
  event?: string;
}

export interface CaseResult {
  alerts: Alert[];
  /** Lines of the events file that were not valid events (a broken test case). */
  invalidLines: { line: number; reason: string }[];
  /** Calls of score or learn that threw (or, strict, changed what they must not), and the last one's message. */
  errors: number;
  lastError?: string;
  missing: ExpectedAlert[];
  unexpected: Alert[];
}

function matches(expected: ExpectedAlert, alert: Alert): boolean {
  return (
    expected.agent === alert.agent.id &&
    (expected.key === undefined || expected.key === alert.key) &&
    (expected.severity === undefined || expected.severity === alert.severity) &&
    (expected.event === undefined || expected.event === alert.event.id)
  );
}

/** Pairs expected with emitted alerts one to one; what is left on either side is a difference. */
export function compareAlerts(expected: readonly ExpectedAlert[], alerts: readonly Alert[]): Pick<CaseResult, 'missing' | 'unexpected'> {
  const unmatched = [...alerts];
  const missing: ExpectedAlert[] = [];
  for (const item of expected) {
    const index = unmatched.findIndex((alert) => matches(item, alert));
    if (index === -1) missing.push(item);
    else unmatched.splice(index, 1);
  }
  return { missing, unexpected: unmatched };
}

/**
 * Replays a recorded stream through one detector alone (its default options unless given), in
 * strict mode: a `score` that changes the state counts as an error.
 */
export async function runDetectorCase(
  definition: AnyDetector,
  registry: Registry,
  eventsPath: string,
  expected: readonly ExpectedAlert[],
  options?: Record<string, unknown>,
): Promise<CaseResult> {
  const engine = new Engine([configureDetector(definition, { options })], { registry, strict: true });
  const output: EngineOutput = { alerts: [], dryRun: [] };
  const invalidLines: CaseResult['invalidLines'] = [];
  for await (const batch of readLineBatches(createReadStream(eventsPath), { name: eventsPath, maxLineBytes: DEFAULT_MAX_EVENT_BYTES })) {
    for (const record of batch) {
      const result = decodeSourceValue(record.value, record.oversizedBytes);
      const line = 'line' in record.position ? record.position.line : 0;
      if (result.ok) engine.process(result.event, output);
      else invalidLines.push({ line, reason: result.reason });
    }
  }
  const counters = engine.stats.detectors[definition.id];
  return { alerts: output.alerts, invalidLines, errors: counters?.errors ?? 0, lastError: counters?.lastError, ...compareAlerts(expected, output.alerts) };
}
