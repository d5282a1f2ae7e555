/**
 * The alert ids an agent raised recently, each with the end of its suppression window and how
 * many identical findings it absorbed. Parallel arrays so the state stays small and serialisable.
 */
export interface RecentAlerts {
  ids: string[];
  until: number[];
  counts: number[];
}

export const RECENT_ALERTS_CAPACITY = 16;

export function createRecentAlerts(): RecentAlerts {
  return { ids: [], until: [], counts: [] };
}

/**
 * Records a finding's alert id. Returns true when the id is new (the alert goes out), false
 * when it is suppressed as a repeat within its window.
 */
export function admitAlert(recent: RecentAlerts, id: string, until: number, now: number): boolean {
  const index = recent.ids.indexOf(id);
  if (index >= 0) {
    recent.counts[index]! += 1;
    return false;
  }
  for (let i = recent.ids.length - 1; i >= 0; i--) {
    if (recent.until[i]! <= now) {
      recent.ids.splice(i, 1);
      recent.until.splice(i, 1);
      recent.counts.splice(i, 1);
    }
  }
  if (recent.ids.length >= RECENT_ALERTS_CAPACITY) {
    recent.ids.shift();
    recent.until.shift();
    recent.counts.shift();
  }
  recent.ids.push(id);
  recent.until.push(until);
  recent.counts.push(1);
  return true;
}
