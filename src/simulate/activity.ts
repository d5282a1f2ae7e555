import type { Intent } from './intent.js';
import type { AgentProfile, AgentTool, PrincipalPool } from './profiles.js';
import type { Random } from './random.js';
import { DAY, HOUR, MINUTE, SECOND, isWeekend, localHour, officeCurve, OFFICE_DAY_WEIGHT } from './time.js';

/**
 * The normal traffic of one agent for one day, by kind: office-hours assistants working in
 * sessions for people, scheduled or 24/7 batch agents, bursty event-driven agents.
 */

export interface ActivityContext {
  readonly rng: Random;
  /** A tool for a call at `time`; `system` asks for one on that system when the agent has one. */
  chooseTool(time: number, system?: string, delegated?: boolean): { tool: AgentTool; tag?: string };
  instance(time: number): string;
  sessionId(prefix: string): string;
}

/** Event-driven agents react to the company's activity: a floor plus the office curve. */
const EVENT_FLOOR = 0.25;
const EVENT_DAY_WEIGHT = EVENT_FLOOR * 24 + (1 - EVENT_FLOOR) * OFFICE_DAY_WEIGHT;
/** Calls per burst of an event-driven agent, on average (Pareto triggers × calls per trigger). */
const CALLS_PER_BURST = 3.8;

/** Relative activity of an agent at a time (peak weekday hour = 1); used to place scripted activity too. */
export function intensity(profile: AgentProfile, time: number): number {
  const hour = localHour(time, profile.tzOffsetMin);
  const weekend = isWeekend(time, profile.tzOffsetMin);
  switch (profile.kind) {
    case 'assistant':
    case 'orchestrator':
      return officeCurve(hour, profile.shift) * (weekend ? profile.weekendFactor : 1);
    case 'event-driven':
      return (EVENT_FLOOR + (1 - EVENT_FLOOR) * officeCurve(hour, profile.shift)) * (weekend ? profile.weekendFactor : 1);
    case 'batch':
      return 1;
  }
}

/** Expected tool calls per hour at a time, for a typical day. */
export function hourlyCalls(profile: AgentProfile, time: number): number {
  switch (profile.kind) {
    case 'assistant':
    case 'orchestrator':
      return (profile.dailyCalls * intensity(profile, time)) / OFFICE_DAY_WEIGHT;
    case 'event-driven':
      return (profile.dailyCalls * intensity(profile, time)) / EVENT_DAY_WEIGHT;
    case 'batch':
      return profile.dailyCalls / 24;
  }
}

function pickPrincipal(rng: Random, pool: PrincipalPool): string {
  return rng.weighted(pool.people, pool.weights);
}

function session(
  out: Intent[],
  ctx: ActivityContext,
  profile: AgentProfile,
  start: number,
  principals: PrincipalPool,
  via: string | undefined,
): void {
  const { rng } = ctx;
  const calls = 1 + rng.geometric(profile.meanSessionCalls - 1);
  const principal = pickPrincipal(rng, principals);
  const chain = via === undefined ? [principal, profile.id] : [principal, via, profile.id];
  const sessionId = ctx.sessionId('s');
  const instance = ctx.instance(start);
  let time = start;
  let focus: string | undefined;
  for (let i = 0; i < calls; i++) {
    const { tool, tag } = ctx.chooseTool(time, focus !== undefined && rng.chance(0.7) ? focus : undefined, via !== undefined);
    focus ??= tool.spec.system;
    out.push({ time: Math.round(time), kind: 'call', tool: tool.spec, hc: tool.hc, session: sessionId, principal, chain, sessionTokens: true, instance, tag });
    time += Math.min(10 * MINUTE, rng.logNormal(10 * SECOND, 1.0));
  }
}

function officeSessions(
  out: Intent[],
  ctx: ActivityContext,
  profile: AgentProfile,
  dayStart: number,
  sessionsPerWeekday: number,
  tzOffsetMin: number,
  principals: PrincipalPool,
  via: string | undefined,
  dayFactor: number,
): void {
  const { rng } = ctx;
  for (let h = 0; h < 24; h++) {
    const hourStart = dayStart + h * HOUR;
    const middle = hourStart + HOUR / 2;
    const weight = officeCurve(localHour(middle, tzOffsetMin), profile.shift) * (isWeekend(middle, tzOffsetMin) ? profile.weekendFactor : 1);
    const count = rng.poisson((sessionsPerWeekday * weight * dayFactor) / OFFICE_DAY_WEIGHT);
    for (let i = 0; i < count; i++) session(out, ctx, profile, hourStart + rng.next() * HOUR, principals, via);
  }
}

function batchDay(out: Intent[], ctx: ActivityContext, profile: AgentProfile, dayStart: number, dayFactor: number): void {
  const { rng } = ctx;
  if (profile.continuous) {
    for (let h = 0; h < 24; h++) {
      const hourStart = dayStart + h * HOUR;
      const hour = localHour(hourStart + HOUR / 2, profile.tzOffsetMin);
      const rate = (profile.dailyCalls / 24) * (1 + 0.25 * Math.sin((2 * Math.PI * (hour - 8)) / 24)) * dayFactor;
      const count = rng.poisson(rate);
      const instance = ctx.instance(hourStart);
      for (let i = 0; i < count; i++) {
        const time = Math.round(hourStart + rng.next() * HOUR);
        const { tool, tag } = ctx.chooseTool(time);
        out.push({ time, kind: 'call', tool: tool.spec, hc: tool.hc, instance, tag });
      }
    }
    return;
  }
  for (const job of profile.jobs) {
    const first = dayStart + job.offsetMs - Math.floor(job.offsetMs / job.periodMs) * job.periodMs;
    for (let runAt = first; runAt < dayStart + DAY; runAt += job.periodMs) {
      if (job.weekdaysOnly && isWeekend(runAt, profile.tzOffsetMin)) continue;
      let time = runAt + rng.uniform(0, Math.min(job.periodMs * 0.05, 3 * MINUTE));
      const heavy = rng.chance(0.02) ? rng.uniform(2, 4) : 1;
      const calls = Math.max(1, Math.round(job.callsPerRun * rng.logNormal(1, 0.25) * heavy * dayFactor));
      const run = ctx.sessionId('run');
      const instance = ctx.instance(time);
      for (let i = 0; i < calls; i++) {
        const pick = rng.weighted(job.tools, job.tools.map((tool) => tool.weight + 0.05));
        const chosen = ctx.chooseTool(time, pick.spec.system);
        const tool = chosen.tag !== undefined ? chosen.tool : pick;
        out.push({ time: Math.round(time), kind: 'call', tool: tool.spec, hc: tool.hc, session: run, instance, tag: chosen.tag });
        time += rng.logNormal(1.5 * SECOND, 0.8);
      }
    }
  }
}

function eventDrivenDay(out: Intent[], ctx: ActivityContext, profile: AgentProfile, dayStart: number, dayFactor: number): void {
  const { rng } = ctx;
  const burstsPerDay = profile.dailyCalls / CALLS_PER_BURST;
  const gapMean = (2 + (profile.index % 7) * 3) * SECOND;
  for (let h = 0; h < 24; h++) {
    const hourStart = dayStart + h * HOUR;
    const weight = intensity(profile, hourStart + HOUR / 2);
    const bursts = rng.poisson((burstsPerDay * weight * dayFactor) / EVENT_DAY_WEIGHT);
    for (let b = 0; b < bursts; b++) {
      let time = hourStart + rng.next() * HOUR;
      const triggers = Math.min(60, Math.floor(rng.pareto(1, 1.6)));
      const instance = ctx.instance(time);
      for (let t = 0; t < triggers; t++) {
        const calls = 1 + rng.geometric(0.8);
        const sessionId = ctx.sessionId('evt');
        let focus: string | undefined;
        let callTime = time;
        for (let c = 0; c < calls; c++) {
          const { tool, tag } = ctx.chooseTool(callTime, focus);
          focus ??= tool.spec.system;
          out.push({ time: Math.round(callTime), kind: 'call', tool: tool.spec, hc: tool.hc, session: sessionId, instance, tag });
          callTime += rng.uniform(0.2, 3) * SECOND;
        }
        time += rng.exponential(gapMean);
      }
    }
  }
}

/** The agent's normal intents whose sessions start on the UTC day beginning at `dayStart`. */
export function normalDay(profile: AgentProfile, ctx: ActivityContext, dayStart: number): Intent[] {
  const out: Intent[] = [];
  const dayFactor = ctx.rng.logNormal(1, 0.3);
  switch (profile.kind) {
    case 'assistant':
    case 'orchestrator':
      officeSessions(out, ctx, profile, dayStart, profile.dailyCalls / profile.meanSessionCalls, profile.tzOffsetMin, profile.principals, undefined, dayFactor);
      break;
    case 'batch':
      batchDay(out, ctx, profile, dayStart, dayFactor);
      break;
    case 'event-driven':
      eventDrivenDay(out, ctx, profile, dayStart, dayFactor);
      break;
  }
  const delegated = profile.delegated;
  if (delegated !== undefined) {
    officeSessions(out, ctx, profile, dayStart, delegated.sessionsPerDay, delegated.tzOffsetMin, delegated.principals, delegated.orchestrator, dayFactor);
  }
  return out;
}
