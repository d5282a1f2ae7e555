import { SEVERITIES } from '../sdk/detector.js';

/**
 * What is wrong with a finding a detector returned (the first problem, naming its field), or
 * undefined when it can become an alert. Checked for every finding before it is raised: a
 * detector's mistake (a missing title, a severity the sinks do not know, a string instead of an
 * object) is that detector's failure, counted and named, never an alert that a sink cannot render.
 */
export function findingProblem(finding: unknown): string | undefined {
  if (!isRecord(finding)) return `finding: must be an object (got ${describe(finding)})`;
  if (typeof finding.key !== 'string') return `finding.key: must be a string (got ${describe(finding.key)})`;
  for (const field of ['title', 'summary', 'recommendation'] as const) {
    const value = finding[field];
    if (typeof value !== 'string' || value.trim() === '') return `finding.${field}: must be a non-empty string (got ${describe(value)})`;
  }
  if (finding.severity !== undefined && !(SEVERITIES as readonly unknown[]).includes(finding.severity)) {
    return `finding.severity: must be one of ${SEVERITIES.join(', ')} (got ${describe(finding.severity)})`;
  }
  if (typeof finding.score !== 'number' || !Number.isFinite(finding.score)) return `finding.score: must be a finite number, 0–100 (got ${describe(finding.score)})`;
  for (const field of ['observed', 'expected'] as const) {
    if (!isRecord(finding[field])) return `finding.${field}: must be an object (got ${describe(finding[field])})`;
    const problem = jsonProblem(finding[field]);
    if (problem !== undefined) return `finding.${field}: must be JSON data (${problem})`;
  }
  if (finding.scope !== undefined && !isRecord(finding.scope)) return `finding.scope: must be an object (got ${describe(finding.scope)})`;
  const scopeProblem = finding.scope === undefined ? undefined : jsonProblem(finding.scope);
  if (scopeProblem !== undefined) return `finding.scope: must be JSON data (${scopeProblem})`;
  const evidence = finding.evidence;
  if (evidence !== undefined && !(Array.isArray(evidence) && evidence.every((id) => typeof id === 'string'))) {
    return `finding.evidence: must be an array of event ids (got ${describe(evidence)})`;
  }
  const window = finding.window;
  if (window !== undefined) {
    if (!isRecord(window) || !isTime(window.start) || !isTime(window.end) || !(window.end > window.start)) {
      return `finding.window: must be { start, end } in ms since the epoch with end after start (got ${describe(window)})`;
    }
  }
  return undefined;
}

/** Why a value cannot be written as JSON (a BigInt, a cycle), or undefined: every sink writes the alert as JSON or from it. */
function jsonProblem(value: unknown): string | undefined {
  try {
    JSON.stringify(value);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Within what an ISO date can show (years 0000–9999). */
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= -62_167_219_200_000 && value <= 253_402_300_799_999;

function describe(value: unknown): string {
  if (value === undefined || value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
