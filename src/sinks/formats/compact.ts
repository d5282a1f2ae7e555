/** A copy of `value` without its undefined properties (shallow): SIEM documents leave absent fields out. */
export function compact<T extends Record<string, unknown>>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v;
  return out as T;
}

/** Epoch milliseconds of an RFC 3339 string, or undefined when it does not parse. */
export function epochMs(time: string | undefined): number | undefined {
  if (time === undefined) return undefined;
  const ms = Date.parse(time);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `value` within `max` characters, `…` as its last when cut; never cut inside a surrogate pair. */
export function cutToLength(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max - 1;
  if (/[\uD800-\uDBFF]/.test(value[end - 1] ?? '')) end -= 1;
  return `${value.slice(0, end)}…`;
}
