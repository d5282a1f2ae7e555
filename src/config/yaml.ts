import { isCollection, isNode, isPair, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';

/** A validation problem in a YAML file, located by file, line and field path. */
export interface YamlIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the offending field, e.g. `agents.2.scope.actions.0`. */
  field: string;
  message: string;
}

/**
 * yaml's bound on aliasing (`maxAliasCount`): how often an anchor is used, times the aliases its
 * value holds itself. Nesting multiplies, so a few levels of aliases of aliases (a "billion
 * laughs") pass it at once; plain reuse is cheap, and yaml's default of 100 refused a registry of
 * 100 agents sharing one `scope: *std`.
 */
const MAX_ALIAS_COUNT = 10_000;

/**
 * Values a file may expand to. yaml's alias bound counts uses of anchors, not their size: a few
 * hundred KB of YAML can use a 20,000-name list ten thousand times, which every later stage
 * (validation, glob compilation) would pay in full. About 100,000 agents' worth.
 */
const MAX_VALUES = 5_000_000;

/** Whether `data` holds more than `limit` values (array items and object members, counted where used); stops at the limit. */
function holdsMoreValues(data: unknown, limit: number): boolean {
  const pending: unknown[] = [data];
  let count = 0;
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== 'object' || value === null) continue;
    const items = Array.isArray(value) ? value : Object.values(value);
    count += items.length;
    if (count > limit) return true;
    for (const item of items) if (typeof item === 'object' && item !== null) pending.push(item);
  }
  return false;
}

export type Locate = (path: readonly PropertyKey[], message: string) => YamlIssue;

export type YamlResult<T> = { ok: true; data: T; locate: Locate } | { ok: false; errors: YamlIssue[] };

function positionOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): { line: number; column: number } {
  // The deepest node that exists on the path: a missing key is reported at its parent.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0];
    if (typeof offset === 'number') {
      const { line, col } = lines.linePos(offset);
      return { line, column: col };
    }
  }
  return { line: 1, column: 1 };
}

/**
 * Parses YAML and validates it with a zod schema; every problem comes back with its line.
 * `transform` runs on the plain data before validation (e.g. environment interpolation).
 */
export function parseYaml<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  transform: (data: unknown, locate: Locate) => { data: unknown; errors: YamlIssue[] } = (data) => ({ data, errors: [] }),
): YamlResult<z.output<S>> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        return { file, line, column: col, field: '', message: error.message.split('\n')[0] ?? error.message };
      }),
    };
  }
  const locate: Locate = (path, message) => ({
    file,
    ...positionOf(doc, lines, path),
    field: path.map(String).join('.'),
    message,
  });
  const plain = toPlainData(doc, locate);
  if (!plain.ok) return { ok: false, errors: [plain.issue] };
  if (holdsMoreValues(plain.data, MAX_VALUES)) {
    const message = `expands to more than ${MAX_VALUES.toLocaleString('en-US')} values: aliases count once for each use (a list of 20,000 names used by every agent is 20,000 values per agent)`;
    return { ok: false, errors: [{ file, line: 1, column: 1, field: '', message }] };
  }
  const transformed = transform(plain.data ?? {}, locate);
  const parsed = schema.safeParse(transformed.data);
  // A field whose ${ENV} reference failed is reported once, for the missing variable.
  const failedFields = new Set(transformed.errors.map((error) => error.field));
  const schemaErrors = parsed.success ? [] : parsed.error.issues.flatMap((issue) => issueLocations(issue, locate)).filter((error) => !failedFields.has(error.field));
  const errors = [...transformed.errors, ...schemaErrors];
  if (errors.length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, data: parsed.data, locate };
}

/**
 * The document as plain data. Resolving an alias throws a ReferenceError when its anchor is not
 * defined before it or when aliases expand past MAX_ALIAS_COUNT; the issue is then placed at the
 * deepest node that fails by itself, which is where the bad alias or the expansion is written.
 */
function toPlainData(doc: Document, locate: Locate): { ok: true; data: unknown } | { ok: false; issue: YamlIssue } {
  try {
    return { ok: true, data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown };
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    return { ok: false, issue: locate(failingPath(doc, doc.contents, []) ?? [], `cannot resolve aliases: ${error.message}`) };
  }
}

/**
 * Each try resolves a node's aliases on its own, which yaml does by a walk of the whole document:
 * the search for the failing node gives up after this many and reports the node it got to.
 */
const FAILING_PATH_TRIES = 50;

function failingPath(doc: Document, node: unknown, path: PropertyKey[], budget = { tries: FAILING_PATH_TRIES }): PropertyKey[] | undefined {
  if (!isNode(node)) return undefined;
  try {
    budget.tries--;
    node.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT });
    return undefined;
  } catch {
    // This node fails: one of its children may fail by itself too.
  }
  if (isCollection(node)) {
    for (const [index, item] of node.items.entries()) {
      if (budget.tries <= 0) break;
      const deeper = isPair(item)
        ? failingPath(doc, item.value, [...path, isScalar(item.key) ? String(item.key.value) : index], budget)
        : failingPath(doc, item, [...path, index], budget);
      if (deeper) return deeper;
    }
  }
  return path;
}

/** An unknown key is reported at the key itself, one issue per key, not at the object holding it. */
function issueLocations(issue: z.core.$ZodIssue, locate: Locate): YamlIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => locate([...issue.path, key], `unknown key "${key}"`));
  }
  return [locate(issue.path, issue.message)];
}

export function formatYamlIssue(issue: YamlIssue): string {
  const field = issue.field ? ` ${issue.field}:` : '';
  return `${issue.file}:${issue.line}:${issue.column}:${field} ${issue.message}`;
}
