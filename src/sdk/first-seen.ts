/**
 * "The agent used a system (or tool) it never used before", shared by the built-in
 * first-seen-system and first-seen-tool detectors and open to plugin detectors: the options
 * (learning period, a severity per placement against the registered scope, an hourly cap), the
 * per-agent state of the cap, the judgement against the agent's baseline, and the finding.
 *
 * ```ts
 * const seen = firstSeen('tool');
 * const options = z.strictObject(firstSeenOptions('tool'));
 * export default defineDetector({
 *   …, eventTypes: ['tool_use'], options, createState: createFirstSeenState,
 *   score(event, ctx) { const placement = seen.judge(event, ctx, seen.placement(event, ctx)); return placement && seen.finding(event, ctx, placement); },
 *   learn(event, ctx) { seen.learn(event, ctx, seen.judge(event, ctx, seen.placement(event, ctx))); },
 * });
 * ```
 */
import { z } from 'zod';
import {
  baselineAge,
  baselineHasSeenSystem,
  baselineHasSeenTool,
  baselineSetFill,
  type AgentBaseline,
} from '../engine/baseline.js';
import type { ToolUseEvent } from '../events/contract.js';
import { formatDuration } from '../registry/duration.js';
import { boundedSetDistinct, boundedSetTop } from '../stats/bounded-set.js';
import { DAY_MS } from '../stats/trend.js';
import { durationMs, durationOption, fromOptions, type DetectorContext, type Finding, type Severity } from './detector.js';

/** What is new to the agent: a system or a tool of a tool call. */
export type FirstSeenKind = 'system' | 'tool';

/**
 * Where the new value stands against the agent's registered scope: named explicitly in it
 * (`listed`), allowed only by a glob of it (`in-scope`), outside it, or the agent has no registry
 * entry (`unregistered`).
 */
export type FirstSeenPlacement = 'listed' | 'in-scope' | 'out-of-scope' | 'unregistered';

/** A severity option value: a severity, or `off` for no finding. */
export const firstSeenSeverity = z.enum(['off', 'low', 'medium', 'high', 'critical']);

/** The validated options of a first-seen detector (what `ctx.options` must hold). */
export interface FirstSeenOptions {
  learning_period: string;
  listed_severity: Severity | 'off';
  in_scope_severity: Severity | 'off';
  out_of_scope_severity: Severity | 'off';
  unregistered_severity: Severity | 'off';
  max_per_hour: number;
}

/** Zod shape of the options of a first-seen detector, with the detector's own options `E`. */
export type FirstSeenShape<E extends z.ZodRawShape> = {
  learning_period: ReturnType<typeof durationOption>;
  listed_severity: z.ZodDefault<typeof firstSeenSeverity>;
  in_scope_severity: z.ZodDefault<typeof firstSeenSeverity>;
  out_of_scope_severity: z.ZodDefault<typeof firstSeenSeverity>;
  unregistered_severity: z.ZodDefault<typeof firstSeenSeverity>;
} & E & { max_per_hour: z.ZodDefault<z.ZodNumber> };

const WORDS = {
  system: { plural: 'systems', used: 'used', scope: 'scope.systems' },
  tool: { plural: 'tools', used: 'called', scope: 'scope.tools' },
} as const;

/**
 * The options of a first-seen detector, in this order: `learning_period` (default 7d), the
 * severities `listed_severity` (off), `in_scope_severity` (low), `out_of_scope_severity` (high),
 * `unregistered_severity` (medium), the detector's own `extra` options, `max_per_hour` (5).
 */
export function firstSeenOptions<E extends z.ZodRawShape = {}>(kind: FirstSeenKind, extra?: E): FirstSeenShape<E> {
  const words = WORDS[kind];
  return {
    learning_period: durationOption('7d', `event time from the agent's first event during which every ${kind} is learned, not reported`),
    listed_severity: firstSeenSeverity.default('off').describe(`a new ${kind} named explicitly in ${words.scope} (off: no alert)`),
    in_scope_severity: firstSeenSeverity.default('low').describe(`a new ${kind} allowed only by a glob of ${words.scope}`),
    out_of_scope_severity: firstSeenSeverity.default('high').describe(`a new ${kind} outside ${words.scope}`),
    unregistered_severity: firstSeenSeverity.default('medium').describe(`a new ${kind} ${words.used} by an agent without a registry entry`),
    ...(extra ?? ({} as E)),
    max_per_hour: z.number().int().min(1).default(5).describe('alerts per agent per hour; past it one summary alert (key many) and silence until the next hour'),
  };
}

/** Per-agent state of a first-seen detector: the hourly cap. */
export interface FirstSeenState {
  /** Hour index (event time) of `n`. */
  h: number;
  /** Findings raised in hour `h`. */
  n: number;
}

/** A fresh `FirstSeenState`. */
export function createFirstSeenState(): FirstSeenState {
  return { h: -1, n: 0 };
}

type Context<O extends FirstSeenOptions> = DetectorContext<O, FirstSeenState>;

/** A first-seen judgement of one kind; see `firstSeen`. */
export interface FirstSeen {
  readonly kind: FirstSeenKind;
  /** The value of the event this judgement is about (its system or its tool). */
  value(event: ToolUseEvent): string;
  /** Whether the agent's baseline has seen the event's value (never wrong when false). */
  seen(baseline: AgentBaseline, event: ToolUseEvent): boolean;
  /**
   * The plain placement of the event's value against the registered scope: `listed` when named in
   * it, `in-scope` when allowed by a glob, `out-of-scope`, or `unregistered` without an entry.
   */
  placement<O extends FirstSeenOptions>(event: ToolUseEvent, ctx: Context<O>): FirstSeenPlacement;
  /** The severity option for a placement (`off`: no finding). */
  severityOf(placement: FirstSeenPlacement, options: FirstSeenOptions): Severity | 'off';
  /**
   * The placement of a new value worth a finding, or undefined: within the learning period, seen
   * before, a placement whose severity is `off`, or past the hourly cap. `placement` is the
   * detector's own judgement of where the value stands (a function, so that it is only worked out
   * for a value the agent never used). Allocation-free.
   */
  judge<O extends FirstSeenOptions>(event: ToolUseEvent, ctx: Context<O>, placement: () => FirstSeenPlacement): FirstSeenPlacement | undefined;
  /**
   * The finding for a placement `judge` returned: one finding per new value (key `<kind>:<value>`,
   * severity by placement), or the one summary finding (key `many`) when the value is the first
   * past `max_per_hour` within the hour. `listedWhere` words the `listed` placement in the summary.
   */
  finding<O extends FirstSeenOptions>(event: ToolUseEvent, ctx: Context<O>, placement: FirstSeenPlacement, listedWhere?: string): Finding;
  /** The detector's `learn`, given what `judge` returned: counts a finding against the hourly cap. */
  learn<O extends FirstSeenOptions>(event: ToolUseEvent, ctx: Context<O>, judged: FirstSeenPlacement | undefined): void;
}

const HOUR_MS = 3_600_000;

/**
 * A first use of a system or tool by an agent, once its learning period is over (the baseline keeps
 * the systems and tools it used: exact top-K plus a Bloom filter, so "never" is never wrong). At
 * most `max_per_hour` findings per agent per hour, then one summary finding and silence until the
 * next hour.
 */
export function firstSeen(kind: FirstSeenKind): FirstSeen {
  const words = WORDS[kind];
  const learningOf = fromOptions((o: FirstSeenOptions) => durationMs(o.learning_period));
  const value = kind === 'system' ? (event: ToolUseEvent) => event.system : (event: ToolUseEvent) => event.tool;
  const seen =
    kind === 'system'
      ? (baseline: AgentBaseline, event: ToolUseEvent) => baselineHasSeenSystem(baseline, event.system)
      : (baseline: AgentBaseline, event: ToolUseEvent) => baselineHasSeenTool(baseline, event.tool);
  const setOf = (baseline: AgentBaseline) => (kind === 'system' ? baseline.systems : baseline.tools);

  function severityOf(placement: FirstSeenPlacement, o: FirstSeenOptions): Severity | 'off' {
    switch (placement) {
      case 'listed':
        return o.listed_severity;
      case 'in-scope':
        return o.in_scope_severity;
      case 'out-of-scope':
        return o.out_of_scope_severity;
      case 'unregistered':
        return o.unregistered_severity;
    }
  }

  function many<O extends FirstSeenOptions>(event: ToolUseEvent, ctx: Context<O>, known: string[], distinct: number, learnedFor: string, hour: number, scope: Finding['scope']): Finding {
    const id = event.agent.id;
    const agent = ctx.agent;
    const max = ctx.options.max_per_hour;
    const fill = Math.round(baselineSetFill(setOf(ctx.baseline)) * 100);
    const custodian = agent?.custodian === undefined ? 'its operators' : `custodian ${agent.custodian}`;
    return {
      key: 'many',
      title: kind === 'system' ? `${id} keeps touching systems it never used before` : `${id} keeps calling tools it never used before`,
      summary:
        (kind === 'system'
          ? `${id} used ${max + 1} systems new to it within the hour (latest ${event.system} with ${event.tool}); `
          : `${id} called ${max + 1} tools new to it within the hour (latest ${event.tool} on ${event.system}); `) +
        `further new ${words.plural} are not reported one by one until the next hour. It has ${words.used} about ${distinct} distinct ${words.plural} ` +
        `in ${learnedFor} of history (Bloom filter ${fill}% full).`,
      severity: 'high',
      score: 85,
      observed: { [`new_${words.plural}_this_hour`]: max + 1, latest: value(event), [`distinct_${words.plural}_estimate`]: distinct },
      expected: { [`known_${words.plural}`]: known },
      scope,
      recommendation:
        `Suspend ${id} and revoke its tokens: ${kind === 'system' ? 'an agent enumerating systems is discovering' : 'an agent trying tool after tool is exploring'} or being driven. ` +
        `Review its recent sessions with ${custodian} before re-enabling it.`,
      window: { start: hour * HOUR_MS, end: (hour + 1) * HOUR_MS },
    };
  }

  return {
    kind,
    value,
    seen,
    placement(event, ctx) {
      const agent = ctx.agent;
      if (agent === undefined) return 'unregistered';
      if (kind === 'system' ? agent.scope.systems.includes(event.system) : agent.scope.tools.includes(event.tool)) return 'listed';
      return (kind === 'system' ? agent.allows.system(event.system) : agent.allows.tool(event.tool)) ? 'in-scope' : 'out-of-scope';
    },
    severityOf,
    judge(event, ctx, placementOf) {
      const baseline = ctx.baseline;
      if (baselineAge(baseline, ctx.now) < learningOf(ctx.options)) return undefined;
      if (seen(baseline, event)) return undefined;
      const placement = placementOf();
      if (severityOf(placement, ctx.options) === 'off') return undefined;
      const state = ctx.state;
      if (Math.floor(event.timeMs / HOUR_MS) === state.h && state.n > ctx.options.max_per_hour) return undefined;
      return placement;
    },
    finding(event, ctx, placement, listedWhere = `named in its registered scope`) {
      const id = event.agent.id;
      const agent = ctx.agent;
      const baseline = ctx.baseline;
      const set = setOf(baseline);
      // What was first used within a day (often the same episode's first uses) is not "usual". Only an
      // entry counted exactly since it entered (error 0) entered at its first use, not at a return.
      const top = boundedSetTop(set);
      const isRecent = (entry: (typeof top)[number]) => entry.error === 0 && entry.firstSeenMs >= event.timeMs - DAY_MS;
      const known = top.filter((entry) => !isRecent(entry)).map((entry) => entry.value);
      const recent = top.filter(isRecent).map((entry) => entry.value);
      const distinct = boundedSetDistinct(set);
      const learnedFor = formatDuration(baselineAge(baseline, ctx.now));
      const state = ctx.state;
      const hour = Math.floor(event.timeMs / HOUR_MS);
      const scope = agent === undefined ? undefined : kind === 'system' ? { systems: agent.scope.systems } : { tools: agent.scope.tools };
      if (hour === state.h && state.n === ctx.options.max_per_hour) return many(event, ctx, known, distinct, learnedFor, hour, scope);
      const name = value(event);
      const where =
        placement === 'out-of-scope'
          ? 'outside its registered scope'
          : placement === 'in-scope'
            ? 'inside its registered scope by a pattern, but never named there'
            : placement === 'listed'
              ? listedWhere
              : 'and it has no registry entry';
      const others = distinct > known.length + recent.length ? ` and about ${distinct - known.length - recent.length} more` : '';
      const recentText = recent.length === 0 ? '' : `; first used within the last 24 h: ${recent.join(', ')}`;
      return {
        key: `${kind}:${name}`,
        title: `${id} ${kind === 'system' ? 'used system' : 'called tool'} ${name} for the first time`,
        summary:
          `${id} called ${event.tool} to ${event.action} on ${event.system}, a ${kind} it never ${words.used} in ${learnedFor} of history ` +
          `(${known.length === 0 ? `no ${kind} before` : `${kind === 'system' ? 'its systems' : 'its usual tools'}: ${known.join(', ')}${others}`}${recentText}); ` +
          `${name} is ${where}.`,
        severity: severityOf(placement, ctx.options) as Severity,
        score: placement === 'out-of-scope' ? 80 : placement === 'unregistered' ? 65 : placement === 'in-scope' ? 45 : 35,
        observed: { system: event.system, tool: event.tool, action: event.action, placement, ...(event.resource === undefined ? {} : { resource: event.resource }) },
        expected: {
          [`known_${words.plural}`]: known,
          ...(recent.length === 0 ? {} : { [`recent_${words.plural}`]: recent }),
          [`distinct_${words.plural}_estimate`]: distinct,
        },
        scope,
        recommendation:
          placement === 'out-of-scope'
            ? `Block ${name} for ${id} at the ${kind === 'system' ? 'policy engine' : 'tool gateway'}${event.token === undefined ? '' : `, revoke token fingerprint ${event.token}`} and ask ` +
              `${agent?.owner === undefined ? 'its owner' : `owner ${agent.owner}`} why the agent ${kind === 'system' ? 'reached a system' : 'reached for a tool'} outside its scope for the first time now.`
            : `Confirm with ${agent?.custodian === undefined ? "the agent's operators" : `custodian ${agent.custodian}`} that ${id} is meant to ${kind === 'system' ? 'use' : 'call'} ${name}; ` +
              `if it is, ${placement === 'unregistered' ? 'register the agent with it in scope' : 'name it in the registered scope so that its use is expected'}; if not, revoke its tokens and review the session that led there.`,
      };
    },
    learn(event, ctx, judged) {
      if (judged === undefined) return;
      const state = ctx.state;
      const hour = Math.floor(event.timeMs / HOUR_MS);
      if (hour !== state.h) {
        state.h = hour;
        state.n = 0;
      }
      state.n += 1;
    },
  };
}
