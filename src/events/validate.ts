import {
  ACTIONS,
  MAX_AMOUNT,
  MAX_CHAIN_LENGTH,
  MAX_FIELD_LENGTH,
  MAX_SCOPES,
  MAX_TTL_S,
  OUTCOMES,
  isFingerprintValue,
  type AgentEvent,
} from './contract.js';
import { parseEventTime } from './time.js';

/**
 * Hot-path acceptance check for the event contract, written out by hand because a generic
 * schema walk costs as much as JSON.parse itself. It answers only "valid or not" and
 * computes `timeMs`; the reasons for a rejection come from the zod schema in contract.ts,
 * which stays the authority (see decode.ts). test/unit/events/validate.test.ts holds the two
 * together on generated and mutated events.
 */

const actions: ReadonlySet<unknown> = new Set(ACTIONS);
const outcomes: ReadonlySet<unknown> = new Set(OUTCOMES);

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && (value.length <= MAX_FIELD_LENGTH || codePoints(value) <= MAX_FIELD_LENGTH);
}

/**
 * Characters (code points) of a text longer than the limit in UTF-16 units: the contract's limit
 * counts characters, as zod does, and a character outside the BMP is two units.
 */
function codePoints(value: string): number {
  if (value.length > 2 * MAX_FIELD_LENGTH) return value.length;
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

function isOptionalText(value: unknown): boolean {
  return value === undefined || isText(value);
}

function isOptionalAmount(value: unknown, max = MAX_AMOUNT): boolean {
  return value === undefined || (typeof value === 'number' && value >= 0 && value <= max);
}

function isTextList(value: unknown, max: number): boolean {
  if (!Array.isArray(value) || value.length > max) return false;
  for (let i = 0; i < value.length; i++) if (!isText(value[i])) return false;
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasValidCommonFields(event: Record<string, unknown>): boolean {
  if (event.v !== undefined && event.v !== 1) return false;
  if (!isText(event.id)) return false;
  const agent = event.agent;
  if (!isPlainObject(agent) || !isText(agent.id)) return false;
  if (!isOptionalText(agent.instance) || !isOptionalText(agent.session)) return false;
  if (!isOptionalText(event.principal)) return false;
  if (event.chain !== undefined && !isTextList(event.chain, MAX_CHAIN_LENGTH)) return false;
  return true;
}

function hasValidToolUse(event: Record<string, unknown>): boolean {
  return (
    isText(event.tool) &&
    isText(event.system) &&
    actions.has(event.action) &&
    isOptionalText(event.resource) &&
    isOptionalAmount(event.bytes) &&
    isOptionalAmount(event.records) &&
    (event.outcome === undefined || outcomes.has(event.outcome)) &&
    isOptionalText(event.approval) &&
    (event.token === undefined || isFingerprintValue(event.token))
  );
}

function hasValidToken(token: unknown): boolean {
  return (
    isPlainObject(token) &&
    isFingerprintValue(token.fingerprint) &&
    isOptionalText(token.issuer) &&
    isOptionalText(token.audience) &&
    (token.scopes === undefined || isTextList(token.scopes, MAX_SCOPES)) &&
    isOptionalAmount(token.ttl_s, MAX_TTL_S) &&
    isOptionalText(token.grant) &&
    isOptionalText(token.task)
  );
}

function hasValidAccessDenied(event: Record<string, unknown>): boolean {
  return (
    isText(event.system) &&
    isOptionalText(event.action) &&
    isOptionalText(event.tool) &&
    isOptionalText(event.policy) &&
    isOptionalText(event.engine) &&
    isOptionalText(event.reason)
  );
}

/**
 * Returns the value as an AgentEvent (with `timeMs` set) when it satisfies the contract,
 * otherwise undefined.
 */
export function acceptEvent(value: unknown): AgentEvent | undefined {
  if (!isPlainObject(value) || !hasValidCommonFields(value)) return undefined;
  let typeOk: boolean;
  switch (value.type) {
    case 'tool_use':
      typeOk = hasValidToolUse(value);
      break;
    case 'token_issued':
      typeOk = hasValidToken(value.token);
      break;
    case 'access_denied':
      typeOk = hasValidAccessDenied(value);
      break;
    default:
      return undefined;
  }
  if (!typeOk) return undefined;
  const timeMs = parseEventTime(value.time);
  if (!Number.isFinite(timeMs)) return undefined;
  value.timeMs = timeMs;
  return value as unknown as AgentEvent;
}
