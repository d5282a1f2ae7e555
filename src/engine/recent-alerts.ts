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

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * A checkpointed record: its well-formed entries (an id, a time and a count, all finite numbers),
 * up to the capacity; empty when it is missing or its lists are not parallel.
 */
export function restoreRecentAlerts(value: unknown): RecentAlerts {
  const recent = value as Partial<Record<keyof RecentAlerts, unknown>> | null | undefined;
  const restored = createRecentAlerts();
  if (typeof recent !== 'object' || recent === null) return restored;
  const { ids, until, counts } = recent;
  if (!Array.isArray(ids) || !Array.isArray(until) || !Array.isArray(counts) || ids.length !== until.length || ids.length !== counts.length) return restored;
  for (let i = 0; i < ids.length && restored.ids.length < RECENT_ALERTS_CAPACITY; i++) {
    const [id, end, count] = [ids[i], until[i], counts[i]];
    if (!isCount(id) || !isCount(end) || !isCount(count)) continue;
    restored.ids.push(id);
    restored.until.push(end);
    restored.counts.push(count);
  }
  return restored;
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

/** True when `id` is recorded as recently raised: the finding is a repeat, counted as one. */
export function countRepeat(recent: RecentAlerts, id: string): boolean {
  const index = recent.ids.indexOf(idWord(id));
  if (index < 0) return false;
  recent.counts[index]! += 1;
  return true;
}

/**
 * Records the id of an alert that goes out (not a repeat: see countRepeat), suppressing its
 * repeats until `until`; windows closed by `now` are forgotten first.
 */
export function recordAlert(recent: RecentAlerts, id: string, until: number, now: number): void {
  const word = idWord(id);
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
}
