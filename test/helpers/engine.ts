// Runs detectors through the real engine over recorded or inline events, the way
// `driftwatch detectors test` runs a detector's cases: one shared case registry
// (detectors/cases/registry.yaml), events in the native contract, alerts compared with the
// expected list in detectors/cases/<id>/expect.jsonl.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Alert } from '../../src/alerts/alert.js';
import { configureDetector, type DetectorSettings } from '../../src/engine/configured-detector.js';
import { Engine, type DetectorFailure } from '../../src/engine/engine.js';
import type { AgentEvent } from '../../src/events/contract.js';
import { decodeLine, decodeValue } from '../../src/events/native.js';
import { parseRegistry, type Registry } from '../../src/registry/registry.js';
import { SEVERITIES, type AnyDetector, type Severity } from '../../src/sdk/detector.js';
import { BUILTIN_DETECTORS } from '../../detectors/index.js';

export const CASES_DIR = fileURLToPath(new URL('../../detectors/cases/', import.meta.url));
export const CASE_REGISTRY = join(CASES_DIR, 'registry.yaml');

/** One line of expect.jsonl. */
export interface ExpectedAlert {
  agent: string;
  key: string;
  severity: Severity;
  /** Id of the triggering event, when the case pins it. */
  event?: string;
}

export interface DetectorRun {
  alerts: Alert[];
  dryRun: Alert[];
  failures: DetectorFailure[];
  engine: Engine;
}

export interface CaseRun extends DetectorRun {
  detector: AnyDetector;
  registry: Registry;
  events: AgentEvent[];
  expected: ExpectedAlert[];
}

export interface CaseComparison {
  missing: ExpectedAlert[];
  unexpected: ExpectedAlert[];
}

function nonEmptyLines(path: string): Array<{ text: string; line: number }> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((text, index) => ({ text, line: index + 1 }))
    .filter(({ text }) => text.trim().length > 0);
}

export function parseCaseRegistry(text: string, file = CASE_REGISTRY): Registry {
  const parsed = parseRegistry(text, file);
  if (!parsed.ok) {
    const issues = parsed.errors.map((issue) => `${issue.file}:${issue.line}:${issue.column}: ${issue.field} ${issue.message}`);
    throw new Error(`case registry does not validate:\n${issues.join('\n')}`);
  }
  return parsed.registry;
}

let sharedRegistry: Registry | undefined;

/** The registry every recorded case runs against. */
export function loadCaseRegistry(): Registry {
  sharedRegistry ??= parseCaseRegistry(readFileSync(CASE_REGISTRY, 'utf8'));
  return sharedRegistry;
}

/** Decodes a JSONL file of native events; a line that does not decode fails with its file and line. */
export function readEvents(path: string): AgentEvent[] {
  return nonEmptyLines(path).map(({ text, line }) => {
    const result = decodeLine(text);
    if (!result.ok) throw new Error(`${path}:${line}: ${result.code}: ${result.reason}`);
    return result.event;
  });
}

/** Decodes events written inline in a test (objects in the native contract). */
export function events(...values: readonly object[]): AgentEvent[] {
  return values.map((value, index) => {
    const result = decodeValue(structuredClone(value));
    if (!result.ok) throw new Error(`event ${index}: ${result.code}: ${result.reason}`);
    return result.event;
  });
}

export function readExpected(path: string): ExpectedAlert[] {
  return nonEmptyLines(path).map(({ text, line }) => {
    let value: Partial<ExpectedAlert>;
    try {
      value = JSON.parse(text) as Partial<ExpectedAlert>;
    } catch (error) {
      throw new Error(`${path}:${line}: not JSON: ${(error as Error).message}`);
    }
    if (typeof value.agent !== 'string' || typeof value.key !== 'string' || !SEVERITIES.includes(value.severity as Severity)) {
      throw new Error(`${path}:${line}: needs "agent", "key" and "severity" (${SEVERITIES.join(' | ')})`);
    }
    if (value.event !== undefined && typeof value.event !== 'string') throw new Error(`${path}:${line}: "event" must be an event id`);
    return { agent: value.agent, key: value.key, severity: value.severity!, ...(value.event === undefined ? {} : { event: value.event }) };
  });
}

/**
 * Runs one detector over the events through a strict engine (which checks that `score` leaves the
 * state alone) and returns what it emitted. Detector errors are collected, not thrown.
 */
export function runDetector(
  detector: AnyDetector,
  input: readonly AgentEvent[],
  registry: Registry = loadCaseRegistry(),
  settings: DetectorSettings = {},
): DetectorRun {
  const failures: DetectorFailure[] = [];
  const engine = new Engine([configureDetector(detector, settings)], {
    registry,
    strict: true,
    onDetectorError: (failure) => failures.push(failure),
  });
  const output = { alerts: [] as Alert[], dryRun: [] as Alert[] };
  for (const event of input) engine.process(event, output);
  return { ...output, failures, engine };
}

export function builtinDetector(detectorId: string): AnyDetector {
  const detector = BUILTIN_DETECTORS.find((candidate) => candidate.id === detectorId);
  if (detector === undefined) throw new Error(`no built-in detector ${detectorId}`);
  return detector;
}

/** Runs a detector's recorded cases (detectors/cases/<id>/events.jsonl) and returns the alerts with the expected list. */
export function runDetectorCases(detectorOrId: string | AnyDetector, casesDir: string = CASES_DIR): CaseRun {
  const detector = typeof detectorOrId === 'string' ? builtinDetector(detectorOrId) : detectorOrId;
  const dir = join(casesDir, detector.id);
  const eventsFile = join(dir, 'events.jsonl');
  const expectFile = join(dir, 'expect.jsonl');
  if (!existsSync(eventsFile) || !existsSync(expectFile)) throw new Error(`${dir}: needs events.jsonl and expect.jsonl`);
  const registry = casesDir === CASES_DIR ? loadCaseRegistry() : parseCaseRegistry(readFileSync(join(casesDir, 'registry.yaml'), 'utf8'));
  const recorded = readEvents(eventsFile);
  const run = runDetector(detector, recorded, registry);
  return { ...run, detector, registry, events: recorded, expected: readExpected(expectFile) };
}

/** An alert in the shape of expect.jsonl. */
export function asExpected(alert: Alert): Required<ExpectedAlert> {
  return { agent: alert.agent.id, key: alert.key, severity: alert.severity, event: alert.event.id };
}

/**
 * Matches emitted alerts with expected ones, as multisets: an expected line without `event`
 * matches an alert of any triggering event. Order does not matter.
 */
export function compareWithExpected(alerts: readonly Alert[], expected: readonly ExpectedAlert[]): CaseComparison {
  const remaining = alerts.map(asExpected);
  const missing: ExpectedAlert[] = [];
  // Lines that pin an event first, so that a looser line cannot take their alert.
  const ordered = [...expected].sort((a, b) => Number(b.event !== undefined) - Number(a.event !== undefined));
  for (const want of ordered) {
    const index = remaining.findIndex(
      (got) => got.agent === want.agent && got.key === want.key && got.severity === want.severity && (want.event === undefined || got.event === want.event),
    );
    if (index < 0) missing.push(want);
    else remaining.splice(index, 1);
  }
  return { missing, unexpected: remaining };
}

/** A readable report of a comparison, for assertion messages. */
export function describeComparison(detectorId: string, comparison: CaseComparison): string {
  const lines = [`detector ${detectorId}:`];
  for (const alert of comparison.missing) lines.push(`  missing:    ${JSON.stringify(alert)}`);
  for (const alert of comparison.unexpected) lines.push(`  unexpected: ${JSON.stringify(alert)}`);
  return lines.join('\n');
}
