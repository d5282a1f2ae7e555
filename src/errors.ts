/**
 * Every error driftwatch raises on purpose carries a code from this closed list.
 * The list is documented in docs/errors.md; a test keeps the two in step.
 */
export const ERROR_CODES = {
  DW_CONFIG_INVALID: 'the configuration file does not validate',
  DW_REGISTRY_INVALID: 'the agent registry does not validate',
  DW_EVENT_INVALID: 'an event does not match the event contract',
  DW_EVENT_TOO_LARGE: 'an input line or message is larger than the configured limit',
  DW_DETECTOR_INVALID: 'a detector module does not export a valid definition',
  DW_DETECTOR_OPTIONS_INVALID: 'a detector\'s options in the config do not validate',
  DW_DETECTOR_FAILED: 'a detector threw while scoring or learning an event',
  DW_DETECTOR_UNKNOWN: 'the config or the command line names a detector that is not loaded',
  DW_SNAPSHOT_INVALID: 'a state snapshot cannot be restored',
  DW_SINK_FAILED: 'a sink could not deliver alerts',
  DW_SINK_UNAVAILABLE: 'a sink\'s circuit breaker is open',
  DW_SOURCE_FAILED: 'a source could not read its input',
  DW_USAGE: 'the command line is not valid',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface DriftwatchErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  /** Extra structured detail (never secrets): e.g. the list of validation issues. */
  details?: unknown;
}

export class DriftwatchError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: DriftwatchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DriftwatchError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details;
  }
}

export function isDriftwatchError(error: unknown, code?: ErrorCode): error is DriftwatchError {
  return error instanceof DriftwatchError && (code === undefined || error.code === code);
}
