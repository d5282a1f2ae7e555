import type { Severity } from '../../sdk/detector.js';

/** OCSF `severity_id`: 2 Low, 3 Medium, 4 High, 5 Critical (1 Informational and 6 Fatal are not used). */
export const OCSF_SEVERITY: Readonly<Record<Severity, { id: number; caption: string }>> = {
  low: { id: 2, caption: 'Low' },
  medium: { id: 3, caption: 'Medium' },
  high: { id: 4, caption: 'High' },
  critical: { id: 5, caption: 'Critical' },
};

/** ECS `event.severity`: the numbers Elastic detection rules use for their four levels. */
export const ECS_SEVERITY: Readonly<Record<Severity, number>> = { low: 21, medium: 47, high: 73, critical: 99 };

/** CEF header severity 0–10 (ArcSight bands: 0–3 Low, 4–6 Medium, 7–8 High, 9–10 Very-High). */
export const CEF_SEVERITY: Readonly<Record<Severity, number>> = { low: 3, medium: 5, high: 8, critical: 10 };

/** RFC 5424 severity: 2 Critical, 3 Error, 4 Warning, 5 Notice. 0 (Emergency) and 1 (Alert) stay for the host itself. */
export const SYSLOG_SEVERITY: Readonly<Record<Severity, number>> = { low: 5, medium: 4, high: 3, critical: 2 };

/** OCSF `confidence_id` from the 0–100 score: 1 Low below 50, 2 Medium below 80, 3 High from 80. */
export function ocsfConfidence(score: number): { id: number; caption: string } {
  if (score >= 80) return { id: 3, caption: 'High' };
  if (score >= 50) return { id: 2, caption: 'Medium' };
  return { id: 1, caption: 'Low' };
}
