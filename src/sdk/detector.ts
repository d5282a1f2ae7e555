import { z } from 'zod';
import type { AgentBaseline } from '../engine/baseline.js';
import { EVENT_TYPES, type AgentEvent, type EventType } from '../events/contract.js';
import { parseDuration } from '../registry/duration.js';
import type { RegisteredAgent } from '../registry/agent.js';
import type { Technique } from './techniques.js';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const MATURITIES = ['stable', 'incubating', 'sandbox'] as const;
export type Maturity = (typeof MATURITIES)[number];

/** What a detector reports; the engine turns it into an alert with the agent's registry context. */
export interface Finding {
  /**
   * What makes two findings "the same" for de-duplication, e.g. `system:hr-prod`.
   * Alert ids derive from (detector, agent, key, window).
   */
  readonly key: string;
  readonly title: string;
  /** Plain words with the numbers: what happened and against what. */
  readonly summary: string;
  /** Defaults to the detector's severity. */
  readonly severity?: Severity;
  /** Confidence 0–100. */
  readonly score: number;
  readonly observed: Readonly<Record<string, unknown>>;
  readonly expected: Readonly<Record<string, unknown>>;
  /** The part of the registered scope that the finding is judged against. */
  readonly scope?: Readonly<Record<string, unknown>>;
  /** Further event ids; the triggering event's id is always included. */
  readonly evidence?: readonly string[];
  readonly recommendation: string;
  /** For windowed findings: the event-time window (ms) the finding is about; part of the alert id. */
  readonly window?: { readonly start: number; readonly end: number };
}

export interface TokenGrant {
  readonly fingerprint: string;
  readonly agentId: string;
  readonly eventId: string;
  readonly issuedAt: number;
  readonly expiresAt?: number;
  readonly task?: string;
  readonly grant?: string;
}

export interface TokenLedgerView {
  /** The issuance of a token fingerprint seen on this stream, if still remembered. */
  get(fingerprint: string): TokenGrant | undefined;
}

export interface RegistryView {
  get(agentId: string): RegisteredAgent | undefined;
}

export interface DetectorContext<O, S> {
  readonly options: O;
  /** This agent's state for this detector. `score` must only read it; `learn` may change it (see `LearnContext`). */
  readonly state: S;
  readonly agentId: string;
  /** The agent's registry entry; undefined for an agent that is not registered. */
  readonly agent: RegisteredAgent | undefined;
  /** This agent's event-time clock: the latest event time seen for it (ms). Never goes back. */
  readonly now: number;
  readonly registry: RegistryView;
  readonly tokens: TokenLedgerView;
  /**
   * This agent's behavioural baseline, kept by the engine and updated after every detector has
   * scored and learned the event: it describes the agent as it was before the event. Read-only
   * for detectors (read it with the `baseline…` readers).
   */
  readonly baseline: AgentBaseline;
}

/** What `learn` gets: the same context, whose `state` it may change in place or replace. */
export interface LearnContext<O, S> extends Omit<DetectorContext<O, S>, 'state'> {
  state: S;
}

export type EventOf<T extends EventType> = Extract<AgentEvent, { type: T }>;

export interface DetectorDefinition<T extends EventType = EventType, O = unknown, S = unknown> {
  /** kebab-case, named after the behaviour it catches. */
  readonly id: string;
  /** semver of the detector's logic and state layout; a state of another major version is discarded on restore. */
  readonly version: string;
  readonly description: string;
  readonly eventTypes: readonly T[];
  readonly maturity: Maturity;
  readonly techniques: readonly Technique[];
  /** Severity of its findings unless a finding or the config says otherwise. */
  readonly severity: Severity;
  /** Identical findings for one agent in one block of this much event time (`1h`, `1d`; blocks aligned to multiples of it) stay one alert. */
  readonly suppressFor?: string;
  /** Strict zod schema of the detector's options, with defaults for every field. */
  readonly options: z.ZodType<O>;
  /** Fresh per-agent state: plain JSON-serialisable data. */
  readonly createState: (options: O) => S;
  /** Judges the event against the state as it was before the event; must not change the state. */
  score(event: EventOf<T>, ctx: DetectorContext<O, S>): Finding | readonly Finding[] | undefined;
  /** Updates the state with the event, after this detector scored it and before the engine updates the baseline. */
  learn?(event: EventOf<T>, ctx: LearnContext<O, S>): void;
}

// `any` event type: a detector for one event type must be storable beside the others; the engine
// only ever passes a detector the event types it declares.
export type AnyDetector = DetectorDefinition<any, any, any>;

/**
 * A duration option (`30m`, `3d`, `1w`) with its default, for learning periods and windows. Read
 * its value in milliseconds with `durationMs`.
 */
export function durationOption(defaultValue: string, description: string) {
  return z
    .string()
    .refine((text) => (parseDuration(text) ?? -1) > 0, 'must be a duration like 30m, 12h, 3d or 1w')
    .default(defaultValue)
    .describe(description);
}

const durations = new Map<string, number>();

/** Milliseconds of a duration option (memoised: cheap on the hot path); 0 when malformed. */
export function durationMs(text: string): number {
  let ms = durations.get(text);
  if (ms === undefined) {
    ms = parseDuration(text) ?? 0;
    if (durations.size < 1024) durations.set(text, ms);
  }
  return ms;
}

/**
 * Figures a detector derives from its options (durations in ms, thresholds) computed once per
 * configured detector and then looked up on every event: a configured detector's options object
 * never changes, so the result is cached by its identity.
 */
export function fromOptions<O extends object, P>(derive: (options: O) => P): (options: O) => P {
  const cache = new WeakMap<O, P>();
  return (options) => {
    let derived = cache.get(options);
    if (derived === undefined) cache.set(options, (derived = derive(options)));
    return derived;
  };
}

const isTechnique = (value: unknown): value is Technique =>
  typeof value === 'object' && value !== null && typeof (value as Technique).id === 'string' && typeof (value as Technique).name === 'string' && typeof (value as Technique).framework === 'string';

const ID_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const VERSION_PATTERN = /^\d+\.\d+\.\d+$/;

/** Problems with a definition's metadata; empty when it is valid. */
export function checkDefinition(definition: unknown): string[] {
  const problems: string[] = [];
  if (typeof definition !== 'object' || definition === null) return ['not an object'];
  const d = definition as Partial<AnyDetector>;
  if (typeof d.id !== 'string' || !ID_PATTERN.test(d.id)) problems.push('id: must be kebab-case');
  if (typeof d.version !== 'string' || !VERSION_PATTERN.test(d.version)) problems.push('version: must be semver x.y.z');
  if (typeof d.description !== 'string' || d.description.length === 0) problems.push('description: required');
  if (!Array.isArray(d.eventTypes) || d.eventTypes.length === 0) problems.push(`eventTypes: at least one of ${EVENT_TYPES.join(', ')}`);
  else {
    const unknown = d.eventTypes.filter((type) => !(EVENT_TYPES as readonly unknown[]).includes(type));
    if (unknown.length > 0) problems.push(`eventTypes: ${unknown.map((type) => JSON.stringify(type)).join(', ')} is no event type (${EVENT_TYPES.join(', ')})`);
  }
  if (!d.maturity || !(MATURITIES as readonly string[]).includes(d.maturity)) problems.push(`maturity: one of ${MATURITIES.join(', ')}`);
  if (!d.severity || !(SEVERITIES as readonly string[]).includes(d.severity)) problems.push(`severity: one of ${SEVERITIES.join(', ')}`);
  if (!Array.isArray(d.techniques)) problems.push('techniques: an array');
  else {
    const bad = d.techniques.findIndex((technique) => !isTechnique(technique));
    if (bad >= 0) {
      const got = d.techniques[bad] === undefined ? 'undefined: a misspelt TECHNIQUES name?' : JSON.stringify(d.techniques[bad]);
      problems.push(`techniques[${bad}]: entries of TECHNIQUES (objects with framework, id and name), not strings (got ${got})`);
    }
  }
  if (d.suppressFor !== undefined && !(typeof d.suppressFor === 'string' && (parseDuration(d.suppressFor) ?? 0) > 0)) {
    problems.push(`suppressFor: a duration like 30s, 15m, 1h, 1d (got ${JSON.stringify(d.suppressFor)})`);
  }
  if (!(d.options instanceof z.ZodType)) problems.push('options: a zod schema');
  else {
    const defaults = d.options.safeParse({});
    if (!defaults.success) {
      const missing = defaults.error.issues.some((issue) => issue.code === 'invalid_type' && issue.input === undefined);
      const issues = defaults.error.issues.map((issue) => `${issue.path.join('.') || '(options)'}: ${issue.message}`).join(', ');
      problems.push(missing ? `options: every option needs a default (${issues})` : `options: the defaults do not validate (${issues})`);
    } else if (d.options.safeParse({ [UNKNOWN_OPTION_PROBE]: 0 }).success) {
      // A loose schema drops a misspelt option and runs on the default: the typo would go unnoticed.
      problems.push('options: unknown options must be refused (use z.strictObject, not z.object)');
    }
  }
  for (const name of ['createState', 'score', 'learn'] as const) {
    const fn = d[name];
    if (fn === undefined && name === 'learn') continue;
    if (typeof fn !== 'function') problems.push(`${name}: a function`);
    // The engine runs detectors synchronously, between the events of a batch; a promise would settle after the batch.
    else if (isAsyncFunction(fn)) problems.push(`${name}: must be synchronous (it is an async function)`);
  }
  return problems;
}

const UNKNOWN_OPTION_PROBE = '__driftwatch_unknown_option__';

function isAsyncFunction(fn: unknown): boolean {
  const name = (fn as { constructor?: { name?: unknown } }).constructor?.name;
  return name === 'AsyncFunction' || name === 'AsyncGeneratorFunction';
}

/**
 * Declares a detector. Typing only: the event type, options and state flow into `score` and
 * `learn`. The loader checks the definition when it loads it.
 */
export function defineDetector<const T extends EventType, O, S>(
  definition: DetectorDefinition<T, O, S>,
): DetectorDefinition<T, O, S> {
  return definition;
}
