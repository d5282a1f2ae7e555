import { describe, expect, it } from 'vitest';
import { alertId } from '../../../src/alerts/id.js';
import { countRepeat, createRecentAlerts, recentIndex, recordAlert, RECENT_ALERTS_CAPACITY, restoreRecentAlerts, sentRank, type RecentAlerts } from '../../../src/engine/recent-alerts.js';
import { fnv1a32 } from '../../../src/stats/hash.js';

/** Two alert ids of different findings whose 32-bit hashes collide (a birthday search: about 100,000 ids). */
function collidingIds(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const id = alertId('scope-violation', 'bot', `out-of-scope:sys-${i}`, 0);
    const hash = fnv1a32(id);
    const other = seen.get(hash);
    if (other !== undefined) return [other, id];
    seen.set(hash, id);
  }
}

/** What the engine does with a finding's id: a repeat is counted, a new id recorded. True when the alert goes out. */
function admitAlert(recent: RecentAlerts, id: string, until: number, now: number, rank = 2): boolean {
  const index = recentIndex(recent, id);
  if (index < 0) {
    recordAlert(recent, id, rank, until, now);
    return true;
  }
  const escalates = rank > sentRank(recent, index);
  countRepeat(recent, index, rank);
  return escalates;
}

describe('recent alerts', () => {
  it('suppresses a repeat of an id within its window, and admits it again after', () => {
    const recent = createRecentAlerts();
    const id = alertId('d', 'bot', 'k', 0);
    expect(admitAlert(recent, id, 1_000, 0)).toBe(true);
    expect(admitAlert(recent, id, 1_000, 500)).toBe(false);
    expect(recent.counts).toEqual([2]);
    expect(admitAlert(recent, alertId('d', 'bot', 'other', 0), 2_000, 1_000)).toBe(true);
    expect(recent.ids).toHaveLength(1);
  });

  it('does not take a different alert for a repeat when the 32-bit hashes of the ids collide', () => {
    const [first, second] = collidingIds();
    expect(first).not.toBe(second);
    const recent = createRecentAlerts();
    expect(admitAlert(recent, first, 1_000, 0)).toBe(true);
    expect(admitAlert(recent, second, 1_000, 0)).toBe(true);
  });

  it('keeps at most its capacity, forgetting the window that closes soonest', () => {
    const recent = createRecentAlerts();
    for (let i = 0; i <= RECENT_ALERTS_CAPACITY; i++) admitAlert(recent, alertId('d', 'bot', `k${i}`, 0), 10_000 + (i === 3 ? -5_000 : i), 0);
    expect(recent.ids).toHaveLength(RECENT_ALERTS_CAPACITY);
    expect(recent.until).not.toContain(5_000);
  });

  it('restores a checkpointed record, and starts empty from a malformed one', () => {
    const recent = createRecentAlerts();
    admitAlert(recent, alertId('d', 'bot', 'k', 0), 1_000, 0);
    expect(restoreRecentAlerts(JSON.parse(JSON.stringify(recent)))).toEqual(recent);
    for (const bad of [undefined, null, 'x', { ids: [1], until: [], counts: [] }, { ids: ['a'], until: [1], counts: [1] }]) {
      expect(restoreRecentAlerts(bad)).toEqual(createRecentAlerts());
    }
  });

  it('keeps the well-formed entries of a record with a malformed one (a null time), so their alerts stay suppressed', () => {
    const restored = restoreRecentAlerts({ ids: [11, 12, 13], until: [1_000, null, 3_000], counts: [1, 1, 2], sev: [2, 2, 3] });
    expect(restored).toEqual({ ids: [11, 13], until: [1_000, 3_000], counts: [1, 2], sev: [2, 3] });
  });

  it('lets a more severe repeat out once, then holds later repeats against its severity', () => {
    const recent = createRecentAlerts();
    const id = alertId('d', 'bot', 'k', 0);
    expect(admitAlert(recent, id, 1_000, 0, 2)).toBe(true);
    expect(admitAlert(recent, id, 1_000, 10, 2)).toBe(false);
    expect(admitAlert(recent, id, 1_000, 20, 1)).toBe(false);
    expect(admitAlert(recent, id, 1_000, 30, 4)).toBe(true);
    expect(admitAlert(recent, id, 1_000, 40, 3)).toBe(false);
    expect(admitAlert(recent, id, 1_000, 50, 4)).toBe(false);
    expect(recent.counts).toEqual([6]);
    expect(restoreRecentAlerts(JSON.parse(JSON.stringify(recent)))).toEqual(recent);
  });

  it('never escalates an entry of a checkpoint written before severities were kept', () => {
    const restored = restoreRecentAlerts({ ids: [11], until: [1_000], counts: [1] });
    expect(restored.sev).toEqual([4]);
  });
});
