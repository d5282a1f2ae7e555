export type Matcher = (value: string) => boolean;

const NEVER: Matcher = () => false;
const ALWAYS: Matcher = () => true;

/**
 * Regex source of one scope glob. Scope names are not paths, so `*` matches any run of
 * characters including dots and slashes (path-glob libraries stop at `/`); `?` matches one
 * character and `{a,b}` one of the alternatives. Everything else is literal.
 */
export function globToRegexSource(pattern: string): string {
  let source = '';
  let braceDepth = 0;
  for (const char of pattern) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '{') {
      braceDepth++;
      source += '(?:';
    } else if (char === '}' && braceDepth > 0) {
      braceDepth--;
      source += ')';
    } else if (char === ',' && braceDepth > 0) source += '|';
    else source += char.replace(/[.+^$()|[\]\\{}]/g, '\\$&');
  }
  return source + ')'.repeat(braceDepth);
}

const SPECIAL = /[*?{]/;

/**
 * One matcher for a list of scope globs (`erp.*`, `mail.send_internal`, `db-*-prod`); case-sensitive.
 * Matchers run on every event, so the usual shapes skip the regex: exact names are a set lookup
 * and `prefix*` a `startsWith`; only other globs go through one combined regex.
 */
export function compileGlobs(patterns: readonly string[]): Matcher {
  if (patterns.length === 0) return NEVER;
  if (patterns.includes('*')) return ALWAYS;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const others: string[] = [];
  for (const pattern of patterns) {
    if (!SPECIAL.test(pattern)) exact.add(pattern);
    else if (pattern.endsWith('*') && !SPECIAL.test(pattern.slice(0, -1))) prefixes.push(pattern.slice(0, -1));
    else others.push(pattern);
  }
  const combined = others.length === 0 ? undefined : new RegExp(`^(?:${others.map(globToRegexSource).join('|')})$`);
  return (value) => {
    if (exact.has(value)) return true;
    for (let i = 0; i < prefixes.length; i++) if (value.startsWith(prefixes[i]!)) return true;
    return combined !== undefined && combined.test(value);
  };
}
