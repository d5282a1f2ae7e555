/**
 * Example third-party detector: a payment (`transfer`) made by an assistant-type agent outside
 * business hours.
 *
 * Assistants act for a person who is at work. A transfer at 03:00 UTC by an assistant is either
 * a misconfigured schedule or an agent that was steered (prompt injection, goal hijack) into
 * moving money while nobody watches. Batch agents whose job is to pay at night are left out by
 * their registry `kind`.
 *
 * How to write your own:
 *   - one file, one default export made with `defineDetector` from the SDK;
 *   - `options` is a strict zod schema with a default for every option (tune it in the config
 *     under `detectors.settings.after-hours-payment.options`);
 *   - `score` only reads; `learn` updates the per-agent state (plain JSON data);
 *   - recorded test case beside it, in cases/after-hours-payment/, run with
 *       driftwatch detectors test after-hours-payment --detectors examples/detectors \
 *         --events examples/detectors/cases/after-hours-payment/events.jsonl \
 *         --expect examples/detectors/cases/after-hours-payment/expect.jsonl
 *     (registry.yaml beside the events file is picked up on its own).
 */
import { defineDetector, TECHNIQUES, z } from '../../src/sdk/index.js';

const options = z
  .strictObject({
    /** First business hour, UTC, inclusive (0–23). */
    start_hour: z.number().int().min(0).max(23).default(7),
    /** End of business hours, UTC, exclusive (1–24): 19 means until 18:59:59. */
    end_hour: z.number().int().min(1).max(24).default(19),
    /** Registry `kind`s this detector watches. */
    kinds: z.array(z.string().min(1)).min(1).default(['assistant']),
  })
  .refine((value) => value.start_hour < value.end_hour, { message: 'start_hour must be before end_hour', path: ['start_hour'] });

const pad = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

export default defineDetector({
  id: 'after-hours-payment',
  version: '1.0.0',
  description: 'A transfer by an assistant-type agent outside business hours (UTC)',
  eventTypes: ['tool_use'],
  maturity: 'incubating',
  techniques: [TECHNIQUES.financialTheft, TECHNIQUES.goalHijack, TECHNIQUES.humanAgentTrust],
  severity: 'high',
  suppressFor: '1h',
  options,
  /** How many after-hours transfers the agent made before: shown in the summary. */
  createState: () => ({ afterHours: 0 }),

  score(event, ctx) {
    if (event.action !== 'transfer') return undefined;
    const kind = ctx.agent?.kind;
    if (kind === undefined || !ctx.options.kinds.includes(kind)) return undefined;
    const { start_hour, end_hour } = ctx.options;
    const at = new Date(event.timeMs);
    const hour = at.getUTCHours();
    if (hour >= start_hour && hour < end_hour) return undefined;

    const clock = at.toISOString().slice(11, 16);
    const hours = `${pad(start_hour)}–${pad(end_hour)} UTC`;
    const previous = ctx.state.afterHours;
    return {
      key: `after-hours:${event.system}`,
      title: `After-hours transfer by ${event.agent.id}`,
      summary:
        `${event.agent.id} (${kind}) made a transfer on ${event.system} with ${event.tool} at ${clock} UTC, ` +
        `outside business hours ${hours}; ${event.approval ? `approval ${event.approval}` : 'no approval reference'}` +
        (previous > 0 ? `; ${previous} earlier after-hours transfer(s)` : ''),
      // Without a human approval this is the more urgent case.
      severity: event.approval ? 'high' : 'critical',
      score: event.approval ? 60 : 85,
      observed: { time: at.toISOString(), hour, system: event.system, tool: event.tool, approval: event.approval ?? null, earlier: previous },
      expected: { business_hours: hours, kinds: ctx.options.kinds },
      scope: { kind, high_consequence: ctx.agent?.highConsequence ?? [] },
      recommendation: event.approval
        ? `Confirm approval ${event.approval} with ${ctx.agent?.owner ?? 'the agent owner'} and check the payment on ${event.system}.`
        : `Hold the payment on ${event.system}, ask ${ctx.agent?.owner ?? 'the agent owner'} whether it was intended, and suspend ${event.agent.id} if not.`,
    };
  },

  learn(event, ctx) {
    if (event.action !== 'transfer') return;
    const kind = ctx.agent?.kind;
    if (kind === undefined || !ctx.options.kinds.includes(kind)) return;
    const hour = new Date(event.timeMs).getUTCHours();
    if (hour < ctx.options.start_hour || hour >= ctx.options.end_hour) ctx.state.afterHours += 1;
  },
});
