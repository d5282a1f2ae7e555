import type { AnyDetector, DetectorDefinition, EventType } from '../src/sdk/index.js';
import delegationViolation from './delegation-violation.js';
import excessiveTokenTtl from './excessive-token-ttl.js';
import inactiveAgent from './inactive-agent.js';
import scopeViolation from './scope-violation.js';
import staleReview from './stale-review.js';
import tokenEscalation from './token-escalation.js';
import tokenMisuse from './token-misuse.js';
import unapprovedHighConsequence from './unapproved-high-consequence.js';
import unregisteredAgent from './unregistered-agent.js';

/**
 * Widens a definition to AnyDetector. `score` and `learn` are function-typed properties, so a
 * detector for one event type is not assignable to AnyDetector (whose functions take any event)
 * under strictFunctionTypes; the engine only ever passes a detector the event types it declares.
 */
const any = <T extends EventType, O, S>(definition: DetectorDefinition<T, O, S>): AnyDetector => definition as unknown as AnyDetector;

/** The built-in detectors, in the order they run. */
export const BUILTIN_DETECTORS: readonly AnyDetector[] = [
  any(unregisteredAgent),
  any(inactiveAgent),
  any(scopeViolation),
  any(unapprovedHighConsequence),
  any(delegationViolation),
  any(tokenEscalation),
  any(excessiveTokenTtl),
  any(tokenMisuse),
  any(staleReview),
];
