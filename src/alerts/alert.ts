import type { EventType } from '../events/contract.js';
import type { Severity } from '../sdk/detector.js';
import type { Technique } from '../sdk/techniques.js';

export const ALERT_SCHEMA = 'driftwatch.alert/v1';

/** The canonical alert: every sink format is rendered from it (docs/alerts.md). */
export interface Alert {
  readonly schema: typeof ALERT_SCHEMA;
  /** Deterministic: same detector, agent, key and window give the same id, on replay or redelivery. */
  readonly id: string;
  /** Event time of the triggering event (RFC 3339). */
  readonly time: string;
  /** Wall-clock time the alert was produced; set at the pipeline edge, not by the engine. */
  detected_at?: string;
  readonly detector: string;
  readonly detector_version: string;
  readonly severity: Severity;
  readonly score: number;
  readonly title: string;
  readonly summary: string;
  readonly agent: {
    readonly id: string;
    readonly registered: boolean;
    readonly name?: string;
    readonly owner?: string;
    readonly custodian?: string;
    readonly status?: string;
    readonly instance?: string;
    readonly session?: string;
  };
  readonly principal?: string;
  readonly chain?: readonly string[];
  /** The triggering action. */
  readonly event: {
    readonly id: string;
    readonly type: EventType;
    readonly tool?: string;
    readonly system?: string;
    readonly action?: string;
    readonly resource?: string;
    readonly token?: string;
  };
  readonly observed: Readonly<Record<string, unknown>>;
  readonly expected: Readonly<Record<string, unknown>>;
  /** Event ids that support the alert, the triggering one first. */
  readonly evidence: readonly string[];
  readonly scope?: Readonly<Record<string, unknown>>;
  readonly techniques: readonly Technique[];
  readonly recommendation: string;
  /** The de-duplication key and the event-time window the id is bound to. */
  readonly key: string;
  readonly window: { readonly start: string; readonly end: string };
  /**
   * Set on an escalation: the id of the alert with the same detector, agent, key and window that
   * went out at a lower severity, which this more severe repeat raises.
   */
  readonly escalates?: string;
}
