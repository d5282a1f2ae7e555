import { redactSecrets } from '../redaction.js';
import { intern } from '../stats/intern.js';

/**
 * `compute` remembered for up to `capacity` distinct inputs; when full, the memo starts over. A
 * stream of invented values only empties it now and then: what it returns never depends on it.
 */
function boundedMemo(capacity: number, compute: (raw: string) => string): (raw: string) => string {
  const memo = new Map<string, string>();
  return (raw) => {
    let result = memo.get(raw);
    if (result === undefined) {
      if (memo.size >= capacity) memo.clear();
      result = compute(raw);
      memo.set(raw, result);
    }
    return result;
  };
}

/** Distinct names remembered before the memo starts over: far more than a fleet's tools, systems and instances. */
export const NAME_MEMO_CAPACITY = 8192;

/**
 * A name as the engine keeps it (tool, system, agent.instance): the credentials it quotes redacted,
 * and the process-wide copy of the result (see `intern`). The same few hundred names arrive in
 * millions of events, so the result is memoised: one lookup instead of the redaction's scans, and
 * the engine's comparisons against names kept in state meet the same string object.
 */
export const canonicalName = boundedMemo(NAME_MEMO_CAPACITY, (raw) => intern(redactSecrets(raw)));

/** Distinct free-text values remembered before that memo starts over (about 5 MB at its fullest). */
export const TEXT_MEMO_CAPACITY = 65_536;

const memoisedRedaction = boundedMemo(TEXT_MEMO_CAPACITY, redactSecrets);

/**
 * Text of word characters, `@`, `.`, `+` and `-` only. What could eat the sentence around it once
 * quoted (a header line's `name: value`, a `key=value`, a URL's userinfo, `Bearer …`) needs
 * another character, and a credential of a known format in such text is replaced alone wherever
 * the alert quotes it: it need not be redacted here.
 */
const PLAIN_TEXT = /^[\w@.+-]*$/;

/**
 * Free text of many values that events repeat (sessions, delegation chains, resources, tasks)
 * with its credentials redacted (plain text as it is, see PLAIN_TEXT), memoised apart from the
 * names (whose few hundred values would be pushed out) and not interned (most values are seen by
 * one agent for a while).
 */
export function redactedText(raw: string): string {
  return PLAIN_TEXT.test(raw) ? raw : memoisedRedaction(raw);
}
