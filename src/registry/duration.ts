const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;
/** What parseDuration accepts, as one pattern (spaces around it allowed): for schemas, whose JSON Schema shows it. */
export const DURATION_TEXT = /^\s*\d+(?:\.\d+)?\s*(?:ms|s|m|h|d|w)\s*$/;

/** Milliseconds of a duration written as `90d`, `15m`, `1h`, `30s`, `500ms`, `2w`; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** Human form of a duration in ms, largest units first, at most two: 900000 → `15m`, 3700000 → `1h 1m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000) * 1000;
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const amount = Math.floor(rest / UNIT_MS[unit]);
    if (amount > 0) {
      parts.push(`${amount}${unit}`);
      rest -= amount * UNIT_MS[unit];
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
