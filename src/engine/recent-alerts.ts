import { fnv1a32 } from '../stats/hash.js';

/**
 * The alerts an agent raised recently, each with the end of its suppression window and how many
 * identical findings it absorbed. Ids are kept as 32-bit hashes in parallel arrays, so even a
 * scanning agent that trips many distinct findings stays within a few hundred bytes.
 */
export interface RecentAlerts {
  ids: number[];
  until: number[];
  counts: number[];
}

export const RECENT_ALERTS_CAPACITY = 64;

export function createRecentAlerts(): RecentAlerts {
  return { ids: [], until: [], counts: [] };
}

function removeAt(recent: RecentAlerts, index: number): void {
  recent.ids.splice(index, 1);
  recent.until.splice(index, 1);
  recent.counts.splice(index, 1);
}

/**
 * Records a finding's alert id. Returns true when the id is new (the alert goes out), false
 * when it is suppressed as a repeat within its window.
 */
export function admitAlert(recent: RecentAlerts, id: string, until: number, now: number): boolean {
  const hash = fnv1a32(id);
  const index = recent.ids.indexOf(hash);
  if (index >= 0) {
    recent.counts[index]! += 1;
    return false;
  }
  for (let i = recent.ids.length - 1; i >= 0; i--) {
    if (recent.until[i]! <= now) removeAt(recent, i);
  }
  if (recent.ids.length >= RECENT_ALERTS_CAPACITY) {
    // Full of live windows: forget the one closing soonest.
    let soonest = 0;
    for (let i = 1; i < recent.until.length; i++) if (recent.until[i]! < recent.until[soonest]!) soonest = i;
    removeAt(recent, soonest);
  }
  recent.ids.push(hash);
  recent.until.push(until);
  recent.counts.push(1);
  return true;
}
