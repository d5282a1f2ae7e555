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
