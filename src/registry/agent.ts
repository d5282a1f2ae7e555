import { ACTIONS } from '../events/contract.js';
import { parseDateOrDateTime } from '../events/time.js';
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

/**
 * Compiles the matchers of a registry's agents, one per distinct list: agents registered with the
 * same scope share one matcher. Matchers run on every event, and with thousands of agents a
 * matcher of each agent's own is a cache miss per call; a few hundred shared ones stay in cache.
 */
export class MatcherCache {
  private readonly matchers = new Map<string, Matcher>();
  private readonly highConsequenceTests = new Map<string, RegisteredAgent['isHighConsequence']>();

  /** A glob matcher for `patterns` (order and duplicates ignored). */
  globs(patterns: readonly string[]): Matcher {
    return this.shared(`g\n${keyOf(patterns)}`, () => compileGlobs(patterns));
  }

  /** A matcher of exact values (actions, delegate ids). */
  exact(values: readonly string[]): Matcher {
    return this.shared(`e\n${keyOf(values)}`, () => {
      const set: ReadonlySet<string> = new Set(values);
      return (value) => set.has(value);
    });
  }

  /** The test of an agent's `high_consequence` list: action names match actions, other items are tool globs. */
  highConsequence(items: readonly string[]): RegisteredAgent['isHighConsequence'] {
    const key = keyOf(items);
    let test = this.highConsequenceTests.get(key);
    if (test === undefined) {
      const hcActions = this.exact(items.filter((item) => actionNames.has(item)));
      const hcTools = this.globs(items.filter((item) => !actionNames.has(item)));
      test = (tool, action) => (action !== undefined && hcActions(action)) || (tool !== undefined && hcTools(tool));
      this.highConsequenceTests.set(key, test);
    }
    return test;
  }

  private shared(key: string, compile: () => Matcher): Matcher {
    let matcher = this.matchers.get(key);
    if (matcher === undefined) this.matchers.set(key, (matcher = compile()));
    return matcher;
  }
}

const keyOf = (values: readonly string[]): string => [...new Set(values)].sort().join('\n');

export function resolveAgent(entry: AgentEntry, defaults: RegistryFile['defaults'], line?: number, matchers = new MatcherCache()): RegisteredAgent {
  const credentials = { ...defaults.credentials, ...entry.credentials };
  const systems = entry.scope.systems;
  const actions = entry.scope.actions;
  const actionAllowed = actions.includes('*') ? matchers.globs(['*']) : matchers.exact(actions);
  const maxTtl = credentials.max_ttl === undefined ? undefined : parseDuration(credentials.max_ttl);
  const reviewedMs = entry.reviewed === undefined ? undefined : parseDateOrDateTime(entry.reviewed);
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
      system: matchers.globs(systems),
      tool: matchers.globs(entry.scope.tools),
      action: actionAllowed,
      audience: matchers.globs(credentials.audiences ?? systems),
      tokenScope: credentials.scopes === undefined ? undefined : matchers.globs(credentials.scopes),
      delegateTo: matchers.exact(entry.delegation?.may_delegate_to ?? []),
    },
    isHighConsequence: matchers.highConsequence(entry.high_consequence),
  };
}
