import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/sinks/backoff.js';
import { CircuitBreaker, type BreakerState } from '../../../src/sinks/circuit-breaker.js';

describe('backoffDelay', () => {
  const policy = { initialMs: 100, maxMs: 1000 };

  it('is uniform below an exponentially growing ceiling, capped at max (full jitter)', () => {
    expect([1, 2, 3, 4, 5, 10, 100].map((attempt) => backoffDelay(attempt, policy, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999, 999]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
  });

  it('takes a Retry-After as lower bound, still capped', () => {
    expect(backoffDelay(1, policy, () => 0, 500)).toBe(500);
    expect(backoffDelay(1, policy, () => 0, 60_000)).toBe(1000);
  });
});

describe('CircuitBreaker', () => {
  it('closed → open after the threshold → half-open after the cooldown → closed on success', () => {
    let now = 0;
    const changes: BreakerState[] = [];
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 100 }, () => now, (s) => changes.push(s));
    breaker.failure();
    expect(breaker.state).toBe('closed');
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.waitMs()).toBe(100);
    now = 60;
    expect(breaker.waitMs()).toBe(40);
    now = 100;
    expect(breaker.waitMs()).toBe(0);
    expect(breaker.state).toBe('half-open');
    breaker.failure();
    expect(breaker.state).toBe('open');
    now = 250;
    expect(breaker.waitMs()).toBe(0);
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
    expect(breaker.opened).toBe(2);
  });

  it('a success resets the count of consecutive failures', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 100 }, () => 0);
    breaker.failure();
    breaker.success();
    breaker.failure();
    expect(breaker.state).toBe('closed');
  });
});
