import type { Alert } from '../../alerts/alert.js';

/** The canonical alert (docs/alerts.md) as a plain JSON object: the `json` format. */
export function toJson(alert: Alert): Record<string, unknown> {
  return JSON.parse(JSON.stringify(alert)) as Record<string, unknown>;
}
