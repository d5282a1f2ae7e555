/**
 * The process-wide copy of a name (V8's string table). Names that thousands of agents keep in
 * their state (tools, systems, instances) then share one string object each: a lookup compared
 * against a kept name reads a string that is in cache rather than each agent's own copy (a cache
 * miss per comparison with 10,000 agents), and the heap holds each name once. The string table is
 * weak: a name that no state holds any more is collected, so invented names do not accumulate.
 *
 * Call it when a name is stored (rare: on insertion), not on lookups.
 */
export function intern(name: string): string {
  // A property key is internalized; for...in hands back the table's copy.
  const holder: Record<string, 0> = { [name]: 0 };
  for (const key in holder) return key;
  return name;
}

/** Interns every string of `names` in place (names restored from a checkpoint). */
export function internAll(names: string[]): string[] {
  for (let i = 0; i < names.length; i++) names[i] = intern(names[i] as string);
  return names;
}
