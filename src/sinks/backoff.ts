export interface RetryPolicy {
  /** Upper bound of the first retry's delay. */
  initialMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
  /** Attempts before a retriable failure is given up and the alerts go to the rejected-alerts file; undefined: never give up. */
  maxAttempts?: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 200, maxMs: 30_000 };

/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and Jitter"):
 * a uniform delay in [0, min(max, initial · 2^(attempt-1))). `attempt` counts failures, from 1.
 * A receiver's Retry-After is honoured as a lower bound (still capped by `maxMs`).
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  const jittered = Math.floor(random() * ceiling);
  return Math.min(policy.maxMs, Math.max(jittered, retryAfterMs ?? 0));
}
