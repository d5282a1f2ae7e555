import type { Alert } from '../alerts/alert.js';
import type { AlertRouter, RoutedAlerts } from '../alerts/routing.js';
import type { Logger } from '../telemetry/log.js';
import type { AlertSink, DeliveryReport } from './sink.js';

/**
 * Routes once per batch: every routed sink receives the same array from the pipeline, so the
 * decision is computed by the first and read by the others.
 */
export class RoutingTable {
  private last?: { alerts: readonly Alert[]; routed: RoutedAlerts };

  constructor(readonly router: AlertRouter) {}

  route(alerts: readonly Alert[]): RoutedAlerts {
    if (this.last?.alerts !== alerts) this.last = { alerts, routed: this.router.route(alerts) };
    return this.last.routed;
  }
}

/** A sink that takes only the alerts the routes send to it. */
export class RoutedSink implements AlertSink {
  constructor(
    private readonly inner: AlertSink,
    private readonly table: RoutingTable,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  /** The wrapped sink (for its stats). */
  get sink(): AlertSink {
    return this.inner;
  }

  async deliver(alerts: readonly Alert[]): Promise<DeliveryReport | void> {
    const mine = this.table.route(alerts).bySink.get(this.inner.name);
    if (!mine || mine.length === 0) return { delivered: 0, rejected: 0 };
    return this.inner.deliver(mine);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * Not a destination: reports the alerts no route and no default sink took, so that they are
 * counted (`unrouted` in the report, the pipeline's `alertsUnrouted`) and logged, never lost silently.
 */
export class UnroutedAlerts implements AlertSink {
  readonly name = '(unrouted)';
  count = 0;

  constructor(
    private readonly table: RoutingTable,
    private readonly logger: Logger,
  ) {}

  async deliver(alerts: readonly Alert[]): Promise<DeliveryReport> {
    const { unrouted } = this.table.route(alerts);
    if (unrouted.length > 0) {
      this.count += unrouted.length;
      this.logger.log('warn', 'alerts matched no route and no default sink; not sent', {
        alerts: unrouted.length,
        ids: unrouted.slice(0, 10).map((alert) => alert.id),
      });
    }
    return { delivered: 0, rejected: 0, unrouted: unrouted.length };
  }

  async close(): Promise<void> {}
}
