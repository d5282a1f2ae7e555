import { redactSecrets } from '../redaction.js';
import { intern } from '../stats/intern.js';

/** Distinct names remembered before the memo starts over: far more than a fleet's tools, systems and instances. */
export const NAME_MEMO_CAPACITY = 8192;

const memo = new Map<string, string>();

/**
 * A name as the engine keeps it (tool, system, agent.instance): the credentials it quotes redacted,
 * and the process-wide copy of the result (see `intern`). The same few hundred names arrive in
 * millions of events, so the result is memoised: one lookup instead of the redaction's scans, and
 * the engine's comparisons against names kept in state meet the same string object. A stream of
 * invented names only empties the memo now and then; what it returns never depends on the memo.
 */
export function canonicalName(raw: string): string {
  let name = memo.get(raw);
  if (name === undefined) {
    if (memo.size >= NAME_MEMO_CAPACITY) memo.clear();
    name = intern(redactSecrets(raw));
    memo.set(raw, name);
  }
  return name;
}

/** Distinct free-text values remembered before that memo starts over (about 5 MB at its fullest). */
export const TEXT_MEMO_CAPACITY = 65_536;

const texts = new Map<string, string>();

/**
 * Text of word characters, `@`, `.`, `+` and `-` only. What could eat the sentence around it once
 * quoted (a header line's `name: value`, a `key=value`, a URL's userinfo, `Bearer …`) needs
 * another character, and a credential of a known format in such text is replaced alone wherever
 * the alert quotes it: it need not be redacted here.
 */
const PLAIN_TEXT = /^[\w@.+-]*$/;

/**
 * Free text of many values that events repeat (sessions, delegation chains, resources, tasks)
 * with its credentials redacted (plain text as it is, see PLAIN_TEXT), memoised apart from the names (whose few hundred values would be
 * pushed out) and not interned (most values are seen by one agent for a while). What it returns
 * never depends on the memo.
 */
export function redactedText(raw: string): string {
  if (PLAIN_TEXT.test(raw)) return raw;
  let text = texts.get(raw);
  if (text === undefined) {
    if (texts.size >= TEXT_MEMO_CAPACITY) texts.clear();
    text = redactSecrets(raw);
    texts.set(raw, text);
  }
  return text;
}
