import { describe, expect, it } from 'vitest';
import { durationMs, fromOptions } from '../../../src/sdk/index.js';

describe('fromOptions', () => {
  it('derives once per options object and gives each object its own figures', () => {
    let calls = 0;
    const learningOf = fromOptions((o: { learning_period: string }) => {
      calls++;
      return durationMs(o.learning_period);
    });
    const weekly = { learning_period: '7d' };
    const daily = { learning_period: '1d' };
    expect(learningOf(weekly)).toBe(7 * 86_400_000);
    expect(learningOf(weekly)).toBe(7 * 86_400_000);
    expect(learningOf(daily)).toBe(86_400_000);
    expect(calls).toBe(2);
  });
});
