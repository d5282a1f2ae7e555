import { redactedJson } from '../redaction.js';

/**
 * Why a detector state would not come back as it is from a checkpoint, naming the first place
 * (`state.tools`), or undefined when it would. Checkpoints store state as JSON with credentials
 * redacted (see redactedJson): a Set or a Map is stored as `{}`, Infinity as null, and the strings
 * under secret-named keys (`credentials`, `api_keys`) as "[REDACTED]". A detector then judges a
 * restored agent against other state than it kept, silently: strict mode (`detectors test`)
 * checks each state after every event instead.
 */
export function stateStorageProblem(state: unknown): string | undefined {
  const notJson = notPlainJson(state, 'state', new Set());
  if (notJson !== undefined) return notJson;
  const json = JSON.stringify(state);
  if (json === undefined) return undefined;
  const stored = redactedJson(state);
  if (stored === json) return undefined;
  const path = firstDifference(JSON.parse(json), JSON.parse(stored), 'state') ?? 'state';
  return `${path}: a checkpoint stores it redacted (strings under secret-named keys such as password, secret, credential, api_key or access_token, and values that look like credentials, become "[REDACTED]"); use another key name, or keep a fingerprint rather than the value`;
}

/** `ancestors`: the objects on the path to `value`, to name a cycle rather than recurse into it for ever. */
function notPlainJson(value: unknown, path: string, ancestors: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path}: ${value} is not JSON (a checkpoint stores null)`;
    case 'object':
      break;
    default:
      return `${path}: a ${typeof value} is not JSON data`;
  }
  if (value === null) return undefined;
  if (ancestors.has(value)) return `${path}: a cycle (it refers back to an object that holds it), which JSON cannot store`;
  ancestors.add(value);
  try {
    return notPlainJsonObject(value, path, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function notPlainJsonObject(value: object, path: string, ancestors: Set<object>): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) return `${path}[${i}]: undefined is not JSON (a checkpoint stores null)`;
      const problem = notPlainJson(item, `${path}[${i}]`, ancestors);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    const name = value.constructor?.name ?? 'object';
    return `${path}: a ${name} is not plain JSON data (a checkpoint stores ${storedAs(value)}); keep arrays and plain objects`;
  }
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue; // left out, as a restored state leaves it
    const problem = notPlainJson(item, `${path}.${key}`, ancestors);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** What JSON makes of a value that is not plain data, in words when it cannot be written at all. */
function storedAs(value: object): string {
  try {
    return JSON.stringify(value) ?? 'nothing';
  } catch {
    return 'nothing: it cannot be written';
  }
}

function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b ? undefined : path;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return path;
    for (let i = 0; i < a.length; i++) {
      const found = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  for (const key of Object.keys(left)) {
    const found = firstDifference(left[key], right[key], `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}
