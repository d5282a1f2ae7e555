import {
  COMPANY_DOMAIN,
  DEPARTMENTS,
  FIRST_NAMES,
  LAST_NAMES,
  ROLE_WORDS,
  SYSTEMS,
  TIME_ZONES,
  toolsOf,
  type Department,
  type ToolSpec,
} from './catalogue.js';
import { Random } from './random.js';
import { DAY, HOUR, MINUTE, isoDate } from './time.js';

/** Who each simulated agent is, what it is registered for, and how it behaves. */

export type AgentKind = 'assistant' | 'orchestrator' | 'batch' | 'event-driven';
export type AgentStatus = 'active' | 'suspended' | 'retired';

export interface AgentTool {
  readonly spec: ToolSpec;
  /** Relative frequency in the agent's normal traffic. */
  readonly weight: number;
  /** Listed as high-consequence for this agent: normal calls carry an approval reference. */
  readonly hc: boolean;
}

export interface BatchJob {
  readonly periodMs: number;
  /** Offset of the first run from local midnight. */
  readonly offsetMs: number;
  readonly callsPerRun: number;
  readonly tools: readonly AgentTool[];
  readonly weekdaysOnly: boolean;
}

export interface PrincipalPool {
  readonly people: readonly string[];
  readonly weights: readonly number[];
}

export interface DelegatedWork {
  readonly orchestrator: string;
  readonly tzOffsetMin: number;
  readonly principals: PrincipalPool;
  /** Delegated sessions on a typical weekday. */
  readonly sessionsPerDay: number;
}

export interface AgentProfile {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly kind: AgentKind;
  readonly department: string;
  readonly owner: string;
  readonly custodian: string;
  readonly purpose: string;
  status: AgentStatus;
  readonly reviewed: string;
  readonly tzOffsetMin: number;
  /** Hours by which this agent's working day is shifted from the office curve. */
  readonly shift: number;
  readonly weekendFactor: number;
  /** Tools of the normal traffic. */
  tools: AgentTool[];
  readonly scope: { systems: string[]; tools: string[]; actions: string[] };
  readonly highConsequence: string[];
  delegation?: { max_depth?: number; may_delegate_to: string[] };
  /** Written to the registry; undefined: the defaults' 1h applies. */
  readonly maxTtl?: string;
  readonly maxTtlS: number;
  readonly grants: readonly string[];
  readonly tokenTtlS: number;
  /** The exporter puts the credential fingerprint on tool_use events. */
  readonly sendsToken: boolean;
  /** Tool calls on a typical (week)day. */
  readonly dailyCalls: number;
  readonly meanSessionCalls: number;
  readonly principals: PrincipalPool;
  readonly replicas: number;
  /** Deployment times: each one starts a new generation of instance names. */
  readonly deployments: readonly number[];
  readonly denialRate: number;
  readonly errorRate: number;
  readonly bytesScale: number;
  readonly jobs: readonly BatchJob[];
  /** A 24/7 service (batch kind) rather than scheduled jobs. */
  readonly continuous: boolean;
  delegated?: DelegatedWork;
  /** Benign drift: from `start`, the agent also uses these tools (their system was added to its scope). */
  drift?: { start: number; tools: AgentTool[]; system: string };
}

export interface ProfileOptions {
  seed: number;
  agents: number;
  start: number;
  days: number;
  /** How many extra registry entries are retired agents that a scenario brings back. */
  retiredForScenarios: number;
}

const ACTION_AFFINITY: Record<'assistant' | 'batch' | 'event-driven', Record<string, number>> = {
  assistant: { read: 0.75, write: 0.4, send: 0.5, delete: 0.1, transfer: 0.3, execute: 0.2, admin: 0.1 },
  batch: { read: 0.6, write: 0.55, send: 0.15, delete: 0.1, transfer: 0.1, execute: 0.15, admin: 0.05 },
  'event-driven': { read: 0.65, write: 0.5, send: 0.4, delete: 0.15, transfer: 0.2, execute: 0.2, admin: 0.1 },
};

function pickWeighted<T extends { share: number }>(rng: Random, items: readonly T[]): T {
  return rng.weighted(items, items.map((item) => item.share));
}

/** People of the company, per department: owners and the principals agents act for. */
export function peoplePools(seed: number, agents: number): Map<string, string[]> {
  const rng = new Random(seed, 'people');
  const used = new Set<string>();
  const pools = new Map<string, string[]>();
  const perDepartment = Math.max(12, Math.min(400, Math.round(agents * 0.6)));
  for (const department of DEPARTMENTS) {
    const people: string[] = [];
    for (let i = 0; i < perDepartment; i++) {
      let email = '';
      for (let attempt = 0; attempt < 20; attempt++) {
        const base = `${rng.pick(FIRST_NAMES)}.${rng.pick(LAST_NAMES)}`;
        email = attempt < 10 ? `${base}@${COMPANY_DOMAIN}` : `${base}${rng.int(2, 99)}@${COMPANY_DOMAIN}`;
        if (!used.has(email)) break;
      }
      used.add(email);
      people.push(email);
    }
    pools.set(department.id, people);
  }
  return pools;
}

function chooseTools(rng: Random, kind: AgentKind, systems: readonly string[]): ToolSpec[] {
  const affinityKind = kind === 'orchestrator' ? 'assistant' : kind;
  const chosen: ToolSpec[] = [];
  for (const system of systems) {
    const candidates = toolsOf(system);
    const picked = candidates.filter((spec) => {
      let p = ACTION_AFFINITY[affinityKind][spec.action] ?? 0.1;
      if (spec.bulk) p *= kind === 'batch' ? 1.5 : 0.3;
      if (spec.sensitive) p *= kind === 'batch' ? 0.3 : 0.6;
      return rng.chance(Math.min(0.95, p));
    });
    if (picked.length === 0) {
      const reads = candidates.filter((spec) => spec.action === 'read' && !spec.sensitive);
      picked.push(rng.pick(reads.length > 0 ? reads : candidates));
    }
    chosen.push(...picked);
  }
  return chosen;
}

/** Zipf-like weights over a random ranking; sensitive and bulk tools are rare for interactive agents. */
function weighTools(rng: Random, kind: AgentKind, specs: readonly ToolSpec[], hcNames: ReadonlySet<string>, hcActions: ReadonlySet<string>): AgentTool[] {
  const order = rng.shuffle(specs.map((_, index) => index));
  const exponent = rng.uniform(0.8, 1.4);
  const weights = new Array<number>(specs.length);
  order.forEach((specIndex, rank) => {
    weights[specIndex] = 1 / Math.pow(rank + 1, exponent);
  });
  return specs.map((spec, index) => {
    const hc = hcNames.has(spec.name) || hcActions.has(spec.action);
    let weight = weights[index]!;
    if (hc) weight *= rng.uniform(0.03, 0.1);
    if (spec.bulk && kind !== 'batch') weight *= 0.3;
    return { spec, weight, hc };
  });
}

function ttlText(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600}h` : `${seconds / 60}m`;
}

function buildScope(
  rng: Random,
  department: Department,
  specs: readonly ToolSpec[],
): { systems: string[]; tools: string[]; actions: string[] } {
  const used = [...new Set(specs.map((spec) => spec.system))];
  const systems = [...used];
  if (rng.chance(0.15)) {
    const spare = department.optional.filter((system) => !systems.includes(system));
    if (spare.length > 0) systems.push(rng.pick(spare));
  }
  const tools: string[] = [];
  const actions = new Set(specs.map((spec) => spec.action as string));
  const broadActions = rng.chance(0.3);
  for (const system of systems) {
    const all = toolsOf(system);
    const mine = specs.filter((spec) => spec.system === system);
    const prefix = all[0]!.name.split('.')[0]!;
    const sharedPrefix = SYSTEMS.filter((other) => other.prefix === prefix).length > 1;
    if (!sharedPrefix && (mine.length === 0 || rng.chance(0.55))) {
      tools.push(`${prefix}.*`);
      if (broadActions) for (const spec of all) if (!spec.sensitive) actions.add(spec.action);
    } else {
      const names = mine.length > 0 ? mine.map((spec) => spec.name) : [rng.pick(all).name];
      if (rng.chance(0.2)) {
        const extra = all.filter((spec) => !names.includes(spec.name) && !spec.sensitive);
        if (extra.length > 0) names.push(rng.pick(extra).name);
      }
      tools.push(...names);
      if (mine.length === 0) for (const name of names) actions.add(all.find((spec) => spec.name === name)!.action);
    }
  }
  return { systems, tools, actions: [...actions].sort() };
}

function zipfPool(rng: Random, people: readonly string[], count: number): PrincipalPool {
  const chosen = rng.sample(people, count);
  return { people: chosen, weights: chosen.map((_, rank) => 1 / Math.pow(rank + 1, 0.9)) };
}

function deploymentsFor(rng: Random, start: number, days: number): number[] {
  const times = [start - rng.uniform(1, 20) * DAY];
  let t = times[0]!;
  for (;;) {
    t += rng.logNormal(5, 0.6) * DAY;
    if (t >= start + days * DAY) break;
    // Deployments happen in working hours (Europe-centred release train).
    const dayStart = Math.floor(t / DAY) * DAY;
    times.push(dayStart + rng.uniform(8, 17) * HOUR);
  }
  return times;
}

function makeJobs(rng: Random, tools: readonly AgentTool[], dailyCalls: number, tzOffsetMin: number): BatchJob[] {
  const count = Math.min(tools.length, rng.int(1, 3));
  const shares = Array.from({ length: count }, () => rng.uniform(0.3, 1));
  const total = shares.reduce((sum, share) => sum + share, 0);
  const jobs: BatchJob[] = [];
  for (let i = 0; i < count; i++) {
    const periodMin = rng.weighted([5, 15, 30, 60, 240, 1440], [0.12, 0.2, 0.15, 0.25, 0.1, 0.18]);
    const periodMs = periodMin * MINUTE;
    const offsetMs =
      periodMin === 1440
        ? ((rng.uniform(0.5, 4) * HOUR - tzOffsetMin * MINUTE) % DAY + DAY) % DAY
        : rng.uniform(0, periodMs);
    const runsPerDay = DAY / periodMs;
    const jobTools = rng.sample(tools, rng.int(1, Math.min(4, tools.length)));
    jobs.push({
      periodMs,
      offsetMs,
      callsPerRun: Math.max(1, (dailyCalls * shares[i]!) / total / runsPerDay),
      tools: jobTools,
      weekdaysOnly: rng.chance(0.3),
    });
  }
  return jobs;
}

function uniqueId(base: string, taken: Set<string>): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}

function kindsFor(rng: Random, active: number): AgentKind[] {
  const orchestrators = active >= 10 ? Math.max(1, Math.round(active * 0.05)) : 0;
  const batch = Math.round(active * 0.25);
  const eventDriven = Math.round(active * 0.22);
  const assistants = Math.max(0, active - orchestrators - batch - eventDriven);
  const kinds: AgentKind[] = [
    ...Array<AgentKind>(assistants).fill('assistant'),
    ...Array<AgentKind>(orchestrators).fill('orchestrator'),
    ...Array<AgentKind>(batch).fill('batch'),
    ...Array<AgentKind>(eventDriven).fill('event-driven'),
  ];
  return rng.shuffle(kinds);
}

const PURPOSES: Record<AgentKind, (noun: string, department: string) => string> = {
  assistant: (noun, department) => `Helps ${department} staff with ${noun} work, on their behalf, in working hours`,
  orchestrator: (noun, department) => `Breaks ${department} ${noun} requests into tasks and delegates them to specialised agents`,
  batch: (noun, department) => `Scheduled ${noun} processing for ${department}`,
  'event-driven': (noun, department) => `Reacts to ${department} ${noun} events as they arrive`,
};

/** Generates the company's agents: `agents` registry entries, some of them retired or suspended. */
export function generateProfiles(options: ProfileOptions): AgentProfile[] {
  const { seed, agents, start, days } = options;
  const rng = new Random(seed, 'profiles');
  const pools = peoplePools(seed, agents);
  const inactiveBenign = agents >= 30 ? Math.round(agents * 0.03) : 0;
  const retiredScenario = Math.min(options.retiredForScenarios, Math.max(0, agents - 8));
  const active = agents - inactiveBenign - retiredScenario;
  const kinds = kindsFor(rng, active);
  const inactiveKinds = Array.from({ length: inactiveBenign + retiredScenario }, () =>
    rng.weighted<AgentKind>(['assistant', 'batch', 'event-driven'], [0.4, 0.35, 0.25]),
  );
  const allKinds = [...kinds, ...inactiveKinds];
  const taken = new Set<string>();
  const profiles: AgentProfile[] = [];

  for (let index = 0; index < agents; index++) {
    const r = new Random(seed, 'profile', index);
    const kind = allKinds[index]!;
    const department = pickWeighted(r, DEPARTMENTS);
    const people = pools.get(department.id)!;
    const noun = r.pick(department.nouns);
    const role = r.pick(ROLE_WORDS[kind]);
    const id = uniqueId(`${department.id}-${noun}-${role}`, taken);
    const status: AgentStatus = index < active ? 'active' : index < active + retiredScenario ? 'retired' : r.chance(0.6) ? 'retired' : 'suspended';

    // Systems: the department's core ones, some optional ones, now and then one from elsewhere.
    const systems = [...department.core];
    const optionalCount = kind === 'batch' ? r.int(0, 1) : r.int(0, 3);
    for (const system of r.sample(department.optional, optionalCount)) systems.push(system);
    if (r.chance(0.1)) {
      const other = r.pick(DEPARTMENTS.filter((d) => d.id !== department.id));
      const system = r.pick(other.core);
      if (!systems.includes(system)) systems.push(system);
    }
    const specs = chooseTools(r, kind, systems);
    const hcActions = new Set<string>();
    if (specs.some((spec) => spec.action === 'transfer')) hcActions.add('transfer');
    if (r.chance(0.5)) hcActions.add('delete');
    const hcNames = new Set(specs.filter((spec) => spec.sensitive && !hcActions.has(spec.action)).map((spec) => spec.name));
    const tools = weighTools(r, kind, specs, hcNames, hcActions);
    const scope = buildScope(r, department, specs);

    const machine = kind === 'batch' || kind === 'event-driven';
    const ttlChoices = kind === 'batch' ? [1800, 3600, 7200, 14400] : [900, 1800, 3600];
    const explicitTtl = r.chance(0.9);
    const maxTtlS = explicitTtl ? r.pick(ttlChoices) : 3600;
    const grants = machine ? ['client_credentials'] : r.chance(0.6) ? ['token_exchange', 'refresh_token'] : ['token_exchange'];
    const tokenTtlS = r.chance(0.65) ? maxTtlS : maxTtlS / 2;

    const medianCalls = { assistant: 90, orchestrator: 60, batch: 220, 'event-driven': 110 }[kind];
    const dailyCalls = Math.min(6000, Math.max(6, r.logNormal(medianCalls, 0.95)));
    const tz = machine && kind === 'batch' ? r.pick([0, 60]) : pickWeighted(r, TIME_ZONES).offsetMin;
    const principalCount = machine ? 0 : Math.min(80, Math.max(1, Math.round(r.pareto(2, 1.1))));
    const reviewAgeDays = r.int(3, Math.max(4, 80 - days));
    const continuous = kind === 'batch' && r.chance(0.35);

    const profile: AgentProfile = {
      index,
      id,
      name: `${noun[0]!.toUpperCase()}${noun.slice(1)} ${role} (${department.id})`,
      kind,
      department: department.id,
      owner: r.pick(people),
      custodian: r.pick(department.teams),
      purpose: PURPOSES[kind](noun, department.id),
      status,
      reviewed: isoDate(start - reviewAgeDays * DAY),
      tzOffsetMin: tz,
      shift: r.uniform(-1, 1),
      weekendFactor: kind === 'event-driven' ? r.uniform(0.3, 0.6) : r.uniform(0.02, 0.12),
      tools,
      scope,
      highConsequence: [...[...hcActions].sort(), ...[...hcNames].sort()],
      delegation: machine ? undefined : r.chance(0.6) ? { max_depth: 1, may_delegate_to: [] } : undefined,
      maxTtl: explicitTtl ? ttlText(maxTtlS) : undefined,
      maxTtlS,
      grants,
      tokenTtlS,
      sendsToken: r.chance(0.85),
      dailyCalls,
      meanSessionCalls: r.uniform(3, 10),
      principals: zipfPool(r, people, principalCount),
      replicas: kind === 'batch' ? r.int(1, 2) : kind === 'event-driven' ? r.int(1, 6) : r.int(2, 4),
      deployments: deploymentsFor(r, start, days),
      denialRate: Math.min(0.02, r.logNormal(0.002, 0.8)),
      errorRate: Math.min(0.04, r.logNormal(0.008, 0.7)),
      bytesScale: r.logNormal(1, 0.5),
      jobs: kind === 'batch' && !continuous ? makeJobs(r, tools, dailyCalls, tz) : [],
      continuous,
    };
    profiles.push(profile);
  }
  linkOrchestrators(new Random(seed, 'delegation'), profiles);
  return profiles;
}

/** Each orchestrator delegates to one to three assistants; its scope covers what they do for it. */
function linkOrchestrators(rng: Random, profiles: AgentProfile[]): void {
  const assistants = profiles.filter((profile) => profile.kind === 'assistant' && profile.status === 'active');
  const free = new Set(assistants.map((profile) => profile.id));
  for (const orchestrator of profiles) {
    if (orchestrator.kind !== 'orchestrator' || orchestrator.status !== 'active') continue;
    const sameDepartment = assistants.filter((profile) => free.has(profile.id) && profile.department === orchestrator.department);
    const pool = sameDepartment.length > 0 ? sameDepartment : assistants.filter((profile) => free.has(profile.id));
    const delegates = rng.sample(pool, rng.int(1, 3));
    if (delegates.length === 0) continue;
    const orchestratorSessions = orchestrator.dailyCalls / orchestrator.meanSessionCalls;
    for (const delegate of delegates) {
      free.delete(delegate.id);
      delegate.delegation = { max_depth: 2, may_delegate_to: [] };
      delegate.delegated = {
        orchestrator: orchestrator.id,
        tzOffsetMin: orchestrator.tzOffsetMin,
        principals: orchestrator.principals,
        sessionsPerDay: (orchestratorSessions * rng.uniform(0.3, 0.7)) / delegates.length,
      };
      for (const system of delegate.scope.systems) if (!orchestrator.scope.systems.includes(system)) orchestrator.scope.systems.push(system);
      for (const tool of delegate.scope.tools) if (!orchestrator.scope.tools.includes(tool)) orchestrator.scope.tools.push(tool);
      for (const action of delegate.scope.actions) if (!orchestrator.scope.actions.includes(action)) orchestrator.scope.actions.push(action);
    }
    orchestrator.scope.actions.sort();
    orchestrator.delegation = { max_depth: 1, may_delegate_to: delegates.map((delegate) => delegate.id) };
  }
}
