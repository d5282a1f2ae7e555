import type { Alert } from '../alerts/alert.js';

/** What became of the alerts of one `deliver` call. */
export interface DeliveryReport {
  /** Acknowledged by the receiver. */
  delivered: number;
  /** Refused for good by the receiver and written to the rejected-alerts file instead. */
  rejected: number;
  /** Reported only by the routing audit: alerts that matched no route and no default sink. */
  unrouted?: number;
}

/**
 * A destination of alerts. `deliver` resolves once the destination has acknowledged them (or,
 * for alerts it refused for good, once they are durable in the rejected-alerts file); a sink that
 * reports nothing (`void`) delivered all of them. It rejects when the alerts may not be committed.
 */
export interface AlertSink {
  readonly name: string;
  deliver(alerts: readonly Alert[]): Promise<DeliveryReport | void>;
  close(): Promise<void>;
}
