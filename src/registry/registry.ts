import { readFile } from 'node:fs/promises';
import { formatYamlIssue, parseYaml, type Locate, type YamlIssue } from '../config/yaml.js';
import { DriftwatchError } from '../errors.js';
import { MatcherCache, resolveAgent, type RegisteredAgent } from './agent.js';
import { registryFileSchema } from './schema.js';

export type RegistryIssue = YamlIssue;

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

/** Parses and validates registry YAML; every problem is returned, each with its line. */
export function parseRegistry(
  text: string,
  file: string,
): { ok: true; registry: Registry } | { ok: false; errors: RegistryIssue[] } {
  const parsed = parseYaml(text, file, registryFileSchema, (data, locate) => ({ data, errors: duplicateIds(data, locate) }));
  if (!parsed.ok) return parsed;
  const { data, locate } = parsed;
  const warnings: RegistryIssue[] = [];
  const seen = new Set(data.agents.map((entry) => entry.id));
  const agents: RegisteredAgent[] = [];
  const matchers = new MatcherCache();
  data.agents.forEach((entry, index) => {
    if (!entry.owner) warnings.push(locate(['agents', index], `agent "${entry.id}" has no owner`));
    if (!entry.custodian) warnings.push(locate(['agents', index], `agent "${entry.id}" has no custodian`));
    agents.push(resolveAgent(entry, data.defaults, locate(['agents', index], '').line, matchers));
  });
  data.agents.forEach((entry, index) => {
    (entry.delegation?.may_delegate_to ?? []).forEach((delegate, delegateIndex) => {
      if (!seen.has(delegate)) {
        warnings.push(locate(['agents', index, 'delegation', 'may_delegate_to', delegateIndex], `delegate "${delegate}" is not a registered agent`));
      }
    });
  });
  return { ok: true, registry: new Registry(agents, file, warnings) };
}

/** Agent ids defined twice, found on the raw YAML data so they are reported beside schema errors. */
function duplicateIds(data: unknown, locate: Locate): RegistryIssue[] {
  const agents = (data as { agents?: unknown } | null)?.agents;
  if (!Array.isArray(agents)) return [];
  const first = new Map<unknown, number>();
  const errors: RegistryIssue[] = [];
  agents.forEach((entry: unknown, index) => {
    const id = (entry as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return;
    const earlier = first.get(id);
    if (earlier === undefined) first.set(id, index);
    else errors.push(locate(['agents', index, 'id'], `duplicate agent id "${id}" (first defined at agents.${earlier})`));
  });
  return errors;
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
      `registry ${path} does not validate:\n${result.errors.map(formatYamlIssue).join('\n')}`,
      { details: result.errors },
    );
  }
  return result.registry;
}

