import type { Engine } from '../engine/engine.js';
import type { TokenGrant } from '../sdk/detector.js';

/** Key prefix of token grants in the state changelog (agent snapshots are keyed by agent id). */
export const TOKEN_KEY_PREFIX = 'dw.token/';

const HOUR = 3_600_000;
/** A grant without a TTL is kept this long after its issuance. */
export const TOKEN_DEFAULT_LIFETIME_MS = 30 * 24 * HOUR;
/** A grant stays after its expiry this long, so that a late use is still reported as expired. */
export const TOKEN_RETENTION_AFTER_EXPIRY_MS = 24 * HOUR;

/** Event time after which a grant is of no more use and is removed from the changelog. */
export function retireAt(grant: TokenGrant): number {
  return (grant.expiresAt ?? grant.issuedAt + TOKEN_DEFAULT_LIFETIME_MS) + TOKEN_RETENTION_AFTER_EXPIRY_MS;
}

/**
 * The token ledger's part of the checkpoint. The ledger (which agent each token fingerprint was
 * issued to) is cross-agent engine state: without it in the changelog, a token issued before a
 * crash and misused after it would go unreported. Grants recorded during a batch are written to
 * the changelog partition of the batch (the issuing agent's), restored with that partition, and
 * removed (tombstoned) once the partition's event time passes their retirement.
 */
export class TokenCheckpoint {
  private readonly record: (grant: TokenGrant) => void;
  private capturing = true;
  private batch: TokenGrant[] = [];
  /** Per partition number: fingerprints by the hour they retire in. */
  private readonly retiring = new Map<number, Map<number, Set<string>>>();

  constructor(private readonly engine: Engine) {
    const ledger = engine.tokens;
    const record = ledger.record.bind(ledger);
    this.record = record;
    // The engine records grants synchronously while it processes a batch: they are noted here.
    ledger.record = (grant: TokenGrant) => {
      record(grant);
      if (this.capturing) this.batch.push(grant);
    };
  }

  /** Grants recorded since the last call (the batch's), now tracked for retirement on `partition`. */
  take(partition: number): TokenGrant[] {
    const grants = this.batch;
    this.batch = [];
    for (const grant of grants) this.track(partition, grant);
    return grants;
  }

  /** Forgets grants captured by a batch that failed (the retry records them again). */
  discard(): void {
    this.batch = [];
  }

  /** Puts grants read from the changelog into the ledger (not captured again). */
  restore(partition: number, grants: Iterable<TokenGrant>): void {
    this.capturing = false;
    try {
      for (const grant of grants) {
        this.record(grant);
        this.track(partition, grant);
      }
    } finally {
      this.capturing = true;
    }
  }

  /**
   * Puts a grant another instance published to the tokens topic into the ledger: not captured
   * (it is not published again) and not tracked for retirement (its issuing partition's owner
   * retires it). A grant older than the one the ledger holds for the fingerprint is ignored.
   */
  adopt(grant: TokenGrant): void {
    const known = this.engine.tokens.get(grant.fingerprint);
    if (known && known.issuedAt > grant.issuedAt) return;
    this.record(grant);
  }

  /** Fingerprints on `partition` whose retirement is before `eventTime`: to be tombstoned. */
  due(partition: number, eventTime: number): string[] {
    const buckets = this.retiring.get(partition);
    if (!buckets) return [];
    const due: string[] = [];
    const now = Math.floor(eventTime / HOUR);
    for (const [hour, fingerprints] of buckets) {
      if (hour >= now) continue;
      for (const fingerprint of fingerprints) {
        const grant = this.engine.tokens.get(fingerprint);
        // Re-issued since (a later grant with the same fingerprint) and not yet due: keep.
        if (grant && retireAt(grant) >= eventTime) continue;
        due.push(fingerprint);
      }
      buckets.delete(hour);
    }
    return due;
  }

  /** Stops tracking a partition that went to another instance. */
  release(partition: number): void {
    this.retiring.delete(partition);
  }

  private track(partition: number, grant: TokenGrant): void {
    let buckets = this.retiring.get(partition);
    if (!buckets) this.retiring.set(partition, (buckets = new Map()));
    const hour = Math.floor(retireAt(grant) / HOUR);
    let fingerprints = buckets.get(hour);
    if (!fingerprints) buckets.set(hour, (fingerprints = new Set()));
    fingerprints.add(grant.fingerprint);
  }
}
