/** Exit codes of every driftwatch command (README, "Commands"). */
export const EXIT = {
  OK: 0,
  /** A source, sink or other runtime failure stopped the job. */
  FAILURE: 1,
  /** The command line is not valid. */
  USAGE: 2,
  /** A config, registry or detector does not validate. */
  INVALID: 3,
  /** `detectors test` or `eval` found a difference from what was expected. */
  MISMATCH: 4,
} as const;
