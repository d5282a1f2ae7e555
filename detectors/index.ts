import type { AnyDetector } from '../src/sdk/index.js';
import delegationViolation from './delegation-violation.js';
import denialBurst from './denial-burst.js';
import excessiveTokenTtl from './excessive-token-ttl.js';
import firstSeenSystem from './first-seen-system.js';
import firstSeenTool from './first-seen-tool.js';
import inactiveAgent from './inactive-agent.js';
import rateSpike from './rate-spike.js';
import scopeViolation from './scope-violation.js';
import slowDrift from './slow-drift.js';
import staleReview from './stale-review.js';
import tokenBurst from './token-burst.js';
import tokenEscalation from './token-escalation.js';
import tokenMisuse from './token-misuse.js';
import toolMixDrift from './tool-mix-drift.js';
import unapprovedHighConsequence from './unapproved-high-consequence.js';
import unregisteredAgent from './unregistered-agent.js';
import unusualTime from './unusual-time.js';
import volumeSpike from './volume-spike.js';

/**
 * The built-in detectors, in the order they run: the rule detectors (judged against the
 * registry), then the statistical ones (judged against the agent's own baseline, after a
 * learning period).
 */
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
  firstSeenSystem,
  firstSeenTool,
  volumeSpike,
  rateSpike,
  unusualTime,
  denialBurst,
  tokenBurst,
  toolMixDrift,
  slowDrift,
];
