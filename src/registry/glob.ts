import { z } from 'zod';
export type Matcher = (value: string) => boolean;

const NEVER: Matcher = () => false;
const ALWAYS: Matcher = () => true;

/*
 * Scope globs. Scope names are not paths, so `*` matches any run of characters including dots,
 * slashes and line breaks (path-glob libraries stop at `/`); `?` matches one character (one UTF-16
 * code unit) and `{a,b}` one of the alternatives, which may hold globs and nest. A `}` or `,`
 * outside braces is literal, an unclosed `{` is closed at the end, and everything else is literal.
 *
 * No regex: a backtracking engine takes time exponential in the number of stars (`*-*-*-*-prod`
 * against 1024 dashes runs for minutes), and patterns come from files while values come from
 * events. Every matcher here costs at most O(pattern length × value length).
 */

const SPECIAL = /[*?{]/;

/** Deepest nesting of `{…}` a glob may have: the automaton is compiled recursively, one level per brace. */
export const MAX_BRACE_DEPTH = 32;

function braceDepth(pattern: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '{') deepest = Math.max(deepest, ++depth);
    else if (char === '}' && depth > 0) depth--;
  }
  return deepest;
}

/** A glob pattern as files give it (registry scopes, config exceptions and routing). */
export const globPattern = z
  .string()
  .min(1)
  .refine((pattern) => braceDepth(pattern) <= MAX_BRACE_DEPTH, `must not nest {…} more than ${MAX_BRACE_DEPTH} deep`);

/**
 * One matcher for a list of scope globs (`erp.*`, `mail.send_internal`, `db-*-prod`); case-sensitive.
 * Matchers run on every event, so the usual shapes take the cheapest test: exact names are a set
 * lookup, `prefix*` a `startsWith`, other globs without braces a scan of their `*`-separated
 * segments, and only globs with braces go through one combined automaton.
 */
export function compileGlobs(patterns: readonly string[]): Matcher {
  if (patterns.length === 0) return NEVER;
  if (patterns.includes('*')) return ALWAYS;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const flat: Matcher[] = [];
  const braced: string[] = [];
  for (const pattern of patterns) {
    if (!SPECIAL.test(pattern)) exact.add(pattern);
    else if (pattern.endsWith('*') && !SPECIAL.test(pattern.slice(0, -1))) prefixes.push(pattern.slice(0, -1));
    else if (!pattern.includes('{')) flat.push(compileFlat(pattern));
    else braced.push(pattern);
  }
  const automaton = braced.length === 0 ? NEVER : compileAutomaton(braced.map(parseGlob));
  return (value) => {
    if (exact.has(value)) return true;
    for (let i = 0; i < prefixes.length; i++) if (value.startsWith(prefixes[i]!)) return true;
    for (let i = 0; i < flat.length; i++) if (flat[i]!(value)) return true;
    return automaton(value);
  };
}

const ANY_ONE = 63; // '?'

/** True when `segment` (literal code units and `?`) matches `value` at `at`; the caller checks the bounds. */
function segmentAt(value: string, at: number, segment: string): boolean {
  for (let i = 0; i < segment.length; i++) {
    const code = segment.charCodeAt(i);
    if (code !== ANY_ONE && code !== value.charCodeAt(at + i)) return false;
  }
  return true;
}

/** The first index in [from, to] where `segment` matches `value`, or -1. */
function findSegment(value: string, segment: string, from: number, to: number): number {
  if (!segment.includes('?')) {
    const at = value.indexOf(segment, from);
    return at <= to ? at : -1;
  }
  for (let at = from; at <= to; at++) if (segmentAt(value, at, segment)) return at;
  return -1;
}

/**
 * A glob without braces: the segments between stars must occur in order, the first at the start
 * and the last at the end. Taking each middle segment at its earliest occurrence leaves the most
 * room for the rest, so one left-to-right pass decides it, with no backtracking.
 */
function compileFlat(pattern: string): Matcher {
  const segments = pattern.split('*');
  const first = segments[0]!;
  if (segments.length === 1) return (value) => value.length === first.length && segmentAt(value, 0, first);
  const last = segments[segments.length - 1]!;
  const middle = segments.slice(1, -1).filter((segment) => segment !== '');
  const minLength = segments.reduce((sum, segment) => sum + segment.length, 0);
  return (value) => {
    if (value.length < minLength || !segmentAt(value, 0, first)) return false;
    const end = value.length - last.length;
    if (!segmentAt(value, end, last)) return false;
    let from = first.length;
    for (let i = 0; i < middle.length; i++) {
      const segment = middle[i]!;
      const at = findSegment(value, segment, from, end - segment.length);
      if (at < 0) return false;
      from = at + segment.length;
    }
    return true;
  };
}

type Item = { kind: 'char'; code: number } | { kind: 'one' } | { kind: 'run' } | { kind: 'choice'; alternatives: Item[][] };

/** A glob as a sequence of items; braces become choices between sequences. */
function parseGlob(pattern: string): Item[] {
  const top: Item[] = [];
  const open: { alternatives: Item[][]; outer: Item[] }[] = [];
  let sequence = top;
  for (let i = 0; i < pattern.length; i++) {
    const code = pattern.charCodeAt(i);
    const char = pattern[i];
    if (char === '*') sequence.push({ kind: 'run' });
    else if (char === '?') sequence.push({ kind: 'one' });
    else if (char === '{') {
      const group = { alternatives: [[]] as Item[][], outer: sequence };
      open.push(group);
      sequence = group.alternatives[0]!;
    } else if (char === ',' && open.length > 0) {
      sequence = [];
      open[open.length - 1]!.alternatives.push(sequence);
    } else if (char === '}' && open.length > 0) sequence = closeGroup(open.pop()!);
    else sequence.push({ kind: 'char', code });
  }
  while (open.length > 0) closeGroup(open.pop()!);
  return top;
}

function closeGroup(group: { alternatives: Item[][]; outer: Item[] }): Item[] {
  group.outer.push({ kind: 'choice', alternatives: group.alternatives });
  return group.outer;
}

const CHAR = 0;
const ANY = 1;
const SPLIT = 2;
const MATCH = 3;

/**
 * A Thompson automaton of the globs (any of them), run over the value's code units with the set of
 * its live states: each state is visited at most once per code unit, so no input backtracks.
 * States are CHAR (`arg` is the code unit), ANY, SPLIT (to `arg` and to `next`) and MATCH; each
 * item is compiled in front of what follows it, so choices share their continuation.
 */
function compileAutomaton(globs: readonly Item[][]): Matcher {
  const kinds: number[] = [];
  const args: number[] = [];
  const nexts: number[] = [];
  const state = (kind: number, arg: number, next: number): number => {
    args.push(arg);
    nexts.push(next);
    return kinds.push(kind) - 1;
  };
  const sequence = (items: readonly Item[], then: number): number => items.reduceRight((next, item) => single(item, next), then);
  const choice = (alternatives: readonly Item[][], then: number): number =>
    alternatives.map((items) => sequence(items, then)).reduceRight((rest, start) => state(SPLIT, start, rest));
  const single = (item: Item, then: number): number => {
    switch (item.kind) {
      case 'char':
        return state(CHAR, item.code, then);
      case 'one':
        return state(ANY, 0, then);
      case 'run': {
        const loop = state(SPLIT, -1, then);
        args[loop] = state(ANY, 0, loop);
        return loop;
      }
      case 'choice':
        return choice(item.alternatives, then);
    }
  };
  const start = choice(globs, state(MATCH, 0, -1));
  return runAutomaton(Uint8Array.from(kinds), Int32Array.from(args), Int32Array.from(nexts), start);
}

function runAutomaton(kinds: Uint8Array, args: Int32Array, nexts: Int32Array, start: number): Matcher {
  const size = kinds.length;
  let live = new Int32Array(size);
  let following = new Int32Array(size);
  const stack = new Int32Array(size);
  const seen = new Int32Array(size);
  let generation = 0;

  /** Adds `from` and the states it reaches without reading to `list`, each once per generation. */
  const enter = (from: number, list: Int32Array, count: number): number => {
    if (seen[from] === generation) return count;
    seen[from] = generation;
    let top = 0;
    stack[top++] = from;
    while (top > 0) {
      const s = stack[--top]!;
      if (kinds[s] !== SPLIT) {
        list[count++] = s;
        continue;
      }
      const first = args[s]!;
      const second = nexts[s]!;
      if (seen[second] !== generation) {
        seen[second] = generation;
        stack[top++] = second;
      }
      if (seen[first] !== generation) {
        seen[first] = generation;
        stack[top++] = first;
      }
    }
    return count;
  };

  return (value) => {
    if (generation >= 0x7fffffff - value.length - 1) {
      seen.fill(0);
      generation = 0;
    }
    generation++;
    let count = enter(start, live, 0);
    for (let i = 0; i < value.length && count > 0; i++) {
      const code = value.charCodeAt(i);
      generation++;
      let nextCount = 0;
      for (let j = 0; j < count; j++) {
        const s = live[j]!;
        if (kinds[s] === ANY || (kinds[s] === CHAR && args[s] === code)) nextCount = enter(nexts[s]!, following, nextCount);
      }
      [live, following] = [following, live];
      count = nextCount;
    }
    for (let j = 0; j < count; j++) if (kinds[live[j]!] === MATCH) return true;
    return false;
  };
}
