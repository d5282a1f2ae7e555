import type { TokenGrant, TokenLedgerView } from '../sdk/detector.js';

export const DEFAULT_LEDGER_CAPACITY = 200_000;

/**
 * Remembers which agent each token fingerprint was issued to, for how long and for which task.
 * Bounded: past its capacity the oldest issuance is forgotten (Map order is insertion order).
 */
export class TokenLedger implements TokenLedgerView {
  private readonly grants = new Map<string, TokenGrant>();

  constructor(private readonly capacity = DEFAULT_LEDGER_CAPACITY) {}

  get(fingerprint: string): TokenGrant | undefined {
    return this.grants.get(fingerprint);
  }

  record(grant: TokenGrant): void {
    this.grants.delete(grant.fingerprint);
    this.grants.set(grant.fingerprint, grant);
    if (this.grants.size > this.capacity) {
      const oldest = this.grants.keys().next();
      if (!oldest.done) this.grants.delete(oldest.value);
    }
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
}
