import { z } from 'zod';
import { parseEventTime } from '../events/time.js';

/**
 * labels.json: what the simulator injected, for `driftwatch eval`. Detectors never read it.
 */

export const SCENARIO_CLASSES = [
  'scope-creep',
  'exfiltration-spike',
  'slow-drip-exfiltration',
  'stolen-token',
  'confused-deputy',
  'delegation-abuse',
  'shadow-agent',
  'retired-agent-active',
  'off-hours-takeover',
  'denial-probing',
  'long-lived-token',
  'tool-mix-takeover',
] as const;
export type ScenarioClass = (typeof SCENARIO_CLASSES)[number];

/** Label class of benign registry-driven drift (not an attack). */
export const BENIGN_DRIFT = 'benign-drift';

const isoTime = z.string().refine((value) => Number.isFinite(parseEventTime(value)), 'must be an RFC 3339 date-time with a zone (Z or ±hh:mm), a day and time that exist');

export const labelSchema = z.looseObject({
  id: z.string().min(1),
  scenario: z.string().min(1).describe('scenario class, or benign-drift'),
  agent: z.string().min(1).describe('the agent an alert must name'),
  start: isoTime.describe('time of the first event of the scenario'),
  end: isoTime.describe('time of the last event of the scenario'),
  expected_detectors: z.array(z.string()).default([]),
  benign: z.boolean().default(false),
  /** Other agents the scenario involves (token owner, delegator): their alerts in the window are not false alerts. */
  related_agents: z.array(z.string()).default([]),
  events: z.number().int().nonnegative().optional(),
  description: z.string().optional(),
});
export type Label = z.output<typeof labelSchema>;

export const labelsFileSchema = z.looseObject({
  version: z.literal(1),
  seed: z.number().optional(),
  /** Registered agents: with `days`, gives the agent-days false alerts are counted against. */
  agents: z.number().int().positive(),
  days: z.number().positive(),
  start: isoTime,
  end: isoTime,
  attack_from: isoTime.optional(),
  scenarios: z.array(labelSchema),
});
export type LabelsFile = z.output<typeof labelsFileSchema>;
