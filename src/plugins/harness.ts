import { createReadStream } from 'node:fs';
import type { Alert } from '../alerts/alert.js';
import { configureDetector } from '../engine/configured-detector.js';
import { Engine, type DetectorFailure, type EngineOutput } from '../engine/engine.js';
import { DriftwatchError } from '../errors.js';
import { redactSecrets } from '../redaction.js';
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
  /** The first failures (at most FAILURES_SHOWN), each where it happened: the line of the event, the phase, the detector's own frame. */
  failures: CaseFailure[];
  missing: ExpectedAlert[];
  unexpected: Alert[];
}

export interface CaseFailure {
  /** Line of the events file of the event being processed. */
  line: number;
  eventId?: string;
  phase: string;
  message: string;
  /** The first frame of the error's stack, where the detector threw (absent for the engine's own checks). */
  at?: string;
}

export const FAILURES_SHOWN = 5;

/** The first `at …` line of an error's stack: where a plugin threw, its file, line and column. */
function firstFrame(error: unknown): string | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  const frame = stack?.split('\n').find((line) => line.trimStart().startsWith('at '));
  return frame?.trim().slice(3);
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
  const failures: CaseFailure[] = [];
  let line = 0;
  const onDetectorError = ({ eventId, phase, error }: DetectorFailure): void => {
    if (failures.length >= FAILURES_SHOWN) return;
    const message = redactSecrets(error instanceof Error ? error.message : String(error));
    const at = error instanceof DriftwatchError ? undefined : firstFrame(error);
    failures.push({ line, eventId, phase, message, ...(at === undefined ? {} : { at }) });
  };
  const engine = new Engine([configureDetector(definition, { options })], { registry, strict: true, onDetectorError });
  const output: EngineOutput = { alerts: [], dryRun: [] };
  const invalidLines: CaseResult['invalidLines'] = [];
  for await (const batch of readLineBatches(createReadStream(eventsPath), { name: eventsPath, maxLineBytes: DEFAULT_MAX_EVENT_BYTES })) {
    for (const record of batch) {
      const result = decodeSourceValue(record.value, record.oversizedBytes);
      line = 'line' in record.position ? record.position.line : 0;
      if (result.ok) engine.process(result.event, output);
      else invalidLines.push({ line, reason: result.reason });
    }
  }
  const counters = engine.stats.detectors[definition.id];
  return { alerts: output.alerts, invalidLines, errors: counters?.errors ?? 0, lastError: counters?.lastError, failures, ...compareAlerts(expected, output.alerts) };
}
