export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerPolicy {
  /** Consecutive retriable failures that open the breaker. */
  failureThreshold: number;
  /** How long the breaker stays open before one trial attempt (half-open). */
  cooldownMs: number;
}

export const DEFAULT_BREAKER: BreakerPolicy = { failureThreshold: 5, cooldownMs: 30_000 };

/**
 * closed → (failureThreshold consecutive failures) → open → (cooldown) → half-open → one trial:
 * success closes, failure opens again for another cooldown. Only failures that say the receiver
 * is unavailable count; a receiver that answers "bad request" is up.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  /** How many times the breaker opened. */
  opened = 0;

  constructor(
    private readonly policy: BreakerPolicy,
    private readonly now: () => number,
    private readonly onChange: (state: BreakerState, previous: BreakerState) => void = () => {},
  ) {}

  get state(): BreakerState {
    return this.current;
  }

  /** Milliseconds until an attempt is allowed: 0 when closed or half-open; moves open → half-open when the cooldown is over. */
  waitMs(): number {
    if (this.current !== 'open') return 0;
    const left = this.openedAt + this.policy.cooldownMs - this.now();
    if (left > 0) return left;
    this.set('half-open');
    return 0;
  }

  success(): void {
    this.failures = 0;
    if (this.current !== 'closed') this.set('closed');
  }

  failure(): void {
    this.failures++;
    if (this.current === 'half-open' || (this.current === 'closed' && this.failures >= this.policy.failureThreshold)) {
      this.openedAt = this.now();
      this.opened++;
      this.set('open');
    }
  }

  private set(state: BreakerState): void {
    const previous = this.current;
    this.current = state;
    this.onChange(state, previous);
  }
}
