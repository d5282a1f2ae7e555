import type { z } from 'zod';
import { commonEventSchema, EVENT_TYPES, eventSchema, type AgentEvent } from './contract.js';
import { parseEventTime } from './time.js';
import { acceptEvent } from './validate.js';
import { canonicalName, redactedText } from './names.js';

/** Decoder for the native JSON event contract v1 (one object per line or message). */

export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

export type Rejection = {
  ok: false;
  code: 'DW_EVENT_INVALID' | 'DW_EVENT_TOO_LARGE';
  /** Dotted path of the first offending field, when one is to blame. */
  field?: string;
  /** Every problem found, each naming its field. */
  reason: string;
};

export type DecodeResult = { ok: true; event: AgentEvent } | Rejection;

/** The rejection of an event above the size limit; `bytes` when its size is known. */
export function tooLarge(maxBytes: number, bytes?: number): Rejection {
  return {
    ok: false,
    code: 'DW_EVENT_TOO_LARGE',
    reason: `event is larger than the limit of ${maxBytes} bytes${bytes === undefined ? '' : ` (${bytes})`}`,
  };
}

/**
 * A source record's value (see decodeRecordValue), or its rejection when the source kept only a
 * prefix of it (`oversizedBytes`: a line above the size limit, read no further).
 */
export function decodeSourceValue(value: string | Uint8Array, oversizedBytes: number | undefined, maxBytes = DEFAULT_MAX_EVENT_BYTES): DecodeResult {
  return oversizedBytes === undefined ? decodeRecordValue(value, maxBytes) : tooLarge(maxBytes, oversizedBytes);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** A value quoted in a reason: short ones as JSON, others by their kind. */
function shown(value: unknown): string {
  // JSON writes these as null; a number too large for a double (1e400) parses to Infinity.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const json = jsonOf(value);
  return json !== undefined && json.length <= 40 ? json : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** JSON of a parsed value, or undefined when it cannot be written back (nested too deep for the stack). */
function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** Reworded where zod's message says little: an unknown or missing `type`, a `time` of neither form. */
function messageOf(issue: z.core.$ZodIssue, value: unknown): string {
  const path = issue.path.map(String).join('.');
  if (path === 'type' && issue.code === 'invalid_union') {
    const type = (value as { type?: unknown } | null)?.type;
    return `must be one of ${EVENT_TYPES.join(', ')} (${type === undefined ? 'missing' : `got ${shown(type)}`})`;
  }
  if (path === 'time' && issue.code === 'invalid_union') {
    return `must be an RFC 3339 date-time with a zone (Z or ±hh:mm) or epoch milliseconds, a whole number (got ${shown((value as { time?: unknown }).time)})`;
  }
  return issue.message;
}

function describeIssues(issues: readonly z.core.$ZodIssue[], value: unknown): { field?: string; reason: string } {
  const parts = issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const message = messageOf(issue, value);
    return path ? `${path}: ${message}` : message;
  });
  const first = issues[0];
  const field = first && first.path.length > 0 ? first.path.map(String).join('.') : undefined;
  return { field, reason: parts.join('; ') };
}

/**
 * Redacts the credentials a name quotes (`postgres://reporter:…@warehouse`, `crm.lookup?key=…`) in
 * the fields whose values the engine keeps as names in an agent's state: tool, system, instance.
 * The state is checkpointed redacted; were it kept raw in memory, a name restored from a
 * checkpoint would differ from the same name in the next event (a system "first seen" again).
 *
 * The free text detectors quote in their sentences (resource, session, principal, chain, approval,
 * a denial's action, engine, policy and reason, a token's task, issuer, audience, grant and
 * scopes) is redacted here too, value by value: redacting the finished sentence instead, a pattern
 * that runs to the end of a header line (`X-Api-Key: …`) took the rest of the sentence with it.
 */
function redactNames(event: AgentEvent): AgentEvent {
  const agent = event.agent;
  if (agent.instance !== undefined) agent.instance = canonicalName(agent.instance);
  // Free text of many values (a session per task, a chain per principal and agent) goes through a
  // memo of its own: through the memo of names it would push the few hundred names out of it.
  if (agent.session !== undefined) agent.session = redactedText(agent.session);
  if (event.principal !== undefined) event.principal = redactedText(event.principal);
  if (event.chain !== undefined) replaceEach(event.chain, redactedText);
  if (event.type === 'tool_use') {
    event.tool = canonicalName(event.tool);
    event.system = canonicalName(event.system);
    if (event.resource !== undefined) event.resource = redactedText(event.resource);
    if (event.approval !== undefined) event.approval = redactedText(event.approval);
  } else if (event.type === 'access_denied') {
    event.system = canonicalName(event.system);
    if (event.tool !== undefined) event.tool = canonicalName(event.tool);
    if (event.action !== undefined) event.action = canonicalName(event.action);
    if (event.engine !== undefined) event.engine = canonicalName(event.engine);
    if (event.policy !== undefined) event.policy = redactedText(event.policy);
    if (event.reason !== undefined) event.reason = redactedText(event.reason);
  } else {
    const token = event.token;
    if (token.task !== undefined) token.task = redactedText(token.task);
    if (token.issuer !== undefined) token.issuer = canonicalName(token.issuer);
    if (token.audience !== undefined) token.audience = canonicalName(token.audience);
    if (token.grant !== undefined) token.grant = canonicalName(token.grant);
    if (token.scopes !== undefined) replaceEach(token.scopes, canonicalName);
  }
  return event;
}

function replaceEach(texts: string[], replace: (text: string) => string): void {
  for (let i = 0; i < texts.length; i++) texts[i] = replace(texts[i]!);
}

export function decodeValue(value: unknown): DecodeResult {
  const event = acceptEvent(value);
  if (event) return { ok: true, event: redactNames(event) };
  const parsed = eventSchema.safeParse(value);
  if (parsed.success) {
    const accepted = value as AgentEvent;
    accepted.timeMs = parseEventTime(accepted.time);
    return { ok: true, event: redactNames(accepted) };
  }
  let issues = parsed.error.issues;
  // With no type to go by, the fields every event has are checked too: every problem is named at once.
  if (issues.length === 1 && issues[0]!.path.length === 1 && issues[0]!.path[0] === 'type') {
    const common = commonEventSchema.safeParse(value);
    if (!common.success) issues = [...issues, ...common.error.issues];
  }
  return { ok: false, code: 'DW_EVENT_INVALID', ...describeIssues(issues, value) };
}

export function decodeLine(text: string, maxBytes = DEFAULT_MAX_EVENT_BYTES): DecodeResult {
  // A byte-order mark (first line of a file written by some Windows tools) is not part of the JSON.
  const line = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // String length is a lower bound of the UTF-8 size; the exact size is only computed near the limit.
  if (line.length > maxBytes || (line.length * 3 > maxBytes && Buffer.byteLength(line) > maxBytes)) return tooLarge(maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    // V8 quotes a snippet of the input in its message; the snippet could hold a secret, so it goes.
    const message = (error as Error).message.replace(/, .* is not valid JSON$/s, ' is not valid JSON');
    return { ok: false, code: 'DW_EVENT_INVALID', reason: `not JSON: ${message}` };
  }
  return decodeValue(value);
}

/** Decodes raw bytes (a Kafka message value): checks size and UTF-8 before JSON. */
export function decodeBytes(bytes: Uint8Array, maxBytes = DEFAULT_MAX_EVENT_BYTES): DecodeResult {
  if (bytes.byteLength === 0) return { ok: false, code: 'DW_EVENT_INVALID', reason: 'empty value (a tombstone or an empty message): no event' };
  if (bytes.byteLength > maxBytes) return tooLarge(maxBytes, bytes.byteLength);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, code: 'DW_EVENT_INVALID', reason: 'not valid UTF-8' };
  }
  return decodeLine(text, maxBytes);
}

/** A source record's value: text from a line, bytes from a Kafka message (or from a line that is not valid UTF-8). */
export function decodeRecordValue(value: string | Uint8Array, maxBytes = DEFAULT_MAX_EVENT_BYTES): DecodeResult {
  return typeof value === 'string' ? decodeLine(value, maxBytes) : decodeBytes(value, maxBytes);
}
