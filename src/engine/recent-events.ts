/**
 * The ids of an agent's last events, to recognise an event delivered twice (a producer's retry,
 * a file replayed over a stream) and process it once, as the event contract promises. A repeat
 * carries the time of its first delivery, so only an event not newer than the agent's clock is
 * looked up. Kept as 52-bit keys (two 32-bit hashes, 16 entries, a ring): about 200 bytes of heap
 * per agent. A repeat arriving after 16 newer events of its agent is processed again.
 */
import { hashTwice } from '../stats/hash.js';

export interface RecentEvents {
  /** Keys of the last events, oldest overwritten first. */
  keys: number[];
  /** Ring position the next key is written to. */
  next: number;
}

export const RECENT_EVENTS_CAPACITY = 16;

const hashes = [0, 0];

/** The 52-bit key of an event id (an exact number: two ids collide once in about 2^52). */
export function eventKey(id: string): number {
  hashTwice(id, hashes);
  return (hashes[0] as number) * 2 ** 20 + ((hashes[1] as number) >>> 12);
}

export function createRecentEvents(): RecentEvents {
  return { keys: [], next: 0 };
}

export function hasRecentEvent(recent: RecentEvents, key: number): boolean {
  return recent.keys.includes(key);
}

export function rememberEvent(recent: RecentEvents, key: number): void {
  recent.keys[recent.next] = key;
  recent.next = (recent.next + 1) % RECENT_EVENTS_CAPACITY;
}
