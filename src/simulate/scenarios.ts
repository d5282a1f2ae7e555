import { compileGlobs } from '../registry/glob.js';
import { SYSTEMS, toolsOf, type ToolSpec } from './catalogue.js';
import { hourlyCalls, intensity } from './activity.js';
import type { Intent } from './intent.js';
import { BENIGN_DRIFT, SCENARIO_CLASSES, type ScenarioClass } from './labels.js';
import type { AgentProfile, AgentTool } from './profiles.js';
import { Random } from './random.js';
import { fingerprint, type ActivityWindow, type ToolOverride } from './stream.js';
import { DAY, HOUR, MINUTE, SECOND, localHour, OFFICE_DAY_WEIGHT } from './time.js';

/**
 * The attacks the simulator injects, each on its own agent, after the baseline period: where,
 * when and how, as scripted intents, tool-mix overrides and activity windows for the streams.
 */

export interface ScenarioPlan {
  readonly id: string;
  readonly scenario: ScenarioClass;
  readonly agent: string;
  readonly related: string[];
  readonly expected: string[];
  readonly description: string;
  readonly scripted: { stream: number; intents: Intent[] }[];
  override?: { stream: number; value: ToolOverride };
  window?: { stream: number; value: ActivityWindow };
}

export interface DriftPlan {
  readonly id: string;
  readonly agent: string;
  readonly stream: number;
  readonly system: string;
  readonly description: string;
}

export interface PlanOptions {
  readonly seed: number;
  readonly start: number;
  readonly end: number;
  /** Scenarios start at or after this time. */
  readonly attackFrom: number;
  readonly perClass: number;
  readonly benignDrift: number;
  readonly classes?: readonly ScenarioClass[];
}

export interface Plan {
  readonly scenarios: ScenarioPlan[];
  readonly drifts: DriftPlan[];
  /** Unregistered agents the shadow-agent scenarios run (stream index = profile index). */
  readonly shadows: AgentProfile[];
  /** Scenarios that found no suitable agent. */
  readonly skipped: string[];
}

const office = (p: AgentProfile): boolean => p.kind === 'assistant' || p.kind === 'orchestrator';
const plainTools = (p: AgentProfile): AgentTool[] => p.tools.filter((tool) => !tool.hc);

/** A time in [from, to] at which the agent is plausibly active (rejection sampling on its activity curve). */
function activeTime(p: AgentProfile, rng: Random, from: number, to: number): number {
  if (to <= from) return Math.round(from);
  let best = from;
  let bestWeight = -1;
  for (let i = 0; i < 500; i++) {
    const t = from + rng.next() * (to - from);
    const weight = intensity(p, t);
    if (rng.next() < weight * 0.95) return Math.round(t);
    if (weight > bestWeight) {
      best = t;
      bestWeight = weight;
    }
  }
  return Math.round(best);
}

/** `count` sorted times from `start` over `duration`, the first one at `start`. */
function spread(rng: Random, start: number, duration: number, count: number): number[] {
  const times = [start];
  for (let i = 1; i < count; i++) times.push(Math.round(start + SECOND + rng.next() * duration));
  return times.sort((a, b) => a - b);
}

interface Actor {
  session: string;
  principal?: string;
  chain?: string[];
  sessionTokens: boolean;
}

/** Who a scripted action runs as: a session for one of the agent's people, or a machine run. */
function actorFor(p: AgentProfile, rng: Random): Actor {
  if (office(p) && p.principals.people.length > 0) {
    const principal = rng.weighted(p.principals.people, p.principals.weights);
    return { session: `s-${rng.hex(12)}`, principal, chain: [principal, p.id], sessionTokens: true };
  }
  return { session: `${p.kind === 'batch' ? 'run' : 'evt'}-${rng.hex(12)}`, sessionTokens: false };
}

function call(time: number, tool: AgentTool | ToolSpec, actor: Actor, tag: string | undefined, extra: Partial<Intent> = {}): Intent {
  const spec = 'spec' in tool ? tool.spec : tool;
  const hc = 'spec' in tool ? tool.hc : false;
  return {
    time,
    kind: 'call',
    tool: spec,
    hc,
    session: actor.session,
    principal: actor.principal,
    chain: actor.chain,
    sessionTokens: actor.sessionTokens,
    tag,
    exact: true,
    ...extra,
  };
}

function meanBytesPerCall(p: AgentProfile): number {
  let weight = 0;
  let bytes = 0;
  for (const tool of p.tools) {
    weight += tool.weight;
    bytes += tool.weight * tool.spec.bytes * Math.exp((tool.spec.sigma * tool.spec.sigma) / 2);
  }
  return (bytes / Math.max(weight, 1e-9)) * p.bytesScale;
}

/** Bytes of a typical call (the medians, without the heavy tails that dominate the mean). */
function typicalBytesPerCall(p: AgentProfile): number {
  let weight = 0;
  let bytes = 0;
  for (const tool of p.tools) {
    weight += tool.weight;
    bytes += tool.weight * tool.spec.bytes;
  }
  return (bytes / Math.max(weight, 1e-9)) * p.bytesScale;
}

/** Peak hourly call rate of the agent on a weekday. */
function peakHourly(p: AgentProfile): number {
  return office(p) ? p.dailyCalls / OFFICE_DAY_WEIGHT : p.kind === 'event-driven' ? p.dailyCalls / 12 : p.dailyCalls / 24;
}

interface Context {
  readonly options: PlanOptions;
  readonly profiles: readonly AgentProfile[];
  /** Agents already given a role (scenario agent, victim, delegator, drift). */
  readonly used: Set<string>;
  readonly takenIds: Set<string>;
  readonly shadows: AgentProfile[];
  readonly from: number;
  readonly to: number;
}

type Builder = (ctx: Context, id: string, rng: Random) => ScenarioPlan | undefined;

function candidates(ctx: Context, filter: (p: AgentProfile) => boolean): AgentProfile[] {
  return ctx.profiles.filter((p) => p.status === 'active' && !ctx.used.has(p.id) && filter(p));
}

function claim(ctx: Context, rng: Random, filter: (p: AgentProfile) => boolean): AgentProfile | undefined {
  const list = candidates(ctx, filter);
  if (list.length === 0) return undefined;
  const chosen = rng.pick(list);
  ctx.used.add(chosen.id);
  return chosen;
}

const scopeCreep: Builder = (ctx, id, rng) => {
  const p = claim(ctx, rng, (a) => a.dailyCalls >= 10);
  if (!p) return undefined;
  const outside = SYSTEMS.filter((system) => !p.scope.systems.includes(system.id));
  const sensitive = outside.filter((system) => system.sensitive);
  const targets = rng.sample(sensitive.length > 0 ? sensitive : outside, rng.int(1, 2)).map((system) => system.id);
  const targetTools = targets.flatMap((system) => {
    const tools = toolsOf(system).filter((tool) => tool.action === 'read');
    return rng.sample(tools.length > 0 ? tools : toolsOf(system), rng.int(1, 2));
  });
  const t0 = activeTime(p, rng, ctx.from, ctx.to - 4 * HOUR);
  const count = rng.int(6, 30);
  const times = spread(rng, t0, rng.uniform(30 * MINUTE, 3 * HOUR), count);
  const actor = actorFor(p, rng);
  const own = plainTools(p);
  const intents: Intent[] = times.map((time, i) => {
    if (i > 0 && own.length > 0 && rng.chance(0.35)) return call(time, rng.weighted(own, own.map((tool) => tool.weight)), actor, id);
    const tool = rng.pick(targetTools);
    if (i > 0 && rng.chance(0.3)) {
      const prefix = tool.name.split('.')[0]!;
      return {
        time,
        kind: 'deny',
        session: actor.session,
        principal: actor.principal,
        chain: actor.chain,
        tag: id,
        deny: { system: tool.system, action: tool.action, tool: tool.name, policy: `${prefix}.entitlements`, reason: `client is not entitled to ${tool.system}` },
      };
    }
    return call(time, tool, actor, id);
  });
  return {
    id,
    scenario: 'scope-creep',
    agent: p.id,
    related: [],
    expected: ['scope-violation', 'first-seen-system', 'first-seen-tool', 'token-escalation'],
    description: `${p.id} starts using ${targets.join(' and ')} (${[...new Set(targetTools.map((tool) => tool.name))].join(', ')}), outside its registered scope, and obtains tokens for them`,
    scripted: [{ stream: p.index, intents }],
  };
};

const exfiltrationSpike: Builder = (ctx, id, rng) => {
  const p = claim(ctx, rng, (a) => plainTools(a).some((tool) => tool.spec.action === 'read') && a.dailyCalls >= 10);
  if (!p) return undefined;
  const reads = plainTools(p).filter((tool) => tool.spec.action === 'read');
  const t0 = activeTime(p, rng, ctx.from, ctx.to - 2 * HOUR);
  const duration = rng.uniform(10, 45) * MINUTE;
  const actor = actorFor(p, rng);
  const weights = reads.map((tool) => (tool.spec.bulk ? 3 : 1) * (0.2 + tool.weight));
  // The dump moves 3 to 20 times what the agent moves in a whole day, and a dataset worth
  // stealing (20–200 MB) however little the agent usually moves, in well under an hour.
  const dailyBytes = p.dailyCalls * meanBytesPerCall(p);
  const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
  const meanReadMedian = reads.reduce((sum, tool, i) => sum + (weights[i]! / totalWeight) * tool.spec.bytes * p.bytesScale, 0);
  const multiple = rng.uniform(3, 20);
  const total = Math.max(multiple * dailyBytes, rng.uniform(20, 200) * 1024 * 1024);
  // Calls ask for up to 50 times their usual page; beyond that the attacker makes more calls.
  let count = Math.round(rng.int(40, 160) + peakHourly(p) * (duration / HOUR) * rng.uniform(2, 5));
  count = Math.min(2000, Math.max(count, Math.ceil(total / (50 * meanReadMedian))));
  const factor = Math.min(50, Math.max(3, total / (count * meanReadMedian)));
  const intents = spread(rng, t0, duration, count).map((time) => call(time, rng.weighted(reads, weights), actor, id, { bytesFactor: factor * rng.uniform(0.7, 1.3) }));
  const rate = count / (duration / HOUR);
  const expected = ['volume-spike'];
  if (rate >= 4 * Math.max(1, hourlyCalls(p, t0))) expected.push('rate-spike');
  return {
    id,
    scenario: 'exfiltration-spike',
    agent: p.id,
    related: [],
    expected,
    description: `${p.id} reads about ${Math.round((count * factor * meanReadMedian) / 1024 / 1024)} MB in ${count} calls over ${Math.round(duration / MINUTE)} min with ${reads.map((tool) => tool.spec.name).join(', ')}`,
    scripted: [{ stream: p.index, intents }],
  };
};

const slowDrip: Builder = (ctx, id, rng) => {
  const p = claim(ctx, rng, (a) => a.dailyCalls >= 25 && plainTools(a).some((tool) => tool.spec.action === 'read'));
  if (!p) return undefined;
  const reads = plainTools(p).filter((tool) => tool.spec.action === 'read');
  const perCall = typicalBytesPerCall(p);
  // A read tool whose calls are of the size of the agent's usual ones: each extra call looks ordinary.
  const fitting = reads.filter((t) => t.spec.bytes * p.bytesScale <= 3 * perCall);
  const tool = fitting.length > 0 ? rng.pick(fitting) : [...reads].sort((a, b) => a.spec.bytes - b.spec.bytes)[0]!;
  const latestStart = Math.max(ctx.from, ctx.options.end - 3.5 * DAY);
  const t0 = ctx.from + rng.next() * (latestStart - ctx.from);
  const t1 = Math.min(ctx.options.end - HOUR, t0 + rng.uniform(3, 5) * DAY);
  const toolMedian = tool.spec.bytes * p.bytesScale;
  const actorRun = actorFor(p, rng);
  const intents: Intent[] = [];
  for (let hour = Math.floor(t0 / HOUR) * HOUR; hour < t1; hour += HOUR) {
    const rate = hourlyCalls(p, hour + HOUR / 2);
    if (rate < 0.5) continue;
    const extra = Math.max(1, rng.poisson(rate * 0.3));
    // The drip grows from half to one and a half times the hour's usual volume.
    const progress = (hour - t0) / Math.max(t1 - t0, 1);
    const target = (0.5 + progress) * rate * perCall;
    const factor = Math.min(50, Math.max(0.1, target / extra / toolMedian));
    for (let i = 0; i < extra; i++) {
      const time = Math.round(Math.max(t0, hour) + rng.next() * HOUR);
      if (time > t1) continue;
      const actor = office(p) ? actorFor(p, rng) : actorRun;
      intents.push(call(time, tool, actor, id, { bytesFactor: factor * rng.uniform(0.7, 1.3) }));
    }
  }
  if (intents.length === 0) return undefined;
  return {
    id,
    scenario: 'slow-drip-exfiltration',
    agent: p.id,
    related: [],
    expected: ['slow-drift'],
    description: `${p.id} reads extra data with ${tool.spec.name} over ${((t1 - t0) / DAY).toFixed(1)} days, growing from 0.5× to 1.5× its usual hourly volume on top of it`,
    scripted: [{ stream: p.index, intents }],
  };
};

const stolenToken: Builder = (ctx, id, rng) => {
  const thief = claim(ctx, rng, () => true);
  if (!thief) return undefined;
  const victim = claim(ctx, rng, (a) => a.id !== thief.id && a.dailyCalls >= 5);
  if (!victim) return undefined;
  const systems = [...new Set(victim.tools.map((tool) => tool.spec.system))];
  const sensitive = systems.filter((system) => SYSTEMS.find((s) => s.id === system)!.sensitive);
  const system = rng.pick(sensitive.length > 0 ? sensitive : systems);
  const victimTools = plainTools(victim).filter((tool) => tool.spec.system === system);
  const tools = victimTools.length > 0 ? victimTools : victim.tools.filter((tool) => tool.spec.system === system);
  const t0 = activeTime(victim, rng, ctx.from, ctx.to - 3 * HOUR);
  const ttlS = victim.tokenTtlS;
  const fp = fingerprint(ctx.options.seed, `${id}/${victim.id}`);
  const victimActor = actorFor(victim, rng);
  const key = victimActor.sessionTokens ? `${victimActor.session}|${system}` : system;
  const grant = victimActor.sessionTokens ? (victim.grants.includes('token_exchange') ? 'token_exchange' : victim.grants[0]!) : victim.grants[0]!;
  const victimIntents: Intent[] = [
    {
      time: t0,
      kind: 'token',
      session: victimActor.session,
      principal: victimActor.principal,
      chain: victimActor.chain,
      token: { audience: system, grant, ttlS, task: victimActor.sessionTokens ? victimActor.session : undefined, fingerprint: fp, cacheKey: key, cacheUntil: t0 + ttlS * 1000 },
    },
  ];
  for (let i = 0, n = rng.int(1, 3); i < n; i++) {
    victimIntents.push(call(t0 + Math.round(rng.uniform(1, 60) * SECOND) + i * 5 * SECOND, rng.pick(tools), victimActor, undefined, { exact: false }));
  }
  const thiefActor = actorFor(thief, rng);
  const first = t0 + rng.uniform(1, 5) * MINUTE;
  const last = t0 + Math.max(2 * MINUTE, ttlS * 1000 * 0.8);
  const thiefIntents = spread(rng, Math.round(first), Math.max(MINUTE, last - first), rng.int(3, 20)).map((time) =>
    call(time, rng.pick(tools), thiefActor, id, { forcedToken: fp }),
  );
  const systemAllowed = compileGlobs(thief.scope.systems);
  const toolAllowed = compileGlobs(thief.scope.tools);
  const expected = ['token-misuse'];
  if (!systemAllowed(system) || tools.some((tool) => !toolAllowed(tool.spec.name) || !thief.scope.actions.includes(tool.spec.action))) expected.push('scope-violation');
  if (!thief.tools.some((tool) => tool.spec.system === system)) expected.push('first-seen-system');
  if (tools.some((tool) => !thief.tools.some((own) => own.spec.name === tool.spec.name))) expected.push('first-seen-tool');
  return {
    id,
    scenario: 'stolen-token',
    agent: thief.id,
    related: [victim.id],
    expected,
    description: `${thief.id} calls ${system} with token ${fp}, issued to ${victim.id}`,
    scripted: [
      { stream: victim.index, intents: victimIntents },
      { stream: thief.index, intents: thiefIntents },
    ],
  };
};

const confusedDeputy: Builder = (ctx, id, rng) => {
  const p = claim(ctx, rng, (a) => a.tools.some((tool) => tool.hc) && a.dailyCalls >= 5);
  if (!p) return undefined;
  const hcTools = p.tools.filter((tool) => tool.hc);
  const t0 = activeTime(p, rng, ctx.from, ctx.to - 2 * HOUR);
  const actor = actorFor(p, rng);
  const own = plainTools(p);
  const inputs = own.filter((tool) => ['mail.read_inbox', 'docs.read', 'ticket.read', 'chat.read_channel', 'crm.read_account'].includes(tool.spec.name));
  const readers = inputs.length > 0 ? inputs : own.filter((tool) => tool.spec.action === 'read');
  const intents: Intent[] = [];
  let time = t0;
  // The untrusted content the injection arrives in: ordinary reads, not part of the label.
  for (let i = 0, n = readers.length > 0 ? rng.int(1, 3) : 0; i < n; i++) {
    intents.push(call(time, rng.pick(readers), actor, undefined, { exact: false }));
    time += Math.round(rng.uniform(3, 40) * SECOND);
  }
  const actions = rng.int(1, 3);
  const used: string[] = [];
  for (let i = 0; i < actions; i++) {
    const tool = rng.pick(hcTools);
    used.push(tool.spec.name);
    intents.push(call(time, tool, actor, id, { noApproval: true, bytesFactor: rng.uniform(1, 5) }));
    time += Math.round(rng.uniform(2, 30) * SECOND);
  }
  return {
    id,
    scenario: 'confused-deputy',
    agent: p.id,
    related: [],
    expected: ['unapproved-high-consequence'],
    description: `${p.id}, steered by injected content, calls ${[...new Set(used)].join(', ')} without a human approval`,
    scripted: [{ stream: p.index, intents }],
  };
};

const delegationAbuse: Builder = (ctx, id, rng) => {
  const p = claim(ctx, rng, (a) => plainTools(a).length > 0 && a.dailyCalls >= 5);
  if (!p) return undefined;
  const delegator = claim(ctx, rng, (a) => a.id !== p.id && office(a) && !(a.delegation?.may_delegate_to ?? []).includes(p.id));
  if (!delegator) return undefined;
  const chainAgents = [delegator.id];
  if (rng.chance(0.3)) {
    const middle = rng.pick(ctx.profiles.filter((a) => a.status === 'active' && a.id !== p.id && a.id !== delegator.id));
    chainAgents.push(middle.id);
  }
  const principal = delegator.principals.people.length > 0 ? rng.weighted(delegator.principals.people, delegator.principals.weights) : delegator.owner;
  const actor: Actor = { session: `s-${rng.hex(12)}`, principal, chain: [principal, ...chainAgents, p.id], sessionTokens: true };
  const t0 = activeTime(p, rng, ctx.from, ctx.to - 2 * HOUR);
  const own = plainTools(p);
  const intents = spread(rng, t0, rng.uniform(5, 40) * MINUTE, rng.int(4, 16)).map((time) => call(time, rng.weighted(own, own.map((tool) => tool.weight + 0.1)), actor, id));
  return {
    id,
    scenario: 'delegation-abuse',
    agent: p.id,
    related: chainAgents,
    expected: ['delegation-violation'],
    description: `${p.id} acts for ${principal} through ${chainAgents.join(' → ')}, a delegation the registry does not allow`,
    scripted: [{ stream: p.index, intents }],
  };
};

const shadowAgent: Builder = (ctx, id, rng) => {
  const bases = ctx.profiles.filter((a) => a.status === 'active' && a.delegated === undefined && a.dailyCalls >= 10);
  if (bases.length === 0) return undefined;
  const base = rng.pick(bases);
  const role = rng.pick(['agent', 'bot', 'assistant', 'worker', 'sync', 'helper']);
  let shadowId = `${base.department}-${base.id.split('-')[1] ?? 'ops'}-${role}`;
  for (let n = 2; ctx.takenIds.has(shadowId); n++) shadowId = `${base.department}-${base.id.split('-')[1] ?? 'ops'}-${role}-${n}`;
  ctx.takenIds.add(shadowId);
  const index = ctx.profiles.length + ctx.shadows.length;
  const r = new Random(ctx.options.seed, 'shadow', index);
  const shadow: AgentProfile = {
    ...base,
    index,
    id: shadowId,
    status: 'active',
    tools: [...base.tools],
    delegated: undefined,
    drift: undefined,
    deployments: [ctx.options.start - DAY],
    replicas: 1,
    dailyCalls: Math.max(30, base.dailyCalls),
    shift: r.uniform(-1, 1),
  };
  ctx.shadows.push(shadow);
  const t0 = activeTime(shadow, rng, ctx.from, ctx.to - 6 * HOUR);
  const t1 = Math.min(ctx.options.end - 30 * MINUTE, t0 + rng.uniform(4 * HOUR, 48 * HOUR));
  const actor = actorFor(shadow, rng);
  const intents = spread(rng, t0, rng.uniform(5, 30) * MINUTE, rng.int(3, 10)).map((time) => call(time, rng.weighted(shadow.tools, shadow.tools.map((tool) => tool.weight)), actor, id, { noApproval: false }));
  return {
    id,
    scenario: 'shadow-agent',
    agent: shadowId,
    related: [],
    expected: ['unregistered-agent'],
    description: `${shadowId}, absent from the registry, works on ${[...new Set(shadow.tools.map((tool) => tool.spec.system))].join(', ')} for ${((t1 - t0) / HOUR).toFixed(1)} h`,
    scripted: [{ stream: index, intents }],
    window: { stream: index, value: { from: t0, to: t1, tag: id } },
  };
};

const retiredActive: Builder = (ctx, id, rng) => {
  const list = ctx.profiles.filter((a) => a.status === 'retired' && !ctx.used.has(a.id));
  if (list.length === 0) return undefined;
  const p = rng.pick(list);
  ctx.used.add(p.id);
  const t0 = activeTime(p, rng, ctx.from, ctx.to - 8 * HOUR);
  const t1 = Math.min(ctx.options.end - 30 * MINUTE, t0 + rng.uniform(1, 8) * HOUR);
  const actor = actorFor(p, rng);
  const intents = spread(rng, t0, rng.uniform(5, 30) * MINUTE, rng.int(3, 8)).map((time) => call(time, rng.weighted(p.tools, p.tools.map((tool) => tool.weight)), actor, id));
  return {
    id,
    scenario: 'retired-agent-active',
    agent: p.id,
    related: [],
    expected: ['inactive-agent'],
    description: `${p.id}, retired in the registry and silent since, acts again for ${((t1 - t0) / HOUR).toFixed(1)} h`,
    scripted: [{ stream: p.index, intents }],
    window: { stream: p.index, value: { from: t0, to: t1, tag: id } },
  };
};

const offHoursTakeover: Builder = (ctx, id, rng) => {
  const p = claim(ctx, rng, (a) => office(a) && a.delegated === undefined && a.principals.people.length > 0 && plainTools(a).length > 0);
  if (!p) return undefined;
  // A night in the agent's own time zone, between 01:00 and 04:30.
  let t0 = ctx.from;
  for (let attempt = 0; attempt < 50; attempt++) {
    const day = Math.floor((ctx.from + rng.next() * Math.max(0, ctx.to - DAY - ctx.from)) / DAY) * DAY;
    const candidate = Math.round(day + (rng.uniform(1, 4.5) * 60 - p.tzOffsetMin) * MINUTE);
    const normalized = candidate < day ? candidate + DAY : candidate;
    if (normalized >= ctx.from && normalized <= ctx.to - 2 * HOUR) {
      t0 = normalized;
      break;
    }
  }
  const duration = rng.uniform(20, 90) * MINUTE;
  const instance = `${p.id}-${rng.alnum(10)}-${rng.alnum(5)}`;
  const own = plainTools(p);
  const weights = own.map((tool) => tool.weight * (tool.spec.action === 'read' ? 2 : 1));
  const sessions = Array.from({ length: rng.int(1, 3) }, () => actorFor(p, rng));
  const intents: Intent[] = spread(rng, t0, duration, rng.int(15, 60)).map((time) =>
    call(time, rng.weighted(own, weights), rng.pick(sessions), id, { instance, bytesFactor: rng.uniform(1, 3) }),
  );
  const expected = ['unusual-time'];
  if (rng.chance(0.45)) {
    const systems = [...new Set(p.tools.map((tool) => tool.spec.system))];
    const tokens = rng.int(8, 16);
    const window = rng.uniform(60, 240) * SECOND;
    for (let i = 0; i < tokens; i++) {
      const actor = actorFor(p, rng);
      const grant = p.grants.includes('token_exchange') ? 'token_exchange' : p.grants[0]!;
      intents.push({
        time: Math.round(t0 - window + (i * window) / tokens),
        kind: 'token',
        session: actor.session,
        principal: actor.principal,
        chain: actor.chain,
        instance,
        tag: id,
        token: { audience: rng.pick(systems), grant, ttlS: p.tokenTtlS, task: grant === 'client_credentials' ? undefined : actor.session },
      });
    }
    expected.push('token-burst');
  }
  const local = localHour(t0, p.tzOffsetMin);
  return {
    id,
    scenario: 'off-hours-takeover',
    agent: p.id,
    related: [],
    expected,
    description: `${p.id}, an office-hours agent, works from a new instance at ${String(Math.floor(local)).padStart(2, '0')}:${String(Math.floor((local % 1) * 60)).padStart(2, '0')} local time for ${Math.round(duration / MINUTE)} min`,
    scripted: [{ stream: p.index, intents }],
  };
};

const denialProbing: Builder = (ctx, id, rng) => {
  const p = claim(ctx, rng, (a) => a.dailyCalls >= 5);
  if (!p) return undefined;
  const t0 = activeTime(p, rng, ctx.from, ctx.to - 2 * HOUR);
  const duration = rng.uniform(5, 25) * MINUTE;
  const own = [...new Set(p.tools.map((tool) => tool.spec.system))];
  const others = SYSTEMS.map((system) => system.id).filter((system) => !own.includes(system));
  const probed = [...rng.sample(own, rng.int(1, 2)), ...rng.sample(others, rng.int(3, 8))];
  const actor = actorFor(p, rng);
  const reasons = ['client is not entitled to this system', 'action not permitted by policy', 'missing token scope', 'resource owner mismatch'];
  const count = rng.int(15, 60);
  const intents: Intent[] = spread(rng, t0, duration, count).map((time) => {
    const system = rng.pick(probed);
    const tool = rng.pick(toolsOf(system));
    const action = rng.chance(0.25) ? 'admin' : tool.action;
    const prefix = tool.name.split('.')[0]!;
    return {
      time,
      kind: 'deny',
      session: actor.session,
      principal: actor.principal,
      chain: actor.chain,
      tag: id,
      deny: { system, action, tool: tool.name, policy: `${prefix}.authz`, reason: rng.pick(reasons) },
    };
  });
  const plain = plainTools(p);
  for (let i = 0, n = plain.length > 0 ? rng.int(0, 5) : 0; i < n; i++) {
    intents.push(call(Math.round(t0 + SECOND + rng.next() * duration), rng.pick(plain), actor, id));
  }
  return {
    id,
    scenario: 'denial-probing',
    agent: p.id,
    related: [],
    expected: ['denial-burst'],
    description: `${p.id} is denied ${count} times in ${Math.round(duration / MINUTE)} min across ${probed.length} systems (${probed.join(', ')})`,
    scripted: [{ stream: p.index, intents }],
  };
};

const longLivedToken: Builder = (ctx, id, rng) => {
  const p = claim(ctx, rng, (a) => !office(a) && a.dailyCalls >= 10);
  if (!p) return undefined;
  const counts = new Map<string, number>();
  for (const tool of p.tools) counts.set(tool.spec.system, (counts.get(tool.spec.system) ?? 0) + tool.weight);
  const system = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
  const t0 = activeTime(p, rng, ctx.from, ctx.to - 6 * HOUR);
  const ttlS = rng.pick([7, 30, 90, 365]) * 86_400;
  const until = Math.min(ctx.options.end - 30 * MINUTE, t0 + rng.uniform(6, 36) * HOUR);
  const intents: Intent[] = [
    {
      time: t0,
      kind: 'token',
      tag: id,
      token: { audience: system, grant: p.grants[0]!, ttlS, fingerprint: fingerprint(ctx.options.seed, `${id}/${p.id}`), cacheKey: system, cacheUntil: until },
    },
  ];
  return {
    id,
    scenario: 'long-lived-token',
    agent: p.id,
    related: [],
    expected: ['excessive-token-ttl'],
    description: `${p.id} is issued a token for ${system} valid ${ttlS / 86_400} days (its limit: ${p.maxTtl ?? '1h'}) and uses it instead of refreshing`,
    scripted: [{ stream: p.index, intents }],
  };
};

/** A tool with less than this share of an agent's calls is one it rarely uses. */
const RARELY_USED_SHARE = 0.1;

/** The agent's plain tools it rarely uses, by name. */
function rarelyUsedTools(p: AgentProfile): AgentTool[] {
  const own = plainTools(p);
  const total = own.reduce((sum, tool) => sum + tool.weight, 0);
  return own.filter((tool) => tool.weight < RARELY_USED_SHARE * total).sort((a, b) => a.spec.name.localeCompare(b.spec.name));
}

const toolMixTakeover: Builder = (ctx, id, rng) => {
  const p = claim(ctx, rng, (a) => plainTools(a).length >= 4 && a.dailyCalls >= 40 && a.jobs.length === 0 && rarelyUsedTools(a).length > 0);
  if (!p) return undefined;
  const own = plainTools(p);
  // The agent is put to another use: one or two of its rarely used tools take most of its calls.
  const rare = rarelyUsedTools(p);
  const chosen = rng.sample(rare, rng.int(1, Math.min(2, rare.length)));
  const focusShare = rng.uniform(0.6, 0.8);
  const restWeight = own.filter((tool) => !chosen.includes(tool)).reduce((sum, tool) => sum + tool.weight, 0);
  const tools: AgentTool[] = own.map((tool) =>
    chosen.includes(tool)
      ? { ...tool, weight: focusShare / chosen.length }
      : { ...tool, weight: ((1 - focusShare) * tool.weight) / Math.max(restWeight, 1e-9) },
  );
  const expected = ['tool-mix-drift'];
  const toolAllowed = compileGlobs(p.scope.tools);
  const unused = p.scope.systems
    .flatMap((system) => toolsOf(system))
    .filter((spec) => toolAllowed(spec.name) && p.scope.actions.includes(spec.action) && !spec.sensitive && !p.tools.some((tool) => tool.spec.name === spec.name) && !p.highConsequence.includes(spec.action));
  if (unused.length > 0 && rng.chance(0.4)) {
    tools.push({ spec: rng.pick(unused), weight: 0.25, hc: false });
    expected.push('first-seen-tool');
  }
  // It lasts for a working day or so of the agent's own activity: at least 80 calls expected.
  const t0 = activeTime(p, rng, ctx.from, ctx.to - 12 * HOUR);
  const wanted = Math.max(80, rng.uniform(0.5, 1.2) * p.dailyCalls);
  let t1 = t0;
  for (let expectedCalls = 0; expectedCalls < wanted && t1 < t0 + 2 * DAY; t1 += 10 * MINUTE) expectedCalls += hourlyCalls(p, t1) / 6;
  t1 = Math.min(ctx.options.end - 30 * MINUTE, t1);
  return {
    id,
    scenario: 'tool-mix-takeover',
    agent: p.id,
    related: [],
    expected,
    description: `${p.id} is put to another use for ${((t1 - t0) / HOUR).toFixed(1)} h: ${chosen.map((tool) => tool.spec.name).join(' and ')}, rarely used before, take ${Math.round(focusShare * 100)}% of its calls`,
    scripted: [],
    override: { stream: p.index, value: { from: t0, to: t1, tools, tag: id } },
  };
};

const BUILDERS: Record<ScenarioClass, Builder> = {
  'scope-creep': scopeCreep,
  'exfiltration-spike': exfiltrationSpike,
  'slow-drip-exfiltration': slowDrip,
  'stolen-token': stolenToken,
  'confused-deputy': confusedDeputy,
  'delegation-abuse': delegationAbuse,
  'shadow-agent': shadowAgent,
  'retired-agent-active': retiredActive,
  'off-hours-takeover': offHoursTakeover,
  'denial-probing': denialProbing,
  'long-lived-token': longLivedToken,
  'tool-mix-takeover': toolMixTakeover,
};

/** Classes with the scarcest candidates go first, so they get their agents. */
const PLANNING_ORDER: readonly ScenarioClass[] = [
  'retired-agent-active',
  'shadow-agent',
  'off-hours-takeover',
  'confused-deputy',
  'long-lived-token',
  'tool-mix-takeover',
  'slow-drip-exfiltration',
  'exfiltration-spike',
  'stolen-token',
  'delegation-abuse',
  'scope-creep',
  'denial-probing',
];

/** Calls the agent is expected to make from `from` to `to`. */
function expectedCalls(p: AgentProfile, from: number, to: number): number {
  let calls = 0;
  for (let t = from; t < to; t += 10 * MINUTE) calls += hourlyCalls(p, t) / 6;
  return calls;
}

/**
 * When the agent starts using its newly registered system: an active time after which it still
 * works a day's worth of calls before `to` (an office-hours agent changed on a Friday evening of
 * the last week would otherwise never use it, and the drift would leave no events to label).
 */
function driftStart(p: AgentProfile, rng: Random, from: number, to: number): number {
  for (let attempt = 0; attempt < 20; attempt++) {
    const start = activeTime(p, rng, from, to - DAY);
    if (expectedCalls(p, start, to) >= p.dailyCalls) return start;
  }
  return activeTime(p, rng, from, from + DAY);
}

function planDrift(ctx: Context, id: string, rng: Random): DriftPlan | undefined {
  const p = claim(ctx, rng, (a) => a.delegated === undefined && a.kind !== 'orchestrator' && a.jobs.length === 0 && a.dailyCalls >= 15);
  if (!p) return undefined;
  const outside = SYSTEMS.filter((system) => !p.scope.systems.includes(system.id)).map((system) => system.id);
  const system = rng.pick(outside);
  const hcActions = new Set(p.highConsequence);
  const choices = toolsOf(system).filter((spec) => !spec.sensitive && !hcActions.has(spec.action));
  if (choices.length === 0) {
    ctx.used.delete(p.id);
    return undefined;
  }
  const specs = rng.sample(choices, rng.int(1, Math.min(3, choices.length)));
  const weights = p.tools.map((tool) => tool.weight).sort((a, b) => a - b);
  const median = weights[Math.floor(weights.length / 2)] ?? 1;
  const tools = specs.map((spec) => ({ spec, weight: median * rng.uniform(0.5, 1.5), hc: false }));
  const start = driftStart(p, rng, ctx.from, ctx.to);
  p.drift = { start, tools, system };
  // The registry written out is the final state: it already lists the new system and tools.
  p.scope.systems.push(system);
  const prefix = specs[0]!.name.split('.')[0]!;
  const sharedPrefix = SYSTEMS.filter((s) => s.prefix === prefix).length > 1;
  if (sharedPrefix || rng.chance(0.5)) p.scope.tools.push(...specs.map((spec) => spec.name));
  else p.scope.tools.push(`${prefix}.*`);
  for (const spec of specs) if (!p.scope.actions.includes(spec.action)) p.scope.actions.push(spec.action);
  p.scope.actions.sort();
  return {
    id,
    agent: p.id,
    stream: p.index,
    system,
    description: `registry change adds ${system} (${specs.map((spec) => spec.name).join(', ')}) to ${p.id}, which starts using it`,
  };
}

/** Start of the attack period: after 7 days when there are at least 10, else after 60% of the period. */
export function attackStart(start: number, days: number): number {
  return days >= 10 ? start + 7 * DAY : start + Math.floor(days * 0.6 * 24) * HOUR;
}

export function planScenarios(profiles: readonly AgentProfile[], options: PlanOptions): Plan {
  const ctx: Context = {
    options,
    profiles,
    used: new Set(),
    takenIds: new Set(profiles.map((p) => p.id)),
    shadows: [],
    from: options.attackFrom,
    to: options.end - 2 * HOUR,
  };
  const classes = new Set(options.classes ?? SCENARIO_CLASSES);
  const scenarios: ScenarioPlan[] = [];
  const skipped: string[] = [];
  const perClassIds = new Map<ScenarioClass, number>();
  let serial = 0;
  for (let round = 0; round < options.perClass; round++) {
    for (const scenario of PLANNING_ORDER) {
      if (!classes.has(scenario)) continue;
      const id = `scn-${String(++serial).padStart(3, '0')}`;
      const rng = new Random(options.seed, 'scenario', scenario, round);
      const plan = BUILDERS[scenario](ctx, id, rng);
      if (plan) {
        scenarios.push(plan);
        perClassIds.set(scenario, (perClassIds.get(scenario) ?? 0) + 1);
      } else {
        serial--;
        skipped.push(scenario);
      }
    }
  }
  const drifts: DriftPlan[] = [];
  for (let i = 0; i < options.benignDrift; i++) {
    const plan = planDrift(ctx, `${BENIGN_DRIFT}-${String(i + 1).padStart(3, '0')}`, new Random(options.seed, 'drift', i));
    if (plan) drifts.push(plan);
    else skipped.push(BENIGN_DRIFT);
  }
  return { scenarios, drifts, shadows: ctx.shadows, skipped };
}
