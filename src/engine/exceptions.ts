import type { AgentEvent } from '../events/contract.js';
import { compileGlobs, type Matcher } from '../registry/glob.js';

/**
 * A detector exception from the config: under these conditions (all must hold; values are
 * globs) the detector raises nothing. How a detection engineer tunes a noisy detector without code.
 */
export interface ExceptionCondition {
  agent?: string | string[];
  principal?: string | string[];
  tool?: string | string[];
  system?: string | string[];
  action?: string | string[];
}

export const EXCEPTION_FIELDS = ['agent', 'principal', 'tool', 'system', 'action'] as const;

type FieldReader = (event: AgentEvent) => string | undefined;

const readers: Record<(typeof EXCEPTION_FIELDS)[number], FieldReader> = {
  agent: (event) => event.agent.id,
  principal: (event) => event.principal,
  tool: (event) => ('tool' in event && typeof event.tool === 'string' ? event.tool : undefined),
  system: (event) => ('system' in event && typeof event.system === 'string' ? event.system : undefined),
  action: (event) => ('action' in event && typeof event.action === 'string' ? event.action : undefined),
};

export type ExceptionMatcher = (event: AgentEvent) => boolean;

/** One matcher for a detector's exceptions; undefined when it has none, so the engine skips the test. */
export function compileExceptions(conditions: readonly ExceptionCondition[]): ExceptionMatcher | undefined {
  if (conditions.length === 0) return undefined;
  const compiled = conditions.map((condition) =>
    EXCEPTION_FIELDS.flatMap((field) => {
      const value = condition[field];
      if (value === undefined) return [];
      const matcher: Matcher = compileGlobs(Array.isArray(value) ? value : [value]);
      const read = readers[field];
      return [(event: AgentEvent) => {
        const actual = read(event);
        return actual !== undefined && matcher(actual);
      }];
    }),
  );
  return (event) => compiled.some((tests) => tests.length > 0 && tests.every((test) => test(event)));
}
