/**
 * The simulator: deterministic per seed, and what it writes is valid and consistent — the
 * registry validates, every event decodes, events are in time order, labels name real agents
 * and windows, and normal traffic stays inside the registered scope and credential limits.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../../src/events/contract.js';
import { decodeLine } from '../../../src/events/native.js';
import { parseRegistry, type Registry } from '../../../src/registry/registry.js';
import { labelSchema, labelsFileSchema, SCENARIO_CLASSES, type Label } from '../../../src/simulate/labels.js';
import { generateProfiles } from '../../../src/simulate/profiles.js';
import { Random } from '../../../src/simulate/random.js';
import { attackStart, planScenarios } from '../../../src/simulate/scenarios.js';
import { simulate, type SimulateOptions, type SimulateResult } from '../../../src/simulate/simulate.js';

interface Run {
  result: SimulateResult;
  lines: string[];
  digest: string;
}

async function run(options: SimulateOptions): Promise<Run> {
  const chunks: string[] = [];
  const result = await simulate(options, (chunk) => {
    chunks.push(chunk);
  });
  const text = chunks.join('');
  const digest = createHash('sha256').update(text).update(result.registry).update(JSON.stringify(result.labels)).digest('hex');
  return { result, lines: text.split('\n').filter((line) => line.length > 0), digest };
}

const OPTIONS: SimulateOptions = { agents: 20, days: 10, seed: 7 };

describe('Random', () => {
  it('gives the same stream for the same seed and labels, another for others', () => {
    const a = new Random(1, 'x', 2);
    const b = new Random(1, 'x', 2);
    const c = new Random(1, 'x', 3);
    const first = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(first);
    for (const value of first) expect(value >= 0 && value < 1).toBe(true);
  });

  it('draws heavy-tailed and bounded values as asked', () => {
    const rng = new Random(9, 'dist');
    const values = Array.from({ length: 2000 }, () => rng.pareto(1, 1.5));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...values)).toBeGreaterThan(20);
    const ints = Array.from({ length: 2000 }, () => rng.int(3, 5));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5]));
    expect(rng.hex(40)).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('simulate', () => {
  let base: Run;
  let registry: Registry;
  let events: AgentEvent[];
  let labels: Label[];

  beforeAll(async () => {
    base = await run(OPTIONS);
    const parsed = parseRegistry(base.result.registry, 'registry.yaml');
    if (!parsed.ok) throw new Error(`registry does not validate: ${JSON.stringify(parsed.errors)}`);
    registry = parsed.registry;
    events = base.lines.map((line, index) => {
      const decoded = decodeLine(line);
      if (!decoded.ok) throw new Error(`line ${index + 1} does not decode: ${decoded.reason}\n${line}`);
      return decoded.event;
    });
    labels = base.result.labels.scenarios;
  }, 60_000);

  it('is deterministic per seed and differs between seeds', async () => {
    const again = await run(OPTIONS);
    expect(again.digest).toBe(base.digest);
    const other = await run({ ...OPTIONS, seed: 8 });
    expect(other.digest).not.toBe(base.digest);
    expect(other.lines[0]).not.toBe(base.lines[0]);
  }, 60_000);

  it('writes a registry that validates, with every agent registered', () => {
    expect(registry.size).toBe(OPTIONS.agents);
    for (const agent of registry.agents) {
      expect(agent.owner).toBeTruthy();
      expect(agent.custodian).toBeTruthy();
      expect(agent.scope.systems.length).toBeGreaterThan(0);
    }
  });

  it('writes events that all decode, with unique ids, in global time order', () => {
    expect(events.length).toBe(base.result.events);
    expect(events.length).toBeGreaterThan(1000);
    const ids = new Set(events.map((event) => event.id));
    expect(ids.size).toBe(events.length);
    const backwards = events.filter((event, i) => i > 0 && event.timeMs < events[i - 1]!.timeMs);
    expect(backwards).toEqual([]);
    const start = Date.parse(base.result.labels.start);
    const end = Date.parse(base.result.labels.end);
    expect(events[0]!.timeMs).toBeGreaterThanOrEqual(start);
    expect(events.at(-1)!.timeMs).toBeLessThan(end);
    const types = new Set(events.map((event) => event.type));
    expect(types).toEqual(new Set(['tool_use', 'token_issued', 'access_denied']));
  });

  it('uses credential fingerprints only, never raw tokens', () => {
    const pattern = /^sha256:[0-9a-f]{40}$/;
    const fingerprints = events.flatMap((event) => (event.type === 'token_issued' ? [event.token.fingerprint] : event.type === 'tool_use' && event.token !== undefined ? [event.token] : []));
    expect(fingerprints.length).toBeGreaterThan(100);
    expect(fingerprints.filter((value) => !pattern.test(value))).toEqual([]);
  });

  it('writes labels that validate and are consistent with the registry and the events', () => {
    const file = labelsFileSchema.parse(JSON.parse(JSON.stringify(base.result.labels)));
    expect(file.agents).toBe(OPTIONS.agents);
    expect(file.days).toBe(OPTIONS.days);
    const attacks = labels.filter((label) => !label.benign);
    expect(new Set(attacks.map((label) => label.scenario))).toEqual(new Set(SCENARIO_CLASSES));
    expect(new Set(attacks.map((label) => label.agent)).size).toBe(attacks.length);
    const attackFrom = Date.parse(file.attack_from!);
    for (const label of labels) {
      const start = Date.parse(label.start);
      const end = Date.parse(label.end);
      expect(start).toBeLessThanOrEqual(end);
      expect(start).toBeGreaterThanOrEqual(attackFrom);
      expect(label.expected_detectors.length > 0).toBe(!label.benign);
      const inWindow = events.filter((event) => event.agent.id === label.agent && event.timeMs >= start && event.timeMs <= end);
      expect(inWindow.length).toBeGreaterThan(0);
      expect(inWindow.some((event) => event.timeMs === start)).toBe(true);
      const entry = registry.get(label.agent);
      if (label.scenario === 'shadow-agent') expect(entry).toBeUndefined();
      else expect(entry).toBeDefined();
      if (label.scenario === 'retired-agent-active') {
        expect(entry!.status).toBe('retired');
        expect(events.some((event) => event.agent.id === label.agent && event.timeMs < start)).toBe(false);
      }
      for (const related of label.related_agents) expect(registry.get(related)).toBeDefined();
    }
    expect(labels.filter((label) => label.benign && label.scenario === 'benign-drift').length).toBeGreaterThanOrEqual(1);
  });

  it('keeps normal traffic inside the registered scope, credential limits and approvals', () => {
    const attackWindows = labels
      .filter((label) => !label.benign)
      .flatMap((label) => [label.agent, ...label.related_agents].map((agent) => ({ agent, start: Date.parse(label.start), end: Date.parse(label.end) })));
    const underAttack = (event: AgentEvent) => attackWindows.some((window) => window.agent === event.agent.id && event.timeMs >= window.start && event.timeMs <= window.end);
    const problems: string[] = [];
    const check = (ok: boolean, event: AgentEvent, what: string) => {
      if (!ok && problems.length < 20) problems.push(`${event.id} (${event.agent.id}): ${what}`);
    };
    let checked = 0;
    for (const event of events) {
      if (underAttack(event)) continue;
      const agent = registry.get(event.agent.id);
      if (agent === undefined) {
        check(false, event, 'unregistered agent outside a shadow-agent scenario');
        continue;
      }
      check(agent.status === 'active', event, `acts while ${agent.status}`);
      if (event.type === 'tool_use') {
        check(agent.allows.system(event.system), event, `system ${event.system} out of scope`);
        check(agent.allows.tool(event.tool), event, `tool ${event.tool} out of scope`);
        check(agent.allows.action(event.action), event, `action ${event.action} out of scope`);
        if (agent.isHighConsequence(event.tool, event.action)) check(event.approval !== undefined, event, `${event.tool} without approval`);
        checked++;
      }
      if (event.type === 'token_issued') {
        check(event.token.ttl_s! * 1000 <= (agent.credentials.maxTtlMs ?? 3_600_000), event, `ttl ${event.token.ttl_s}`);
        check(agent.credentials.grants?.includes(event.token.grant!) === true, event, `grant ${event.token.grant}`);
        check(agent.allows.audience(event.token.audience!), event, `audience ${event.token.audience}`);
      }
      if (event.chain !== undefined) {
        const chain = event.chain;
        check(chain[0] === event.principal && registry.get(chain[0]!) === undefined, event, 'chain root is not the human principal');
        check(chain.at(-1) === event.agent.id, event, 'chain does not end with the agent');
        if (chain.length === 3) check(registry.get(chain[1]!)?.allows.delegateTo(event.agent.id) === true, event, `${chain[1]} may not delegate to it`);
        check(chain.length - 1 <= (agent.delegation?.maxDepth ?? 99), event, `depth ${chain.length - 1}`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
  });

  it('moves a tool-mix takeover to tools the agent rarely used before, as its label says', () => {
    const start = Date.parse('2026-03-02T00:00:00Z');
    const end = start + 14 * 86_400_000;
    for (const seed of [1, 2, 3]) {
      const profiles = generateProfiles({ seed, agents: 500, start, days: 14, retiredForScenarios: 0 });
      const plan = planScenarios(profiles, { seed, start, end, attackFrom: attackStart(start, 14), perClass: 10, benignDrift: 0, classes: ['tool-mix-takeover'] });
      expect(plan.scenarios).toHaveLength(10);
      for (const scenario of plan.scenarios) {
        const own = profiles.find((profile) => profile.id === scenario.agent)!.tools.filter((tool) => !tool.hc);
        const total = own.reduce((sum, tool) => sum + tool.weight, 0);
        const taken = scenario.override!.value.tools.filter((tool) => tool.weight >= 0.25 && own.some((mine) => mine.spec.name === tool.spec.name));
        expect(taken.length, scenario.description).toBeGreaterThan(0);
        for (const tool of taken) {
          const usual = own.find((mine) => mine.spec.name === tool.spec.name)!.weight / total;
          expect(usual, `${scenario.description}: ${tool.spec.name}`).toBeLessThan(0.1);
        }
      }
    }
  });

  it('keeps access reviews recent for active agents', () => {
    const end = Date.parse(base.result.labels.end);
    for (const agent of registry.agents) {
      if (agent.status !== 'active') continue;
      expect(end - agent.reviewedMs!).toBeLessThan(agent.reviewMaxAgeMs);
    }
  });

  it('shows office hours, weekends and heavy tails in the traffic', () => {
    const assistants = new Set(registry.agents.filter((agent) => agent.kind === 'assistant').map((agent) => agent.id));
    let weekday = 0;
    let weekend = 0;
    for (const event of events) {
      if (!assistants.has(event.agent.id)) continue;
      const day = new Date(event.timeMs).getUTCDay();
      if (day === 0 || day === 6) weekend++;
      else weekday++;
    }
    // Ten days from a Monday: eight weekdays, two weekend days.
    expect(weekday / 8).toBeGreaterThan((5 * weekend) / 2);
    const perAgent = new Map<string, number>();
    for (const event of events) if (event.type === 'tool_use') perAgent.set(event.agent.id, (perAgent.get(event.agent.id) ?? 0) + 1);
    const counts = [...perAgent.values()].sort((a, b) => a - b);
    expect(counts.at(-1)! / counts[Math.floor(counts.length / 2)]!).toBeGreaterThan(3);
  });

  it('injects scenarios after 60% of a short period', async () => {
    const short = await run({ agents: 12, days: 3, seed: 1, scenariosPerClass: 1, classes: ['confused-deputy', 'denial-probing'] });
    const from = Date.parse(short.result.labels.start) + Math.floor(3 * 0.6 * 24) * 3_600_000;
    expect(short.result.labels.attack_from).toBe(new Date(from).toISOString());
    const attacks = short.result.labels.scenarios.filter((label) => !label.benign);
    expect(attacks.map((label) => label.scenario).sort()).toEqual(['confused-deputy', 'denial-probing']);
    for (const label of attacks) expect(Date.parse(label.start)).toBeGreaterThanOrEqual(from);
  }, 60_000);

  it('accounts for every benign drift asked for: labelled, or reported as not generated', async () => {
    // Twelve agents cannot carry fifteen drifts (and a drift whose agent never uses its new system
    // before the period ends has no events to label): each one missing is reported, none silently dropped.
    const crowded = await run({ agents: 12, days: 3, seed: 1, scenariosPerClass: 1, classes: ['denial-probing'], benignDrift: 15 });
    const labelled = crowded.result.labels.scenarios.filter((label) => label.scenario === 'benign-drift').length;
    const reported = crowded.result.skipped.filter((name) => name === 'benign-drift').length;
    expect(labelled).toBeGreaterThanOrEqual(1);
    expect(reported).toBeGreaterThanOrEqual(1);
    expect(labelled + reported).toBe(15);
  }, 60_000);

  it('refuses impossible options with a usage error', async () => {
    await expect(simulate({ agents: 3, days: 10, seed: 1 }, () => undefined)).rejects.toMatchObject({ code: 'DW_USAGE' });
    await expect(simulate({ agents: 20, days: 0, seed: 1 }, () => undefined)).rejects.toMatchObject({ code: 'DW_USAGE' });
    await expect(simulate({ agents: 20, days: 5, seed: 1, start: '2026-3-1' }, () => undefined)).rejects.toMatchObject({ code: 'DW_USAGE' });
    // Days that do not exist (Date.parse rolled them over to March 2 and 3).
    for (const start of ['2026-02-30', '2026-02-31', '2026-13-01', '1969-12-31']) {
      await expect(simulate({ agents: 20, days: 5, seed: 1, start }, () => undefined), start).rejects.toMatchObject({ code: 'DW_USAGE' });
    }
  });

  it('refuses label times that are not RFC 3339 date-times that exist', () => {
    const label = { id: 'l', scenario: 'scope-creep', agent: 'a', start: '2026-03-01T00:00:00Z', end: '2026-03-02T00:00:00Z', expected_detectors: [] };
    expect(labelSchema.safeParse(label).success).toBe(true);
    for (const end of ['2026-02-30T00:00:00Z', '2026-03-02', '2026-03-02T00:00:00', 'March 2, 2026']) {
      const parsed = labelSchema.safeParse({ ...label, end });
      expect(parsed.success, end).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(['end']);
    }
  });
});
