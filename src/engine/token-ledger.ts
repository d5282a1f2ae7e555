import type { TokenGrant, TokenLedgerView } from '../sdk/detector.js';

export const DEFAULT_LEDGER_CAPACITY = 200_000;
/** Grants one agent may hold in the ledger: one agent issuing tokens in a loop must not push out everyone else's. */
export const DEFAULT_LEDGER_AGENT_CAPACITY = 10_000;

/**
 * Remembers which agent each token fingerprint was issued to, for how long and for which task.
 * Bounded twice: past its capacity the oldest issuance is forgotten (Map order is insertion
 * order), and past an agent's own capacity that agent's oldest, so that no agent can make the
 * ledger forget the tokens of others by having many issued to itself.
 */
export class TokenLedger implements TokenLedgerView {
  private readonly grants = new Map<string, TokenGrant>();
  /** Per agent, its fingerprints in the order they were recorded. */
  private readonly byAgent = new Map<string, Set<string>>();

  constructor(
    /** Called for each grant forgotten to stay within a capacity: its misuse can no longer be recognised. */
    private readonly onEvict: () => void = () => {},
    private readonly capacity = DEFAULT_LEDGER_CAPACITY,
    private readonly agentCapacity = DEFAULT_LEDGER_AGENT_CAPACITY,
  ) {}

  get(fingerprint: string): TokenGrant | undefined {
    return this.grants.get(fingerprint);
  }

  record(grant: TokenGrant): void {
    this.forget(grant.fingerprint);
    this.grants.set(grant.fingerprint, grant);
    let own = this.byAgent.get(grant.agentId);
    if (own === undefined) this.byAgent.set(grant.agentId, (own = new Set()));
    own.add(grant.fingerprint);
    if (own.size > this.agentCapacity) this.evict(own.values().next().value as string);
    if (this.grants.size > this.capacity) this.evict(this.grants.keys().next().value as string);
  }

  get size(): number {
    return this.grants.size;
  }

  snapshot(): TokenGrant[] {
    return [...this.grants.values()];
  }

  restore(grants: readonly TokenGrant[]): void {
    for (const grant of grants) this.record(grant);
  }

  private evict(fingerprint: string): void {
    this.forget(fingerprint);
    this.onEvict();
  }

  private forget(fingerprint: string): void {
    const grant = this.grants.get(fingerprint);
    if (grant === undefined) return;
    this.grants.delete(fingerprint);
    const own = this.byAgent.get(grant.agentId);
    own?.delete(fingerprint);
    if (own?.size === 0) this.byAgent.delete(grant.agentId);
  }
}
