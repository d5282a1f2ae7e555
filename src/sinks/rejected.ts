import type { Alert } from '../alerts/alert.js';

/**
 * An alert a sink gave up on: the receiver refused it for good (HTTP 400, 413, ...) or the
 * configured retry budget ran out. Written to the rejected-alerts file so that nothing is lost
 * silently; the batch is then acknowledged to the pipeline and counted as rejected.
 */
export interface RejectedAlert {
  rejected_at: string;
  sink: string;
  code: 'DW_SINK_FAILED';
  reason: string;
  status?: number;
  attempts: number;
  alert: Alert;
}

/** Where rejected alerts go; resolves once they are durable. */
export interface RejectedAlertSink {
  /** The file it writes to, when it is one: named in the run's summary. */
  readonly path?: string;
  write(records: readonly RejectedAlert[]): Promise<void>;
  close(): Promise<void>;
}
