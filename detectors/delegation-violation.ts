import {
  defineDetector,
  TECHNIQUES,
  z,
  type AgentEvent,
  type DetectorContext,
  type Finding,
  type RegisteredAgent,
} from '../src/sdk/index.js';

/**
 * Delegation that the registry does not allow, judged on any event that carries a `chain`.
 *
 * The chain runs from the root principal to the acting agent: `["alice@corp", "planner",
 * "invoice-bot"]`. When its last entry is not the acting agent, the acting agent is counted after
 * it (it acts on the authority of the last entry). Depth is the number of agents below the root
 * principal, the acting agent included: 2 for that example, 1 for an agent acting directly for a
 * human.
 */

const options = z.strictObject({
  check_root: z.boolean().default(true).describe('require a human principal at the root of the chain'),
  check_hops: z.boolean().default(true).describe('require every agent-to-agent hop to be listed in the delegator\'s may_delegate_to'),
  check_depth: z.boolean().default(true).describe('require the depth to stay within the acting agent\'s delegation.max_depth'),
  check_delegated_scope: z
    .boolean()
    .default(true)
    .describe('require a delegated tool_use to stay within the system, tool and action scope of the agent that delegated'),
});

interface Violation {
  readonly kind: 'root' | 'hop' | 'depth' | 'scope';
  readonly key: string;
  readonly text: string;
  /** For hop and scope violations: the delegating agent. */
  readonly delegator?: string;
  readonly delegate?: string;
}

/** Member `index` of the effective chain: the event's chain, then the acting agent when it does not end with it. */
function memberAt(chain: readonly string[], index: number, agentId: string): string {
  return index < chain.length ? chain[index]! : agentId;
}

const list = (items: readonly string[] | undefined): string => (items === undefined || items.length === 0 ? 'none' : items.join(', '));

function tokenOf(event: AgentEvent): string | undefined {
  if (event.type === 'token_issued') return event.token.fingerprint;
  if (event.type === 'tool_use') return event.token;
  return undefined;
}

const ownerOf = (agent: RegisteredAgent | undefined, id: string): string =>
  agent?.owner === undefined ? `the owner of ${id}` : `${id}'s owner ${agent.owner}`;

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

export default defineDetector({
  id: 'delegation-violation',
  version: '1.0.1',
  description:
    'On any event carrying a delegation chain (root principal first, acting agent last; when the chain ' +
    'does not end with the acting agent, the acting agent is counted after it). Depth = number of agents ' +
    'below the root principal, the acting agent included (["alice", "planner", "invoice-bot"] has depth 2). ' +
    'Reports: no human principal at the root (empty chain, chain starting at the acting agent, root that is a ' +
    'registered agent id, or principal different from chain[0]) - key root:<...>; an agent-to-agent hop whose ' +
    'delegator is unregistered or does not list the delegate in may_delegate_to - key hop:<delegator>><delegate>; ' +
    'depth above the acting agent\'s delegation.max_depth - key depth:<n>; and, on tool_use, a system, tool or ' +
    'action outside the scope of the registered agent that delegated to the acting agent - key ' +
    'delegated-scope:<system|tool|action>:<value>. One finding per event, keyed by the first problem in that order. ' +
    'High, except a finding whose only problem is the delegated scope: medium.',
  eventTypes: ['tool_use', 'token_issued', 'access_denied'],
  maturity: 'stable',
  techniques: [TECHNIQUES.identityPrivilegeAbuse, TECHNIQUES.applicationAccessToken, TECHNIQUES.humanAgentTrust],
  severity: 'high',
  options,
  createState: () => null,
  score(event, ctx) {
    const chain = event.chain;
    if (chain === undefined) return undefined;
    const { check_root, check_hops, check_depth, check_delegated_scope } = ctx.options;
    const agentId = event.agent.id;
    const n = chain.length;
    const len = n > 0 && chain[n - 1] === agentId ? n : n + 1;
    const root = n > 0 ? chain[0]! : undefined;
    const principal = event.principal;
    let violations: Violation[] | undefined;

    // Root: a human principal, not an agent, equal to `principal` when that is set.
    const rootMissing = root === undefined || root === agentId;
    const rootIsAgent = !rootMissing && ctx.registry.get(root) !== undefined;
    if (check_root) {
      if (rootMissing) {
        (violations ??= []).push({
          kind: 'root',
          key: 'root:none',
          text: root === undefined ? 'the chain is empty: no human principal at its root' : `the chain starts at ${agentId} itself: no human principal at its root`,
        });
      } else if (rootIsAgent) {
        (violations ??= []).push({ kind: 'root', key: `root:agent:${root}`, text: `the chain starts at ${root}, a registered agent, not at a human principal` });
      } else if (principal !== undefined && principal !== root) {
        (violations ??= []).push({ kind: 'root', key: `root:principal:${root}`, text: `the chain starts at ${root}, but the event's principal is ${principal}` });
      }
    }

    // Hops between agents. The hop out of a human root is not judged; out of an agent root it is.
    if (check_hops) {
      for (let i = rootIsAgent ? 0 : 1; i < len - 1; i++) {
        const delegator = memberAt(chain, i, agentId);
        const delegate = memberAt(chain, i + 1, agentId);
        const entry = ctx.registry.get(delegator);
        if (entry === undefined) {
          (violations ??= []).push({ kind: 'hop', key: `hop:${delegator}>${delegate}`, text: `${delegator} delegated to ${delegate} but ${delegator} is not a registered agent`, delegator, delegate });
        } else if (!entry.allows.delegateTo(delegate)) {
          (violations ??= []).push({
            kind: 'hop',
            key: `hop:${delegator}>${delegate}`,
            text: `${delegator} delegated to ${delegate}, which is not in its may_delegate_to (${list(entry.delegation?.mayDelegateTo)})`,
            delegator,
            delegate,
          });
        }
      }
    }

    // Depth against the acting agent's limit.
    const depth = len - 1;
    const maxDepth = ctx.agent?.delegation?.maxDepth;
    if (check_depth && maxDepth !== undefined && depth > maxDepth) {
      (violations ??= []).push({ kind: 'depth', key: `depth:${depth}`, text: `${agentId} acts ${depth} agents below the principal, above its max_depth of ${maxDepth}` });
    }

    // A delegated tool call stays within the scope of the agent that delegated it.
    let delegatorEntry: RegisteredAgent | undefined;
    if (check_delegated_scope && event.type === 'tool_use' && len >= 2 && (len >= 3 || rootIsAgent)) {
      const delegator = memberAt(chain, len - 2, agentId);
      delegatorEntry = ctx.registry.get(delegator);
      if (delegatorEntry !== undefined) {
        const allows = delegatorEntry.allows;
        const systemOut = !allows.system(event.system);
        const toolOut = !allows.tool(event.tool);
        const actionOut = !allows.action(event.action);
        if (systemOut || toolOut || actionOut) {
          const { systems, tools, actions } = delegatorEntry.scope;
          const parts: string[] = [];
          if (systemOut) parts.push(`system ${event.system} (${delegator} may use ${list(systems)})`);
          if (toolOut) parts.push(`tool ${event.tool} (${delegator} may use ${list(tools)})`);
          if (actionOut) parts.push(`action ${event.action} (${delegator} may ${list(actions)})`);
          (violations ??= []).push({
            kind: 'scope',
            key: systemOut ? `delegated-scope:system:${event.system}` : toolOut ? `delegated-scope:tool:${event.tool}` : `delegated-scope:action:${event.action}`,
            text: `acting on ${delegator}'s delegation, ${agentId} used ${parts.join(', ')} outside ${delegator}'s scope`,
            delegator,
            delegate: agentId,
          });
        }
      }
    }

    if (violations === undefined) return undefined;
    return describe(event, ctx, violations, { chain, len, root, rootMissing, rootIsAgent, depth, maxDepth, delegatorEntry });
  },
});

/** What the check found out about the chain; built only when there is something to report. */
interface ChainFacts {
  readonly chain: readonly string[];
  readonly len: number;
  readonly root: string | undefined;
  readonly rootMissing: boolean;
  readonly rootIsAgent: boolean;
  readonly depth: number;
  readonly maxDepth: number | undefined;
  readonly delegatorEntry: RegisteredAgent | undefined;
}

function describe(
  event: AgentEvent,
  ctx: DetectorContext<unknown, unknown>,
  found: readonly Violation[],
  facts: ChainFacts,
): Finding {
  const { chain, len, root, rootMissing, rootIsAgent, depth, maxDepth, delegatorEntry } = facts;
  const agentId = event.agent.id;
  const principal = event.principal;
  const n = chain.length;
  const primary = found[0]!;
  const effective: string[] = [];
  for (let i = 0; i < len; i++) effective.push(memberAt(chain, i, agentId));
  const token = tokenOf(event);
  const agent = ctx.agent;
  const revoke = token === undefined ? 'revoke the exchanged token' : `revoke token fingerprint ${token}`;

  let title: string;
  let recommendation: string;
  let score: number;
  switch (primary.kind) {
    case 'root':
      if (rootMissing || rootIsAgent) {
        title = rootMissing
          ? `${agentId} acted with no human principal at the root of its delegation chain`
          : `${agentId}'s delegation chain starts at agent ${root}, not at a human`;
        recommendation =
          `Find which process started this chain without a human principal${rootIsAgent ? ` (agent ${root})` : ''}, ${revoke}, ` +
          `and have the token exchange require a human subject; ${ownerOf(agent, agentId)} should confirm who ${agentId} was acting for.`;
      } else {
        title = `${agentId}'s delegation chain starts at ${root}, not at its principal ${principal}`;
        recommendation =
          `Ask ${root} and ${principal} which of them asked for this action: a principal that differs from the root of the chain ` +
          `points at a forged or replayed delegation. Meanwhile ${revoke} and inform ${ownerOf(agent, agentId)}.`;
      }
      score = 85;
      break;
    case 'hop': {
      const delegator = primary.delegator!;
      const delegatorAgent = ctx.registry.get(delegator);
      // The hop at fault may be further up the chain than the agent that acted (the alert's agent).
      title =
        primary.delegate === agentId
          ? `${agentId} acted on a delegation from ${delegator} that the registry does not allow`
          : `${agentId} acted through a delegation from ${delegator} to ${primary.delegate} that the registry does not allow`;
      recommendation =
        delegatorAgent === undefined
          ? `${capitalise(revoke)} that let unregistered agent ${delegator} hand authority to ${primary.delegate}, find who runs ` +
            `${delegator}, and register it or block it at the token exchange.`
          : `${capitalise(revoke)} that let ${delegator} hand its authority to ${primary.delegate}, and ask ` +
            `${ownerOf(delegatorAgent, delegator)} whether ${primary.delegate} belongs in its may_delegate_to list.`;
      score = 85;
      break;
    }
    case 'depth':
      title = `${agentId} acted ${depth} agents deep in a delegation chain (limit ${maxDepth})`;
      recommendation =
        `Find which agent extended the chain beyond a depth of ${maxDepth}, ${revoke}, and review with ` +
        `${ownerOf(agent, agentId)} whether its delegation.max_depth should change.`;
      score = 70;
      break;
    case 'scope':
      title = `${agentId} went beyond the scope of ${primary.delegator}, which delegated to it`;
      recommendation =
        `Block ${agentId}'s out-of-scope calls when it acts for ${primary.delegator}, ${revoke}, and check with ` +
        `${ownerOf(delegatorEntry, primary.delegator!)} whether ${primary.delegator} was steered into delegating (confused deputy).`;
      score = 80;
      break;
  }

  const scope: Record<string, unknown> = {
    delegation: { max_depth: maxDepth ?? null, may_delegate_to: agent?.delegation?.mayDelegateTo ?? [] },
  };
  const expected: Record<string, unknown> = { root: principal ?? 'a human principal', max_depth: maxDepth ?? null };
  // Keyed by agent ids from the event: no prototype, so an id like "__proto__" is a key like any other.
  const hopRules: Record<string, readonly string[] | null> = Object.create(null) as Record<string, readonly string[] | null>;
  for (const violation of found) {
    if (violation.kind === 'hop') hopRules[violation.delegator!] = ctx.registry.get(violation.delegator!)?.delegation?.mayDelegateTo ?? null;
  }
  if (Object.keys(hopRules).length > 0) expected.may_delegate_to = hopRules;
  if (delegatorEntry !== undefined && found.some((violation) => violation.kind === 'scope')) {
    const { systems, tools, actions } = delegatorEntry.scope;
    scope.delegator_scope = { agent: delegatorEntry.id, systems, tools, actions };
    expected.delegator_scope = { systems, tools, actions };
  }
  const observed: Record<string, unknown> = { chain: effective, depth, violations: found.map((violation) => violation.text) };
  if (principal !== undefined) observed.principal = principal;
  if (token !== undefined) observed.token = token;

  return {
    key: primary.key,
    title,
    summary:
      `${agentId} acted${principal === undefined ? '' : ` for ${principal}`} ` +
      `${n === 0 ? 'with an empty delegation chain' : `through the delegation chain ${effective.join(' → ')}`}` +
      `${len > n && n > 0 ? ` (the event's chain ends at ${chain[n - 1]}; ${agentId} is counted after it)` : ''}: ` +
      `${found.map((violation) => violation.text).join('; ')}.`,
    // A delegated call beyond the delegator's scope alone is often a registry gap (an orchestrator
    // registered narrower than the work it hands out): medium. Root, hop and depth problems stay high.
    severity: primary.kind === 'scope' ? 'medium' : 'high',
    score: Math.min(100, score + 5 * (found.length - 1)),
    observed,
    expected,
    scope,
    recommendation,
  };
}
