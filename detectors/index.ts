import type { AnyDetector } from '../src/sdk/index.js';
import delegationViolation from './delegation-violation.js';
import excessiveTokenTtl from './excessive-token-ttl.js';
import inactiveAgent from './inactive-agent.js';
import scopeViolation from './scope-violation.js';
import staleReview from './stale-review.js';
import tokenEscalation from './token-escalation.js';
import tokenMisuse from './token-misuse.js';
import unapprovedHighConsequence from './unapproved-high-consequence.js';
import unregisteredAgent from './unregistered-agent.js';

/** The built-in detectors, in the order they run. */
export const BUILTIN_DETECTORS: readonly AnyDetector[] = [
  unregisteredAgent,
  inactiveAgent,
  scopeViolation,
  unapprovedHighConsequence,
  delegationViolation,
  tokenEscalation,
  excessiveTokenTtl,
  tokenMisuse,
  staleReview,
];
