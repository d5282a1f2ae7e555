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

/** One matcher for a list of scope globs (`erp.*`, `mail.send_internal`, `db-*-prod`); case-sensitive. */
export function compileGlobs(patterns: readonly string[]): Matcher {
  if (patterns.length === 0) return NEVER;
  if (patterns.includes('*')) return ALWAYS;
  const combined = new RegExp(`^(?:${patterns.map(globToRegexSource).join('|')})$`);
  return (value) => combined.test(value);
}
