import { ACTIONS, type Action } from '../events/contract.js';
import { parseDuration } from './duration.js';
import { compileGlobs, type Matcher } from './glob.js';
import type { AgentEntry, RegistryFile } from './schema.js';

const actionNames: ReadonlySet<string> = new Set(ACTIONS);

/** An agent's registry entry with its defaults applied and its globs compiled. */
export interface RegisteredAgent {
  readonly id: string;
  readonly name?: string;
  readonly owner?: string;
  readonly custodian?: string;
  readonly purpose?: string;
  readonly kind?: string;
  readonly status: 'active' | 'suspended' | 'retired';
  readonly reviewed?: string;
  readonly reviewedMs?: number;
  readonly reviewMaxAgeMs: number;
  readonly scope: { readonly systems: readonly string[]; readonly tools: readonly string[]; readonly actions: readonly string[] };
  readonly highConsequence: readonly string[];
  readonly delegation?: { readonly maxDepth?: number; readonly mayDelegateTo: readonly string[] };
  readonly credentials: {
    readonly maxTtlMs?: number;
    readonly grants?: readonly string[];
    readonly audiences?: readonly string[];
    readonly scopes?: readonly string[];
  };
  /** Line of the entry in the registry file, for messages. */
  readonly line?: number;
  readonly allows: {
    readonly system: Matcher;
    readonly tool: Matcher;
    readonly action: (action: string) => boolean;
    readonly audience: Matcher;
    /** Undefined when the registry sets no token scope patterns: scopes are then not checked. */
    readonly tokenScope?: Matcher;
    readonly delegateTo: (agentId: string) => boolean;
  };
  /** True when the tool or action needs a human approval reference. */
  readonly isHighConsequence: (tool: string | undefined, action: string | undefined) => boolean;
}

export function resolveAgent(entry: AgentEntry, defaults: RegistryFile['defaults'], line?: number): RegisteredAgent {
  const credentials = { ...defaults.credentials, ...entry.credentials };
  const systems = entry.scope.systems;
  const actions = entry.scope.actions;
  const allActions = actions.includes('*');
  const actionSet: ReadonlySet<string> = new Set(actions);
  const hcActions: ReadonlySet<string> = new Set(entry.high_consequence.filter((item) => actionNames.has(item)));
  const hcTools = compileGlobs(entry.high_consequence.filter((item) => !actionNames.has(item)));
  const delegates: ReadonlySet<string> = new Set(entry.delegation?.may_delegate_to ?? []);
  const maxTtl = credentials.max_ttl === undefined ? undefined : parseDuration(credentials.max_ttl);
  const reviewedMs = entry.reviewed === undefined ? undefined : Date.parse(entry.reviewed);
  return {
    id: entry.id,
    name: entry.name,
    owner: entry.owner,
    custodian: entry.custodian,
    purpose: entry.purpose,
    kind: entry.kind,
    status: entry.status,
    reviewed: entry.reviewed,
    reviewedMs,
    reviewMaxAgeMs: parseDuration(entry.review_max_age ?? defaults.review_max_age) ?? 0,
    scope: { systems, tools: entry.scope.tools, actions },
    highConsequence: entry.high_consequence,
    delegation: entry.delegation && {
      maxDepth: entry.delegation.max_depth,
      mayDelegateTo: entry.delegation.may_delegate_to,
    },
    credentials: {
      maxTtlMs: maxTtl,
      grants: credentials.grants,
      audiences: credentials.audiences,
      scopes: credentials.scopes,
    },
    line,
    allows: {
      system: compileGlobs(systems),
      tool: compileGlobs(entry.scope.tools),
      action: (action) => allActions || actionSet.has(action),
      audience: compileGlobs(credentials.audiences ?? systems),
      tokenScope: credentials.scopes === undefined ? undefined : compileGlobs(credentials.scopes),
      delegateTo: (agentId) => delegates.has(agentId),
    },
    isHighConsequence: (tool, action) =>
      (action !== undefined && hcActions.has(action as Action)) || (tool !== undefined && hcTools(tool)),
  };
}
