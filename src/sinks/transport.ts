import type { Alert } from '../alerts/alert.js';
import { DriftwatchError } from '../errors.js';

/**
 * The protocol half of a sink: sends one batch and resolves once the receiver acknowledged it
 * (an HTTP 2xx, an indexer acknowledgement, a synced file, bytes accepted by the socket). It
 * rejects with a `DW_SINK_FAILED` error whose `retriable` flag tells the {@link ReliableSink}
 * whether to try again. Queueing, retries, the circuit breaker and batching are not its job.
 */
export interface Transport {
  /** Where it sends, for logs: never carries a credential (no token, no userinfo in URLs). */
  readonly destination: string;
  /** The signal aborts an attempt when the sink is closed. */
  send(alerts: readonly Alert[], signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
  /** Transport-specific counters for telemetry (e.g. `truncated` datagrams). */
  counters?(): Readonly<Record<string, number>>;
}

export interface SinkFailureDetails {
  /** HTTP status, when the receiver answered. */
  status?: number;
  /** The receiver asked to wait this long (HTTP Retry-After). */
  retryAfterMs?: number;
}

/** A delivery failure. Messages name the destination and the reason, never a credential. */
export function sinkFailure(
  message: string,
  options: { retriable: boolean; cause?: unknown } & SinkFailureDetails,
): DriftwatchError {
  const details: SinkFailureDetails = {};
  if (options.status !== undefined) details.status = options.status;
  if (options.retryAfterMs !== undefined) details.retryAfterMs = options.retryAfterMs;
  return new DriftwatchError('DW_SINK_FAILED', message, { retriable: options.retriable, cause: options.cause, details });
}

/** Any thrown value as a sink failure; errors that are not ours (a bug, an I/O error) count as retriable. */
export function asSinkFailure(error: unknown): DriftwatchError {
  if (error instanceof DriftwatchError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return sinkFailure(message, { retriable: true, cause: error });
}

export function failureDetails(error: DriftwatchError): SinkFailureDetails {
  return (error.details ?? {}) as SinkFailureDetails;
}

/**
 * Each alert rendered for the receiver. An alert that cannot be rendered (a formatter's bug) is a
 * refusal, not a failure worth retrying: the same alert fails the same way every time, and as a
 * retriable failure it would hold the sink's queue for ever. Refused, it is isolated from its batch
 * and written to the rejected-alerts file.
 */
export function renderEach<T>(alerts: readonly Alert[], render: (alert: Alert) => T): T[] {
  return alerts.map((alert) => {
    try {
      return render(alert);
    } catch (error) {
      if (error instanceof DriftwatchError) throw error; // says what it is already (a header too large for a datagram)
      throw sinkFailure(`alert ${alert.id} cannot be rendered: ${error instanceof Error ? error.message : String(error)}`, { retriable: false, cause: error });
    }
  });
}
