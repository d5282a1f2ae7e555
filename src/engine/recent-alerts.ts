/**
 * The alerts an agent raised recently, each with the end of its suppression window, how many
 * identical findings it absorbed and the highest severity sent for it (a repeat of higher severity
 * goes out: see `countRepeat`). Ids are kept as the first 52 bits of their digest (an exact
 * number), in parallel arrays, so even a scanning agent that trips many distinct findings stays
 * within about a kilobyte. 52 bits, not a 32-bit hash of the id: a 32-bit collision takes an
 * agent seconds to find, and a finding made to collide with another alert's id would hide that
 * alert as a repeat.
 */
export interface RecentAlerts {
  ids: number[];
  until: number[];
  counts: number[];
  /** Rank (SEVERITY_RANK) of the highest severity sent under each id. */
  sev: number[];
}

export const RECENT_ALERTS_CAPACITY = 64;

export function createRecentAlerts(): RecentAlerts {
  return { ids: [], until: [], counts: [], sev: [] };
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Rank given to entries restored from a checkpoint written before severities were kept: no repeat escalates them. */
const UNKNOWN_RANK = 4;

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
  const sev = Array.isArray(recent.sev) && recent.sev.length === ids.length ? recent.sev : [];
  for (let i = 0; i < ids.length && restored.ids.length < RECENT_ALERTS_CAPACITY; i++) {
    const [id, end, count, rank] = [ids[i], until[i], counts[i], sev[i]];
    if (!isCount(id) || !isCount(end) || !isCount(count)) continue;
    restored.ids.push(id);
    restored.until.push(end);
    restored.counts.push(count);
    restored.sev.push(isCount(rank) ? rank : UNKNOWN_RANK);
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
  recent.sev.splice(index, 1);
}

/** Index of `id` among the recently raised alerts, or −1 when it was not raised recently. */
export function recentIndex(recent: RecentAlerts, id: string): number {
  return recent.ids.indexOf(idWord(id));
}

/** The rank of the highest severity sent under the recent alert at `index`. */
export function sentRank(recent: RecentAlerts, index: number): number {
  return recent.sev[index]!;
}

/**
 * Counts a repeat of the recent alert at `index` as one. A repeat of a higher severity `rank` went
 * out (an escalation): its rank becomes the one later repeats are held against.
 */
export function countRepeat(recent: RecentAlerts, index: number, rank: number): void {
  recent.counts[index]! += 1;
  if (rank > recent.sev[index]!) recent.sev[index] = rank;
}

/**
 * Records the id and severity rank of an alert that goes out (not a repeat: see recentIndex),
 * suppressing its repeats until `until`; windows closed by `now` are forgotten first.
 */
export function recordAlert(recent: RecentAlerts, id: string, rank: number, until: number, now: number): void {
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
  recent.sev.push(rank);
}
