// A small deterministic generator of native v1 events for the statistical detectors' cases and
// tests: normal traffic for one agent over N days (business hours or 24/7 batch) plus injectors
// for the anomalies those detectors look for. No randomness: jitter comes from a hash of the index.

export type NativeEvent = Record<string, unknown> & { id: string; time: string; type: string; agent: { id: string; instance?: string } };

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** 2026-06-01T00:00:00Z, a Monday. */
export const START = Date.UTC(2026, 5, 1);

/** Day `day` of the stream (from START) at `h`:`m` UTC, in ms. */
export function at(day: number, h: number, m = 0): number {
  return START + day * DAY + h * HOUR + m * MINUTE;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Deterministic value in [0, 1) from an integer. */
export function jitter(n: number): number {
  let x = (n + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  x ^= x >>> 16;
  return (x >>> 0) / 4_294_967_296;
}

export interface Tool {
  tool: string;
  system: string;
  action: string;
}

/** The tools of an office assistant in the tests: reads and writes on a CRM and a wiki. */
export const OFFICE_TOOLS: readonly Tool[] = [
  { tool: 'crm.lookup', system: 'crm', action: 'read' },
  { tool: 'crm.update', system: 'crm', action: 'write' },
  { tool: 'docs.read_page', system: 'docs', action: 'read' },
  { tool: 'docs.write_page', system: 'docs', action: 'write' },
];

export interface PatternOptions {
  agent: string;
  /** Prefix of event ids; ids are `<prefix>-<n>`. */
  prefix: string;
  days: number;
  start?: number;
  /** Minutes between calls. */
  everyMin?: number;
  tools: readonly Tool[];
  /** Usual bytes of a call. */
  bytes?: number;
  /** Relative jitter of bytes (0.1: ±10 %). */
  spread?: number;
  instance?: string;
}

function counterFor(prefix: string): { next(): string } {
  let n = 0;
  return { next: () => `${prefix}-${String(++n).padStart(5, '0')}` };
}

/** One tool call. */
export function call(id: string, agent: string, timeMs: number, tool: Tool, bytes?: number, extra: Record<string, unknown> = {}): NativeEvent {
  return {
    id,
    time: iso(timeMs),
    type: 'tool_use',
    agent: { id: agent },
    tool: tool.tool,
    system: tool.system,
    action: tool.action,
    ...(bytes === undefined ? {} : { bytes: Math.round(bytes) }),
    ...extra,
  };
}

function generate(o: PatternOptions, active: (ms: number) => boolean): NativeEvent[] {
  const start = o.start ?? START;
  const step = (o.everyMin ?? 10) * MINUTE;
  const ids = counterFor(o.prefix);
  const out: NativeEvent[] = [];
  let i = 0;
  for (let t = start; t < start + o.days * DAY; t += step) {
    if (!active(t)) continue;
    const tool = o.tools[i % o.tools.length] as Tool;
    const bytes = o.bytes === undefined ? undefined : o.bytes * (1 + (o.spread ?? 0.1) * (2 * jitter(i) - 1));
    const event = call(ids.next(), o.agent, t, tool, bytes);
    if (o.instance !== undefined) event.agent = { id: o.agent, instance: o.instance };
    out.push(event);
    i++;
  }
  return out;
}

/** Weekdays 09:00–16:59 UTC, a call every `everyMin` minutes. */
export function businessHours(o: PatternOptions): NativeEvent[] {
  return generate(o, (t) => {
    const d = new Date(t);
    const day = d.getUTCDay();
    const h = d.getUTCHours();
    return day >= 1 && day <= 5 && h >= 9 && h < 17;
  });
}

/** Around the clock every day (a call every `everyMin` minutes), three times as often 02:00–03:59. */
export function batch247(o: PatternOptions): NativeEvent[] {
  const every = o.everyMin ?? 30;
  const fine = Math.max(1, Math.round(every / 3));
  return generate({ ...o, everyMin: fine }, (t) => {
    const h = new Date(t).getUTCHours();
    const minuteOfDay = Math.round((t % DAY) / MINUTE);
    return h >= 2 && h < 4 ? true : minuteOfDay % every === 0;
  });
}

/** Merges streams in time order (stable), so injected events sit where they happened. */
export function merge(...streams: NativeEvent[][]): NativeEvent[] {
  return streams
    .flat()
    .map((event, index) => ({ event, index, t: Date.parse(event.time) }))
    .sort((a, b) => a.t - b.t || a.index - b.index)
    .map(({ event }) => event);
}

/** `count` calls within one 5-minute window from `at`. */
export function burst(prefix: string, agent: string, at: number, count: number, tool: Tool, bytes?: number): NativeEvent[] {
  const ids = counterFor(prefix);
  const gap = Math.floor((5 * MINUTE - 1000) / Math.max(count, 1));
  return Array.from({ length: count }, (_, i) => call(ids.next(), agent, at + i * gap, tool, bytes));
}

/** A call on a system (and tool) never used before. */
export function newSystem(id: string, agent: string, at: number, system: string, tool = `${system}.read`, action = 'read'): NativeEvent {
  return call(id, agent, at, { tool, system, action }, 2000);
}

/** A short session of calls at an odd hour (e.g. 03:00). */
export function session(prefix: string, agent: string, at: number, count: number, tools: readonly Tool[], bytes?: number, everyMin = 5): NativeEvent[] {
  const ids = counterFor(prefix);
  return Array.from({ length: count }, (_, i) => call(ids.next(), agent, at + i * everyMin * MINUTE, tools[i % tools.length] as Tool, bytes));
}

/** `count` access denials within one 5-minute window, spread over the given systems. */
export function denials(prefix: string, agent: string, at: number, count: number, systems: readonly string[]): NativeEvent[] {
  const ids = counterFor(prefix);
  const gap = Math.floor((5 * MINUTE - 1000) / Math.max(count, 1));
  return Array.from({ length: count }, (_, i) => ({
    id: ids.next(),
    time: iso(at + i * gap),
    type: 'access_denied',
    agent: { id: agent },
    system: systems[i % systems.length] as string,
    policy: 'default-deny',
  }));
}

/** A token issuance. */
export function token(id: string, agent: string, at: number, n: number): NativeEvent {
  return {
    id,
    time: iso(at),
    type: 'token_issued',
    agent: { id: agent },
    token: { fingerprint: `sha256:${(0x1000_0000_0000_0000n + BigInt(n) * 7919n).toString(16)}`, ttl_s: 600, grant: 'client_credentials' },
  };
}

/** `count` tokens issued within one 5-minute window. */
export function tokenBurst(prefix: string, agent: string, at: number, count: number, base = 100_000): NativeEvent[] {
  const ids = counterFor(prefix);
  const gap = Math.floor((5 * MINUTE - 1000) / Math.max(count, 1));
  return Array.from({ length: count }, (_, i) => token(ids.next(), agent, at + i * gap, base + i));
}

/** Ordinary token issuance: one token at each of the given hours of each weekday. */
export function dailyTokens(prefix: string, agent: string, days: number, hours: readonly number[], start = START): NativeEvent[] {
  const ids = counterFor(prefix);
  const out: NativeEvent[] = [];
  let n = 0;
  for (let d = 0; d < days; d++) {
    const day = new Date(start + d * DAY).getUTCDay();
    if (day === 0 || day === 6) continue;
    for (const h of hours) out.push(token(ids.next(), agent, start + d * DAY + h * HOUR + 7 * MINUTE, n++));
  }
  return out;
}

/** Ordinary denials: one at the given hour of each weekday on the given system. */
export function dailyDenials(prefix: string, agent: string, days: number, hour: number, system: string, start = START): NativeEvent[] {
  const ids = counterFor(prefix);
  const out: NativeEvent[] = [];
  for (let d = 0; d < days; d++) {
    const day = new Date(start + d * DAY).getUTCDay();
    if (day === 0 || day === 6) continue;
    out.push(...denials(ids.next(), agent, start + d * DAY + hour * HOUR + 13 * MINUTE, 1, [system]));
  }
  return out;
}

/** Marks events with a `note` (kept and ignored by the decoder). */
export function note(events: NativeEvent[], text: string): NativeEvent[] {
  return events.map((event) => ({ ...event, note: text }));
}

export function toJsonl(events: readonly NativeEvent[]): string {
  return events.map((event) => JSON.stringify(event)).join('\n') + '\n';
}
