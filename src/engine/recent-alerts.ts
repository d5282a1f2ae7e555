/**
 * The alerts an agent raised recently, each with the end of its suppression window and how many
 * identical findings it absorbed. Ids are kept as the first 52 bits of their digest (an exact
 * number), in parallel arrays, so even a scanning agent that trips many distinct findings stays
 * within about a kilobyte. 52 bits, not a 32-bit hash of the id: a 32-bit collision takes an
 * agent seconds to find, and a finding made to collide with another alert's id would hide that
 * alert as a repeat.
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

const isNumberList = (value: unknown): value is number[] => Array.isArray(value) && value.every((item) => typeof item === 'number' && Number.isFinite(item));

/** A checkpointed record, or an empty one when it is missing or malformed. */
export function restoreRecentAlerts(value: unknown): RecentAlerts {
  const recent = value as Partial<RecentAlerts> | null | undefined;
  if (
    typeof recent !== 'object' || recent === null || !isNumberList(recent.ids) || !isNumberList(recent.until) || !isNumberList(recent.counts) ||
    recent.ids.length !== recent.until.length || recent.ids.length !== recent.counts.length || recent.ids.length > RECENT_ALERTS_CAPACITY
  ) {
    return createRecentAlerts();
  }
  return recent as RecentAlerts;
}

/** The first 52 bits of an alert id's digest (`dw-` and hex digits, see alertId). */
function idWord(id: string): number {
  return parseInt(id.slice(3, 16), 16);
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
  const word = idWord(id);
  const index = recent.ids.indexOf(word);
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
  recent.ids.push(word);
  recent.until.push(until);
  recent.counts.push(1);
  return true;
}
