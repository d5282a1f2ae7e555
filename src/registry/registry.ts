import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { DriftwatchError } from '../errors.js';
import { resolveAgent, type RegisteredAgent } from './agent.js';
import { registryFileSchema } from './schema.js';

export interface RegistryIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the offending field, e.g. `agents.2.scope.actions.0`. */
  field: string;
  message: string;
}

/** The loaded registry: a read-only lookup of agents by id. */
export class Registry {
  private readonly byId: ReadonlyMap<string, RegisteredAgent>;

  constructor(
    readonly agents: readonly RegisteredAgent[],
    readonly source: string,
    /** Findings that do not refuse the registry (e.g. an agent with no owner). */
    readonly warnings: readonly RegistryIssue[] = [],
  ) {
    this.byId = new Map(agents.map((agent) => [agent.id, agent]));
  }

  get(agentId: string): RegisteredAgent | undefined {
    return this.byId.get(agentId);
  }

  get size(): number {
    return this.byId.size;
  }

  static empty(): Registry {
    return new Registry([], '(empty)');
  }
}

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

/** Parses and validates registry YAML; every problem is returned, each with its line. */
export function parseRegistry(
  text: string,
  file: string,
): { ok: true; registry: Registry } | { ok: false; errors: RegistryIssue[] } {
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
  const at = (path: readonly PropertyKey[], message: string): RegistryIssue => ({
    file,
    ...positionOf(doc, lines, path),
    field: path.map(String).join('.'),
    message,
  });

  const parsed = registryFileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((issue) => at(issue.path, issue.message)) };
  }

  const errors: RegistryIssue[] = [];
  const warnings: RegistryIssue[] = [];
  const seen = new Map<string, number>();
  const agents: RegisteredAgent[] = [];
  parsed.data.agents.forEach((entry, index) => {
    const first = seen.get(entry.id);
    if (first !== undefined) {
      errors.push(at(['agents', index, 'id'], `duplicate agent id "${entry.id}" (first defined at agents.${first})`));
      return;
    }
    seen.set(entry.id, index);
    if (!entry.owner) warnings.push(at(['agents', index], `agent "${entry.id}" has no owner`));
    if (!entry.custodian) warnings.push(at(['agents', index], `agent "${entry.id}" has no custodian`));
    agents.push(resolveAgent(entry, parsed.data.defaults, positionOf(doc, lines, ['agents', index]).line));
  });
  for (const [index, entry] of parsed.data.agents.entries()) {
    for (const [delegateIndex, delegate] of (entry.delegation?.may_delegate_to ?? []).entries()) {
      if (!seen.has(delegate)) {
        warnings.push(at(['agents', index, 'delegation', 'may_delegate_to', delegateIndex], `delegate "${delegate}" is not a registered agent`));
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, registry: new Registry(agents, file, warnings) };
}

export function formatIssue(issue: RegistryIssue): string {
  const field = issue.field ? ` ${issue.field}:` : '';
  return `${issue.file}:${issue.line}:${issue.column}:${field} ${issue.message}`;
}

/** Loads a registry file, throwing DW_REGISTRY_INVALID with every issue when it does not validate. */
export async function loadRegistry(path: string): Promise<Registry> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DriftwatchError('DW_REGISTRY_INVALID', `cannot read registry ${path}: ${(error as Error).message}`, { cause: error });
  }
  const result = parseRegistry(text, path);
  if (!result.ok) {
    throw new DriftwatchError(
      'DW_REGISTRY_INVALID',
      `registry ${path} does not validate:\n${result.errors.map(formatIssue).join('\n')}`,
      { details: result.errors },
    );
  }
  return result.registry;
}

