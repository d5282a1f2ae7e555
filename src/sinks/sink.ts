import type { Alert } from '../alerts/alert.js';

/** A destination of alerts. `deliver` resolves once the destination has acknowledged them. */
export interface AlertSink {
  readonly name: string;
  deliver(alerts: readonly Alert[]): Promise<void>;
  close(): Promise<void>;
}
