import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { Alert } from '../../../src/alerts/alert.js';
import { configureDetector, type DetectorSettings } from '../../../src/engine/configured-detector.js';
import { Engine, type DetectorFailure, type EngineOptions, type EngineOutput } from '../../../src/engine/engine.js';
import { restoreAgent, restoreEngine, snapshotAgent, snapshotEngine, type EngineSnapshot } from '../../../src/engine/snapshot.js';
import { isDriftwatchError } from '../../../src/errors.js';
import { redactedJson } from '../../../src/redaction.js';
import type { AgentEvent } from '../../../src/events/contract.js';
import { parseRegistry, type Registry } from '../../../src/registry/registry.js';
import { defineDetector, z, type AnyDetector } from '../../../src/sdk/index.js';
import { everyEvent, outOfScope, widen } from '../../fixtures/core/detectors.js';
import { HOUR, MINUTE, T0, accessDenied, at, tokenIssued, toolUse } from '../../fixtures/core/events.js';

const REGISTRY_YAML = `agents:
  - id: invoice-bot
    name: Invoice reconciliation agent
    owner: alice@corp.example
    custodian: team-payments
    scope: { systems: [erp-prod, "mail-*"], tools: ["erp.*"], actions: [read, send] }
  - id: report-writer
    owner: bob@corp.example
    custodian: team-reports
    scope: { systems: [warehouse], actions: [read] }
`;

function registry(): Registry {
  const result = parseRegistry(REGISTRY_YAML, 'registry.yaml');
  if (!result.ok) throw new Error('test registry invalid');
  return result.registry;
}

const emptyOutput = (): EngineOutput => ({ alerts: [], dryRun: [] });

function run(engine: Engine, events: readonly AgentEvent[]): EngineOutput {
  const output = emptyOutput();
  for (const event of events) engine.process(structuredClone(event), output);
  return output;
}

/** A token-misuse-like detector: a tool use with a token issued to another agent. Uses the engine's token ledger. */
const borrowedToken = defineDetector({
  id: 'test-borrowed-token',
  version: '2.1.0',
  description: 'a token used by an agent it was not issued to',
  eventTypes: ['tool_use'],
  maturity: 'stable',
  techniques: [],
  severity: 'critical',
  options: z.strictObject({}),
  createState: () => ({}),
  score(event, ctx) {
    if (event.token === undefined) return undefined;
    const grant = ctx.tokens.get(event.token);
    if (grant === undefined || grant.agentId === event.agent.id) return undefined;
    return {
      key: `token:${event.token}`,
      title: 'borrowed token',
      summary: `${event.agent.id} used a token issued to ${grant.agentId} by ${grant.eventId}`,
      score: 95,
      observed: { token: event.token },
      expected: { agent: grant.agentId },
      evidence: [grant.eventId],
      recommendation: `revoke ${event.token}`,
    };
  },
});

/** A windowed detector: more than N denials in a tumbling 10-minute window (state: the window's count). */
const denialBurst = defineDetector({
  id: 'test-denial-burst',
  version: '1.0.0',
  description: 'a burst of access denials',
  eventTypes: ['access_denied'],
  maturity: 'incubating',
  techniques: [],
  severity: 'medium',
  options: z.strictObject({ threshold: z.number().int().positive().default(3) }),
  createState: () => ({ windowStart: 0, count: 0 }),
  score(event, ctx) {
    const start = Math.floor(ctx.now / (10 * MINUTE)) * 10 * MINUTE;
    const count = (ctx.state.windowStart === start ? ctx.state.count : 0) + 1;
    if (count <= ctx.options.threshold) return undefined;
    return {
      key: `burst:${event.system}`,
      title: 'denial burst',
      summary: `${count} denials`,
      score: Math.min(100, count * 10),
      observed: { count },
      expected: { max: ctx.options.threshold },
      recommendation: 'investigate',
      window: { start, end: start + 10 * MINUTE },
    };
  },
  learn(_event, ctx) {
    const start = Math.floor(ctx.now / (10 * MINUTE)) * 10 * MINUTE;
    if (ctx.state.windowStart !== start) {
      ctx.state.windowStart = start;
      ctx.state.count = 0;
    }
    ctx.state.count += 1;
  },
});

function standardDetectors(): ReturnType<typeof configureDetector>[] {
  return [
    configureDetector(widen(outOfScope)),
    configureDetector(widen(everyEvent), { suppress_for: '30m' }),
    configureDetector(widen(borrowedToken)),
    configureDetector(widen(denialBurst), { options: { threshold: 1 } }),
  ];
}

function newEngine(options: EngineOptions = {}): Engine {
  return new Engine(standardDetectors(), { registry: registry(), ...options });
}

/** Mulberry32: a seeded stream so the workload is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A day of mixed activity for three agents (one unregistered), with tokens lent between agents. */
function workload(seed: number, count = 600): AgentEvent[] {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const agents = ['invoice-bot', 'report-writer', 'ghost-agent'];
  const systems = ['erp-prod', 'mail-internal', 'warehouse', 'hr-prod', 'crm'];
  const tokens: string[] = [];
  const events: AgentEvent[] = [];
  let time = T0;
  for (let i = 0; i < count; i++) {
    time += Math.floor(random() * 4 * MINUTE);
    const agent = pick(agents);
    const id = `w${seed}-${i}`;
    const roll = random();
    if (roll < 0.1) {
      const fingerprint = `sha256:${(seed * 1000 + i).toString(16).padStart(20, '0')}`;
      tokens.push(fingerprint);
      events.push(tokenIssued({ id, time: new Date(time).toISOString(), agent: { id: agent }, token: { fingerprint, ttl_s: 3600 } }));
    } else if (roll < 0.3) {
      events.push(accessDenied({ id, time, agent: { id: agent }, system: pick(systems) }));
    } else {
      const token = tokens.length > 0 && random() < 0.3 ? pick(tokens) : undefined;
      events.push(toolUse({ id, time: new Date(time).toISOString(), agent: { id: agent, session: `s${i % 7}` }, system: pick(systems), tool: 'erp.read', ...(token ? { token } : {}) }));
    }
  }
  return events;
}

describe('determinism', () => {
  it('two fresh engines give identical alerts, ids included, for the same events', () => {
    const events = workload(7);
    const first = run(newEngine(), events);
    const second = run(newEngine(), events);
    expect(first.alerts.length).toBeGreaterThan(20);
    expect(new Set(first.alerts.map((a) => a.detector))).toEqual(new Set(['test-out-of-scope', 'test-every-event', 'test-borrowed-token', 'test-denial-burst']));
    expect(second).toEqual(first);
    expect(JSON.stringify(second.alerts)).toBe(JSON.stringify(first.alerts));
    expect(new Set(first.alerts.map((a) => a.id)).size).toBe(first.alerts.length);
    for (const alert of first.alerts) expect(alert.id).toMatch(/^dw-[0-9a-f]{32}$/);
  });

  it('alert ids depend on detector, agent, key and window only', () => {
    const a = run(newEngine(), [toolUse({ id: 'x1', system: 'hr-prod', time: at(1) })]).alerts.find((x) => x.detector === 'test-out-of-scope')!;
    const b = run(newEngine(), [toolUse({ id: 'x2', system: 'hr-prod', time: at(7), tool: 'erp.other' })]).alerts.find((x) => x.detector === 'test-out-of-scope')!;
    const c = run(newEngine(), [toolUse({ id: 'x3', system: 'crm', time: at(1) })]).alerts.find((x) => x.detector === 'test-out-of-scope')!;
    const d = run(newEngine(), [toolUse({ id: 'x4', system: 'hr-prod', time: at(1), agent: { id: 'report-writer' } })]).alerts.find((x) => x.detector === 'test-out-of-scope')!;
    const e = run(newEngine(), [toolUse({ id: 'x5', system: 'hr-prod', time: at(61) })]).alerts.find((x) => x.detector === 'test-out-of-scope')!;
    expect(b.id).toBe(a.id); // same window (the hour), same key, same agent
    expect(c.id).not.toBe(a.id); // other key
    expect(d.id).not.toBe(a.id); // other agent
    expect(e.id).not.toBe(a.id); // other window
  });
});

describe('alerts', () => {
  it('carry the agent accountability from the registry, the event and the evidence', () => {
    const engine = newEngine();
    run(engine, [tokenIssued({ id: 'issue-1', time: at(0), agent: { id: 'report-writer' }, token: { fingerprint: 'sha256:aaaaaaaaaaaaaaaaaaaa' } })]);
    const output = run(engine, [
      toolUse({ id: 'use-1', time: at(2), agent: { id: 'invoice-bot', instance: 'pod-1', session: 'task-9' }, principal: 'carol@corp.example', chain: ['carol@corp.example', 'invoice-bot'], system: 'erp-prod', token: 'sha256:aaaaaaaaaaaaaaaaaaaa' }),
    ]);
    const alert = output.alerts.find((a) => a.detector === 'test-borrowed-token')!;
    expect(alert).toMatchObject({
      schema: 'driftwatch.alert/v1',
      time: at(2),
      detector_version: '2.1.0',
      severity: 'critical',
      score: 95,
      agent: { id: 'invoice-bot', registered: true, name: 'Invoice reconciliation agent', owner: 'alice@corp.example', custodian: 'team-payments', status: 'active', instance: 'pod-1', session: 'task-9' },
      principal: 'carol@corp.example',
      chain: ['carol@corp.example', 'invoice-bot'],
      event: { id: 'use-1', type: 'tool_use', system: 'erp-prod', token: 'sha256:aaaaaaaaaaaaaaaaaaaa' },
      evidence: ['use-1', 'issue-1'],
      key: 'token:sha256:aaaaaaaaaaaaaaaaaaaa',
    });
    expect(alert.detected_at).toBeUndefined(); // the engine has no wall clock
    const unregistered = run(newEngine(), [toolUse({ agent: { id: 'ghost' }, system: 'erp-prod' })]).alerts[0]!;
    expect(unregistered.agent).toMatchObject({ id: 'ghost', registered: false });
    expect(unregistered.agent.owner).toBeUndefined();
  });

  it('scores before it learns: a detector judges an event against the state without it', () => {
    const output = run(new Engine([configureDetector(widen(everyEvent), { suppress_for: '1ms' })]), [
      toolUse({ time: at(0) }),
      toolUse({ time: at(1) }),
    ]);
    expect(output.alerts.map((a) => a.observed.seen)).toEqual([0, 1]);
  });

  it('dispatches only the event types a detector declares', () => {
    const seen: string[] = [];
    const tokensOnly = defineDetector({
      id: 'test-tokens-only', version: '1.0.0', description: 'x', eventTypes: ['token_issued'], maturity: 'stable', techniques: [], severity: 'low',
      options: z.strictObject({}), createState: () => ({}),
      score(event) { seen.push(event.type); return undefined; },
    });
    run(new Engine([configureDetector(widen(tokensOnly))]), [toolUse(), tokenIssued(), accessDenied()]);
    expect(seen).toEqual(['token_issued']);
  });
});

describe('snapshot and restore', () => {
  it('a restored engine goes on exactly as an uninterrupted one, through JSON', () => {
    const events = workload(11);
    const uninterrupted = newEngine();
    const all = run(uninterrupted, events);

    const half = Math.floor(events.length / 2);
    const before = newEngine();
    const firstPart = run(before, events.slice(0, half));
    const snapshot = JSON.parse(JSON.stringify(snapshotEngine(before))) as EngineSnapshot;
    const after = newEngine();
    restoreEngine(after, snapshot);
    const secondPart = run(after, events.slice(half));

    expect(firstPart.alerts.length + secondPart.alerts.length).toBe(all.alerts.length);
    expect([...firstPart.alerts, ...secondPart.alerts]).toEqual(all.alerts);
    expect(secondPart.alerts.length).toBeGreaterThan(5);
    expect(secondPart.alerts.some((a) => a.detector === 'test-borrowed-token')).toBe(true);
  });

  it('holds for any split point', () => {
    const events = workload(3, 200);
    const all = run(newEngine(), events).alerts;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: events.length }), (split) => {
        const before = newEngine();
        const first = run(before, events.slice(0, split)).alerts;
        const after = newEngine();
        restoreEngine(after, JSON.parse(JSON.stringify(snapshotEngine(before))) as EngineSnapshot);
        const second = run(after, events.slice(split)).alerts;
        expect([...first, ...second].map((a) => a.id)).toEqual(all.map((a) => a.id));
      }),
      { numRuns: 25 },
    );
  });

  it('keeps suppression across a restore: a repeat after the restore stays suppressed', () => {
    const before = new Engine([configureDetector(widen(everyEvent), { suppress_for: '1h' })]);
    expect(run(before, [toolUse({ time: at(1) })]).alerts).toHaveLength(1);
    const after = new Engine([configureDetector(widen(everyEvent), { suppress_for: '1h' })]);
    restoreEngine(after, JSON.parse(JSON.stringify(snapshotEngine(before))) as EngineSnapshot);
    expect(run(after, [toolUse({ time: at(2) })]).alerts).toEqual([]);
    expect(after.stats.detectors['test-every-event']!.suppressed).toBe(1);
    expect(after.agentState('invoice-bot')!.clock).toBe(T0 + 2 * MINUTE);
  });

  it('leaves out a detector state of another major version, and of a detector no longer loaded', () => {
    const before = new Engine([configureDetector(widen(outOfScope)), configureDetector(widen(everyEvent))]);
    run(before, [toolUse({ system: 'erp-prod' }), toolUse({ system: 'erp-prod' })]);
    const snapshot = JSON.parse(JSON.stringify(snapshotEngine(before))) as EngineSnapshot;
    expect(snapshot.agents[0]!.detectors['test-out-of-scope']).toEqual({ version: '1.0.0', state: { events: 2, systems: ['erp-prod'] } });

    const v2 = widen({ ...outOfScope, version: '2.0.0' });
    const after = new Engine([configureDetector(v2)]);
    restoreEngine(after, snapshot);
    expect(after.agentState('invoice-bot')!.detectors[0]).toBeUndefined();

    const minor = widen({ ...outOfScope, version: '1.4.0' });
    const same = new Engine([configureDetector(minor)]);
    restoreEngine(same, snapshot);
    expect(same.agentState('invoice-bot')!.detectors[0]).toEqual({ events: 2, systems: ['erp-prod'] });
  });

  it('leaves out stateless detectors (null state) and restores them as null: they still alert', () => {
    const stateless = defineDetector({
      ...everyEvent,
      id: 'test-stateless',
      createState: () => null,
      score: (event) => ({ key: 'same', title: 'seen', summary: event.id, score: 10, observed: {}, expected: {}, recommendation: 'none' }),
      learn: undefined,
    });
    const before = new Engine([configureDetector(widen(stateless)), configureDetector(widen(everyEvent))]);
    run(before, [toolUse({ time: at(1) })]);
    const snapshot = JSON.parse(JSON.stringify(snapshotEngine(before))) as EngineSnapshot;
    expect(Object.keys(snapshot.agents[0]!.detectors)).toEqual(['test-every-event']);

    const after = new Engine([configureDetector(widen(stateless)), configureDetector(widen(everyEvent))]);
    restoreEngine(after, snapshot);
    const output = run(after, [toolUse({ time: at(2 * 60) })]);
    expect(output.alerts.map((a) => a.detector).sort()).toEqual(['test-every-event', 'test-stateless']);
    expect(after.agentState('invoice-bot')!.detectors[0]).toBeNull();
  });

  it('refuses what is not a v1 snapshot with DW_SNAPSHOT_INVALID', () => {
    const engine = newEngine();
    for (const bad of [null, {}, { v: 2, agents: [] }, { v: 1, agents: 'x' }, { v: 1, agents: [{ v: 1, agent: 'a' }] }]) {
      let error: unknown;
      try {
        restoreEngine(engine, bad as unknown as EngineSnapshot);
      } catch (caught) {
        error = caught;
      }
      expect(isDriftwatchError(error, 'DW_SNAPSHOT_INVALID')).toBe(true);
    }
  });
});

describe('suppression', () => {
  const storm = (minutes: readonly number[], agent = 'invoice-bot') => minutes.map((m) => toolUse({ time: at(m), agent: { id: agent } }));

  it('a storm of identical findings within the window is one alert, the repeats counted', () => {
    const engine = new Engine([configureDetector(widen(everyEvent), { suppress_for: '1h' })]);
    const minutes = Array.from({ length: 60 }, (_, i) => i); // 12:00 … 12:59, one window
    const output = run(engine, storm(minutes));
    expect(output.alerts).toHaveLength(1);
    expect(engine.stats.detectors['test-every-event']).toMatchObject({ alerts: 1, suppressed: 59 });
    expect(engine.stats.alerts).toBe(1);
    expect(output.alerts[0]!.window).toEqual({ start: at(0), end: at(60) });
    expect(engine.agentState('invoice-bot')!.recent.counts).toEqual([60]);
  });

  it('after the window, an identical finding is a new alert with a new id', () => {
    const engine = new Engine([configureDetector(widen(everyEvent), { suppress_for: '1h' })]);
    const output = run(engine, storm([0, 10, 59, 60, 61, 130]));
    expect(output.alerts.map((a) => a.time)).toEqual([at(0), at(60), at(130)]);
    expect(new Set(output.alerts.map((a) => a.id)).size).toBe(3);
    expect(engine.stats.detectors['test-every-event']!.suppressed).toBe(3);
  });

  it('sends a repeat more severe than the alert sent under its id, once, naming that alert; a config severity never escalates', () => {
    // Severity from the event: bytes 1 → low, 2 → medium, 3 → high (the same key, so the same id).
    const graded = defineDetector({
      ...everyEvent,
      id: 'test-graded',
      score: (event) => ({
        key: 'same',
        title: 'graded',
        summary: `event ${event.id}`,
        severity: (['low', 'medium', 'high'] as const)[((event as { bytes?: number }).bytes ?? 1) - 1],
        score: 10,
        observed: {},
        expected: {},
        recommendation: 'none',
      }),
    });
    const events = [1, 1, 3, 2, 3, 1].map((bytes, i) => toolUse({ time: at(i), bytes }));
    const engine = new Engine([configureDetector(widen(graded), { suppress_for: '1h' })]);
    const output = run(engine, events);
    expect(output.alerts.map((a) => a.severity)).toEqual(['low', 'high']);
    const [first, escalation] = output.alerts as [Alert, Alert];
    expect(first.escalates).toBeUndefined();
    expect(escalation.escalates).toBe(first.id);
    expect(escalation.id).not.toBe(first.id);
    expect(escalation.time).toBe(at(2));
    expect(engine.stats.detectors['test-graded']).toMatchObject({ alerts: 2, escalated: 1, suppressed: 4 });
    // The same events again give the same ids; across a restore the higher severity is remembered.
    expect(run(new Engine([configureDetector(widen(graded), { suppress_for: '1h' })]), events).alerts.map((a) => a.id)).toEqual([first.id, escalation.id]);
    const before = new Engine([configureDetector(widen(graded), { suppress_for: '1h' })]);
    run(before, events.slice(0, 3));
    const after = new Engine([configureDetector(widen(graded), { suppress_for: '1h' })]);
    restoreEngine(after, JSON.parse(JSON.stringify(snapshotEngine(before))) as EngineSnapshot);
    expect(run(after, events.slice(3)).alerts).toEqual([]);
    const pinned = new Engine([configureDetector(widen(graded), { suppress_for: '1h', severity: 'medium' })]);
    expect(run(pinned, events).alerts).toHaveLength(1);
  });

  it('uses the detector default suppressFor, then 1h, unless the config overrides it', () => {
    expect(configureDetector(widen(everyEvent)).suppressForMs).toBe(HOUR);
    expect(configureDetector(widen({ ...everyEvent, suppressFor: '1d' })).suppressForMs).toBe(24 * HOUR);
    expect(configureDetector(widen({ ...everyEvent, suppressFor: '1d' }), { suppress_for: '5m' }).suppressForMs).toBe(5 * MINUTE);
    const engine = new Engine([configureDetector(widen(everyEvent), { suppress_for: '5m' })]);
    expect(run(engine, storm([0, 4, 5, 9, 10])).alerts).toHaveLength(3);
  });

  it('an event delivered twice (a producer retry) is processed once: no alert, no learning, counted as a duplicate', () => {
    const events = [toolUse({ id: 'retried', time: at(5), system: 'hr-prod' }), toolUse({ time: at(6), system: 'erp-prod', bytes: 900 }), toolUse({ time: at(150), system: 'erp-prod' })];
    const once = new Engine([configureDetector(widen(outOfScope))], { registry: registry() });
    const twice = new Engine([configureDetector(widen(outOfScope))], { registry: registry() });
    const expected = run(once, events);
    // The whole batch again, after the agent moved on, then its first event once more.
    const output = run(twice, [...events, ...events, events[0]!]);
    expect(output.alerts).toEqual(expected.alerts);
    expect(twice.stats).toMatchObject({ events: 3, duplicates: 4, late: 0 });
    expect(twice.stats.detectors['test-out-of-scope']!.suppressed).toBe(0);
    expect(snapshotAgent(twice, 'invoice-bot')).toEqual(snapshotAgent(once, 'invoice-bot'));
  });

  it('an id seen again with other content is another event: processed, not hidden as a repeat', () => {
    const engine = new Engine([configureDetector(widen(outOfScope))], { registry: registry() });
    const output = run(engine, [
      toolUse({ id: 'same', time: at(5), system: 'erp-prod' }),
      toolUse({ id: 'same', time: at(6), system: 'erp-prod' }),
      // Same id and time as the first, another system (out of scope): not a repeat.
      toolUse({ id: 'same', time: at(5), system: 'hr-prod' }),
    ]);
    expect(output.alerts.map((alert) => alert.key)).toEqual(['system:hr-prod']);
    expect(engine.stats).toMatchObject({ events: 3, duplicates: 0 });
  });

  it('a retried batch of more than 16 events of one agent: its 16 latest are recognised, the earlier ones processed again', () => {
    const engine = new Engine([configureDetector(widen(outOfScope))], { registry: registry() });
    const batch = Array.from({ length: 20 }, (_, i) => toolUse({ time: at(10 + i), system: 'erp-prod' }));
    run(engine, [...batch, ...batch]);
    expect(engine.stats).toMatchObject({ events: 24, duplicates: 16, late: 4 });
  });

  it('a repeat keeps an unregistered agent among the recently active (it is not evicted first)', () => {
    const engine = new Engine([configureDetector(widen(everyEvent))], { registry: registry(), maxUnregisteredAgents: 2 });
    const a = toolUse({ time: at(1), agent: { id: 'shadow-a' } });
    run(engine, [a, toolUse({ time: at(2), agent: { id: 'shadow-b' } }), { ...a }, toolUse({ time: at(3), agent: { id: 'shadow-c' } })]);
    expect(engine.agentState('shadow-a')).toBeDefined();
    expect(engine.agentState('shadow-b')).toBeUndefined();
    expect(engine.stats.duplicates).toBe(1);
  });

  it('an event that arrives again after 16 newer events of its agent finds its alert id already sent: a repeat, not a new alert', () => {
    const engine = new Engine([configureDetector(widen(outOfScope))], { registry: registry() });
    const first = toolUse({ id: 'retried', time: at(5), system: 'hr-prod' });
    const newer = Array.from({ length: 16 }, (_, i) => toolUse({ time: at(150 + i), system: 'erp-prod' }));
    const output = run(engine, [first, ...newer, { ...first }]);
    // Its window is that of its own time (12:00–13:00), not of the agent's clock (14:30): the same id.
    expect(output.alerts.map((a) => [a.event.id, a.window.start])).toEqual([['retried', at(0)]]);
    expect(engine.stats.detectors['test-out-of-scope']!.suppressed).toBe(1);
    expect(engine.stats).toMatchObject({ late: 1, duplicates: 0 });
  });

  it('suppresses per agent and per key', () => {
    const engine = new Engine([configureDetector(widen(outOfScope))], { registry: registry() });
    const output = run(engine, [
      toolUse({ time: at(0), system: 'hr-prod' }),
      toolUse({ time: at(1), system: 'hr-prod' }),
      toolUse({ time: at(2), system: 'crm' }),
      toolUse({ time: at(3), system: 'hr-prod', agent: { id: 'report-writer' } }),
    ]);
    expect(output.alerts.map((a) => [a.agent.id, a.key])).toEqual([
      ['invoice-bot', 'system:hr-prod'],
      ['invoice-bot', 'system:crm'],
      ['report-writer', 'system:hr-prod'],
    ]);
    expect(engine.stats.detectors['test-out-of-scope']!.suppressed).toBe(1);
  });
});

describe('unregistered agents', () => {
  const engineWithBound = (max: number) => new Engine([configureDetector(widen(everyEvent))], { registry: registry(), maxUnregisteredAgents: max });

  it('a stream inventing agent ids keeps at most max_unregistered_agents of them, registered agents untouched', () => {
    const engine = engineWithBound(50);
    run(engine, [toolUse({ time: at(0) })]);
    for (let i = 0; i < 5_000; i++) run(engine, [toolUse({ time: at(1), agent: { id: `made-up-${i}` } })]);
    expect(engine.agentCount).toBe(51);
    expect(engine.agentState('invoice-bot')).toBeDefined();
    expect(engine.stats.agentsEvicted).toBe(5_000 - 50);
  });

  it('drops the least recently active one: an unregistered agent that keeps acting keeps its state', () => {
    const engine = engineWithBound(3);
    const act = (id: string, minute: number) => run(engine, [toolUse({ time: at(minute), agent: { id } })]);
    act('shadow-a', 1);
    act('shadow-b', 2);
    act('shadow-c', 3);
    act('shadow-a', 4);
    act('shadow-d', 5);
    expect(engine.agentState('shadow-b')).toBeUndefined();
    expect(engine.agentState('shadow-a')).toBeDefined();
    expect([...engine.agentIds()].sort()).toEqual(['shadow-a', 'shadow-c', 'shadow-d']);
  });

  it('drops the same agent after a restore as without it: restored least recently active first', () => {
    const act = (engine: Engine, id: string, minute: number) => run(engine, [toolUse({ time: at(minute), agent: { id } })]);
    const running = engineWithBound(2);
    act(running, 'shadow-a', 1);
    act(running, 'shadow-b', 2);
    act(running, 'shadow-a', 3);
    // Restored here: shadow-a was the last active, though first seen.
    const restored = engineWithBound(2);
    restoreEngine(restored, JSON.parse(JSON.stringify(snapshotEngine(running))) as EngineSnapshot);
    for (const engine of [running, restored]) act(engine, 'shadow-c', 4);
    expect([...restored.agentIds()].sort()).toEqual(['shadow-a', 'shadow-c']);
    expect([...running.agentIds()].sort()).toEqual(['shadow-a', 'shadow-c']);
  });

  it('never drops an agent the registry knows by then', () => {
    const engine = new Engine([configureDetector(widen(everyEvent))], { maxUnregisteredAgents: 1 });
    run(engine, [toolUse({ time: at(1) })]);
    engine.setRegistry(registry());
    run(engine, [toolUse({ time: at(2), agent: { id: 'stranger' } })]);
    expect(engine.agentState('invoice-bot')).toBeDefined();
    expect(engine.agentState('stranger')).toBeDefined();
    expect(engine.stats.agentsEvicted).toBe(0);
  });
});

describe('exceptions', () => {
  const settings: DetectorSettings = {
    exceptions: [
      { agent: 'batch-*', system: ['hr-*', 'payroll'] }, // AND within an entry; a list is any of its globs
      { principal: 'auditor@corp.example' },
      { tool: 'debug.*' },
    ],
  };

  it('AND within one entry, OR across entries; excepted events counted and raise nothing', () => {
    const engine = new Engine([configureDetector(widen(outOfScope), settings)], { registry: registry() });
    const cases: [AgentEvent, boolean][] = [
      [toolUse({ id: 'e1', agent: { id: 'batch-7' }, system: 'hr-prod' }), true],
      [toolUse({ id: 'e2', agent: { id: 'batch-7' }, system: 'payroll' }), true],
      [toolUse({ id: 'e3', agent: { id: 'batch-7' }, system: 'crm' }), false], // only agent holds
      [toolUse({ id: 'e4', agent: { id: 'invoice-bot' }, system: 'hr-prod' }), false], // only system holds
      [toolUse({ id: 'e5', agent: { id: 'invoice-bot' }, system: 'crm', principal: 'auditor@corp.example' }), true],
      [toolUse({ id: 'e6', agent: { id: 'invoice-bot' }, system: 'warehouse', tool: 'debug.dump' }), true],
      [toolUse({ id: 'e7', agent: { id: 'invoice-bot' }, system: 'warehouse', tool: 'erp.debug' }), false],
    ];
    const output = run(engine, cases.map(([event]) => event));
    const alerted = new Set(output.alerts.map((a) => a.event.id));
    for (const [event, excepted] of cases) expect(alerted.has(event.id)).toBe(!excepted);
    expect(engine.stats.detectors['test-out-of-scope']!.excepted).toBe(4);
    expect(engine.stats.alerts).toBe(3);
  });

  it('a condition on a field the event lacks does not hold', () => {
    const engine = new Engine([configureDetector(widen(everyEvent), { exceptions: [{ tool: '*' }] })]);
    const output = run(engine, [accessDenied({ time: at(0) }), toolUse({ time: at(1) })]);
    expect(output.alerts.map((a) => a.event.type)).toEqual(['access_denied']);
    expect(engine.stats.detectors['test-every-event']!.excepted).toBe(1);
  });

  it('only the excepted detector is silenced', () => {
    const engine = new Engine([configureDetector(widen(outOfScope), { exceptions: [{ system: 'hr-prod' }] }), configureDetector(widen(everyEvent))], { registry: registry() });
    const output = run(engine, [toolUse({ system: 'hr-prod' })]);
    expect(output.alerts.map((a) => a.detector)).toEqual(['test-every-event']);
  });
});

describe('dry-run mode', () => {
  it('puts findings in output.dryRun, counted, never in output.alerts', () => {
    const engine = new Engine([configureDetector(widen(outOfScope), { mode: 'dry-run' }), configureDetector(widen(everyEvent))], { registry: registry() });
    const output = run(engine, [toolUse({ time: at(0), system: 'hr-prod' }), toolUse({ time: at(1), system: 'hr-prod' }), toolUse({ time: at(2), system: 'crm' })]);
    expect(output.dryRun.map((a) => [a.detector, a.key])).toEqual([
      ['test-out-of-scope', 'system:hr-prod'],
      ['test-out-of-scope', 'system:crm'],
    ]);
    expect(output.alerts.every((a) => a.detector === 'test-every-event')).toBe(true);
    const counters = engine.stats.detectors['test-out-of-scope']!;
    expect(counters).toMatchObject({ dryRun: 2, alerts: 0, suppressed: 1 });
    expect(counters.dryRunSamples).toHaveLength(2);
    expect(counters.dryRunSamples[0]).toContain('invoice-bot');
    expect(engine.stats.alerts).toBe(1);
  });
});

describe('a failing detector is isolated', () => {
  const boom = defineDetector({
    id: 'test-boom',
    version: '1.0.0',
    description: 'throws on demand',
    eventTypes: ['tool_use'],
    maturity: 'stable',
    techniques: [],
    severity: 'low',
    options: z.strictObject({}),
    createState: () => ({ learned: 0 }),
    score(event) {
      if (event.tool === 'boom.score') throw new Error('score exploded');
      if (event.tool === 'boom.string') throw 'a bare string';
      if (event.tool === 'boom.window') {
        return { key: 'bad-window', title: 'a window that is no time', summary: 's', score: 1, observed: {}, expected: {}, recommendation: 'r', window: { start: Number.NaN, end: Number.NaN } };
      }
      return undefined;
    },
    learn(event, ctx) {
      if (event.tool === 'boom.learn') throw new TypeError('learn exploded');
      ctx.state.learned += 1;
    },
  });

  function engineWithBoom(onDetectorError?: (failure: DetectorFailure) => void): Engine {
    // The failing detector runs first, so the others run after it failed.
    return new Engine([configureDetector(widen(boom)), configureDetector(widen(outOfScope))], { registry: registry(), onDetectorError });
  }

  it('in score: counted, reported, and the other detectors still alert on the same event', () => {
    const failures: DetectorFailure[] = [];
    const engine = engineWithBoom((failure) => failures.push(failure));
    const output = run(engine, [toolUse({ id: 'b1', tool: 'boom.score', system: 'hr-prod' })]);
    expect(output.alerts.map((a) => [a.detector, a.event.id])).toEqual([['test-out-of-scope', 'b1']]);
    expect(failures).toEqual([{ detector: 'test-boom', agentId: 'invoice-bot', eventId: 'b1', phase: 'score', error: expect.any(Error) }]);
    expect(engine.stats.detectors['test-boom']).toMatchObject({ errors: 1, lastError: 'score: score exploded' });
    // learn still runs for the failing detector and for the others
    expect(engine.agentState('invoice-bot')!.detectors).toEqual([{ learned: 1 }, { events: 1, systems: ['hr-prod'] }]);
  });

  it('in learn: counted, reported, and the other detectors still learn and alert', () => {
    const onDetectorError = vi.fn();
    const engine = engineWithBoom(onDetectorError);
    const output = run(engine, [toolUse({ id: 'b2', tool: 'boom.learn', system: 'hr-prod' }), toolUse({ id: 'b3', system: 'crm' })]);
    expect(output.alerts.map((a) => a.event.id)).toEqual(['b2', 'b3']);
    expect(onDetectorError).toHaveBeenCalledTimes(1);
    expect(onDetectorError).toHaveBeenCalledWith(expect.objectContaining({ detector: 'test-boom', eventId: 'b2', phase: 'learn', error: expect.any(TypeError) }));
    expect(engine.stats.detectors['test-boom']).toMatchObject({ errors: 1, lastError: 'learn: learn exploded' });
    expect(engine.agentState('invoice-bot')!.detectors[1]).toMatchObject({ events: 2 });
  });

  it('a finding that cannot become an alert (its window is no time) is the detector\'s failure; the stream goes on', () => {
    const failures: DetectorFailure[] = [];
    const engine = engineWithBoom((failure) => failures.push(failure));
    const output = run(engine, [toolUse({ id: 'w1', tool: 'boom.window', system: 'hr-prod' }), toolUse({ id: 'w2', system: 'crm' })]);
    expect(output.alerts.map((a) => [a.detector, a.event.id])).toEqual([['test-out-of-scope', 'w1'], ['test-out-of-scope', 'w2']]);
    expect(failures).toEqual([expect.objectContaining({ detector: 'test-boom', eventId: 'w1', phase: 'score' })]);
    expect(engine.stats.detectors['test-boom']!.errors).toBe(1);
  });

  it('a finding that cannot become an alert leaves no id behind: its repeats are failures too, not suppressed, and the recent alerts survive a checkpoint', () => {
    const engine = engineWithBoom();
    const output = run(engine, [
      toolUse({ id: 'w1', system: 'hr-prod' }),
      toolUse({ id: 'w2', tool: 'boom.window' }),
      toolUse({ id: 'w3', tool: 'boom.window' }),
      toolUse({ id: 'w4', tool: 'boom.window' }),
    ]);
    expect(output.alerts.map((a) => a.event.id)).toEqual(['w1']);
    expect(engine.stats.detectors['test-boom']).toMatchObject({ errors: 3, suppressed: 0, alerts: 0 });
    const restored = engineWithBoom();
    restoreAgent(restored, JSON.parse(redactedJson(snapshotAgent(engine, 'invoice-bot'))));
    // The out-of-scope alert of w1 is still known after the restore: its repeat stays suppressed.
    expect(run(restored, [toolUse({ id: 'w5', system: 'hr-prod' })]).alerts).toEqual([]);
  });

  it('a malformed finding is the detector\'s failure naming the field, never an alert a sink cannot render', () => {
    const good = { key: 'k', title: 't', summary: 's', score: 50, observed: {}, expected: {}, recommendation: 'r' };
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const malformed: Array<[unknown, string]> = [
      [{ ...good, title: undefined, name: 'forgot title' }, 'finding.title: must be a non-empty string (got undefined)'],
      [{}, 'finding.key: must be a string (got undefined)'],
      ['alert!', 'finding: must be an object (got "alert!")'],
      [{ ...good, severity: 'urgent' }, 'finding.severity: must be one of low, medium, high, critical (got "urgent")'],
      [{ ...good, observed: [] }, 'finding.observed: must be an object (got an array)'],
      [{ ...good, score: 'high' }, 'finding.score: must be a finite number, 0–100 (got "high")'],
      [{ ...good, score: Number.POSITIVE_INFINITY }, 'finding.score: must be a finite number, 0–100 (got Infinity)'],
      [{ ...good, evidence: 'e1' }, 'finding.evidence: must be an array of event ids (got "e1")'],
      [{ ...good, window: { start: 2000, end: 1000 } }, 'finding.window: must be { start, end } in ms since the epoch with end after start (got an object)'],
      [{ ...good, observed: { bytes: 10n } }, 'finding.observed: must be JSON data (Do not know how to serialize a BigInt)'],
      [{ ...good, scope: cyclic }, 'finding.scope: must be JSON data'],
    ];
    for (const [finding, message] of malformed) {
      const returns = defineDetector({ id: 'test-malformed', version: '1.0.0', description: 'returns what it is given', eventTypes: ['tool_use'], maturity: 'stable', techniques: [], severity: 'low', options: z.strictObject({}), createState: () => null, score: () => finding as never });
      const failures: DetectorFailure[] = [];
      const engine = new Engine([configureDetector(widen(returns)), configureDetector(widen(everyEvent))], { onDetectorError: (failure) => failures.push(failure) });
      const output = run(engine, [toolUse({ id: 'm1' })]);
      expect(output.alerts.map((a) => a.detector), message).toEqual(['test-every-event']);
      expect(engine.stats.detectors['test-malformed'], message).toMatchObject({ errors: 1, alerts: 0 });
      expect(engine.stats.detectors['test-malformed']!.lastError, message).toContain(`score: ${message}`);
      expect(isDriftwatchError(failures[0]?.error, 'DW_DETECTOR_FAILED'), message).toBe(true);
    }
  });

  it('a createState that throws is the detector\'s failure on each event; the others go on', () => {
    const unmakeable = defineDetector({ id: 'test-unmakeable', version: '1.0.0', description: 'cannot make its state', eventTypes: ['tool_use'], maturity: 'stable', techniques: [], severity: 'low', options: z.strictObject({}), createState: (): { n: number } => { throw new Error('createState blew up'); }, score: () => undefined });
    const failures: DetectorFailure[] = [];
    const engine = new Engine([configureDetector(widen(unmakeable)), configureDetector(widen(everyEvent))], { onDetectorError: (failure) => failures.push(failure) });
    const output = run(engine, [toolUse({ id: 'c1' }), toolUse({ id: 'c2' })]);
    expect(output.alerts.map((a) => [a.detector, a.event.id])).toEqual([['test-every-event', 'c1']]);
    expect(engine.stats.detectors['test-every-event']).toMatchObject({ alerts: 1, suppressed: 1 });
    expect(failures.map((f) => [f.detector, f.phase, f.eventId])).toEqual([['test-unmakeable', 'createState', 'c1'], ['test-unmakeable', 'createState', 'c2']]);
    expect(engine.stats.detectors['test-unmakeable']).toMatchObject({ errors: 2, lastError: 'createState: createState blew up' });
  });

  it('keeps a state that learn gives the context anew, not one that score gives it', () => {
    const replaces = defineDetector({
      id: 'test-replaces', version: '1.0.0', description: 'replaces its state', eventTypes: ['tool_use'], maturity: 'stable', techniques: [], severity: 'low', options: z.strictObject({}),
      createState: () => ({ n: 0, scored: 0 }),
      score(_event, ctx) {
        // Typed read-only for score; a plain-JS plugin can still do it.
        (ctx as { state: unknown }).state = { ...ctx.state, scored: ctx.state.scored + 1 };
        return undefined;
      },
      learn(_event, ctx) {
        ctx.state = { ...ctx.state, n: ctx.state.n + 1 };
      },
    });
    const engine = new Engine([configureDetector(widen(replaces))]);
    run(engine, [toolUse({}), toolUse({}), toolUse({})]);
    expect(engine.agentState('invoice-bot')!.detectors[0]).toEqual({ n: 3, scored: 0 });
  });

  it('a thrown non-Error is reported too, and the engine goes on without a callback', () => {
    const engine = engineWithBoom();
    expect(() => run(engine, [toolUse({ tool: 'boom.string' }), toolUse({ tool: 'boom.score' })])).not.toThrow();
    expect(engine.stats.detectors['test-boom']).toMatchObject({ errors: 2, lastError: 'score: score exploded' });
    expect(engine.stats.events).toBe(2);
  });
});

describe('strict mode', () => {
  const sneaky = defineDetector({
    id: 'test-sneaky',
    version: '1.0.0',
    description: 'changes its state in score',
    eventTypes: ['tool_use'],
    maturity: 'stable',
    techniques: [],
    severity: 'low',
    options: z.strictObject({}),
    createState: () => ({ n: 0, seen: [] as string[] }),
    score(event, ctx) {
      ctx.state.seen.push(event.system); // not allowed: only learn may change the state
      return { key: 'k', title: 't', summary: 's', score: 1, observed: {}, expected: {}, recommendation: 'r' };
    },
  });

  it('catches a score that changes the state: counted as an error, no alert', () => {
    const failures: DetectorFailure[] = [];
    const engine = new Engine([configureDetector(widen(sneaky)), configureDetector(widen(everyEvent))], { strict: true, onDetectorError: (f) => failures.push(f) });
    const output = run(engine, [toolUse({ id: 's1' })]);
    expect(output.alerts.map((a) => a.detector)).toEqual(['test-every-event']);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ detector: 'test-sneaky', phase: 'score', eventId: 's1' });
    expect(isDriftwatchError(failures[0]!.error, 'DW_DETECTOR_FAILED')).toBe(true);
    expect(String((failures[0]!.error as Error).message)).toMatch(/score changed the state/);
  });

  it('catches a state a checkpoint would not give back: a Set, Infinity, a secret-named key (named by its path)', () => {
    const cases: Array<[() => unknown, (state: never) => void, RegExp]> = [
      [() => ({ tools: new Set<string>() }), () => {}, /^createState: state\.tools: a Set is not plain JSON data \(a checkpoint stores \{\}\)/],
      [() => ({ peak: 0 }), (state: { peak: number }) => void (state.peak = Number.POSITIVE_INFINITY), /^learn: state\.peak: Infinity is not JSON/],
      [() => ({ credentials: [] as string[] }), (state: { credentials: string[] }) => void state.credentials.push('vault/db-prod'), /^learn: state\.credentials\[0\]: a checkpoint stores it redacted/],
      // A cycle is named, not followed until the stack overflows.
      [() => { const s: Record<string, unknown> = { n: 0 }; s.self = s; return s; }, () => {}, /^createState: state\.self: a cycle/],
      [() => ({ list: [] as unknown[] }), (state: { list: unknown[] }) => void state.list.push({ back: state }), /^learn: state\.list\[0\]\.back: a cycle/],
    ];
    for (const [createState, change, message] of cases) {
      const keeps = defineDetector({ id: 'test-keeps', version: '1.0.0', description: 'keeps odd state', eventTypes: ['tool_use'], maturity: 'stable', techniques: [], severity: 'low', options: z.strictObject({}), createState: createState as () => never, score: () => undefined, learn: (_event, ctx) => change(ctx.state) });
      const engine = new Engine([configureDetector(widen(keeps))], { strict: true });
      run(engine, [toolUse({})]);
      expect(engine.stats.detectors['test-keeps']!.lastError, String(message)).toMatch(message);
      // Not strict: the same state is kept as it is (what a production run does).
      expect(() => run(new Engine([configureDetector(widen(keeps))]), [toolUse({})])).not.toThrow();
    }
  });

  it('a detector state JSON cannot write (a cycle, a BigInt) is dropped for its agent at a checkpoint, counted as the failure of that detector only', () => {
    const failures: DetectorFailure[] = [];
    const cyclic = defineDetector({ ...everyEvent, id: 'test-cyclic', learn: (event, ctx) => void ((ctx.state as Record<string, unknown>).self = event.tool === 'loop' ? ctx.state : 0) });
    const big = defineDetector({ ...everyEvent, id: 'test-bigint', learn: (_event, ctx) => void ((ctx.state as Record<string, unknown>).n = BigInt(1)) });
    const engine = new Engine([configureDetector(widen(cyclic)), configureDetector(widen(big)), configureDetector(widen(everyEvent))], { onDetectorError: (f) => failures.push(f) });
    run(engine, [toolUse({ id: 'e1', tool: 'loop' }), toolUse({ id: 'e2', agent: { id: 'report-writer' }, tool: 'plain' })]);
    expect(() => JSON.stringify(snapshotAgent(engine, 'invoice-bot'))).toThrow();
    expect(engine.dropUnstorableStates('invoice-bot')).toBe(true);
    expect(JSON.parse(redactedJson(snapshotAgent(engine, 'invoice-bot'))).detectors).toEqual({ 'test-every-event': { version: '1.0.0', state: { seen: 1 } } });
    expect(failures.map((f) => [f.detector, f.agentId, f.phase, f.eventId])).toEqual([
      ['test-cyclic', 'invoice-bot', 'checkpoint', undefined],
      ['test-bigint', 'invoice-bot', 'checkpoint', undefined],
    ]);
    expect(String((failures[0]!.error as Error).message)).toMatch(/^test-cyclic: its state cannot be written to a checkpoint \(.*circular.*\); it starts afresh for this agent$/);
    expect(engine.stats.detectors['test-every-event']!.errors).toBe(0);
    // Nothing else to drop: the other agent's bigint-free states stay (its cyclic detector saw no loop).
    expect(engine.dropUnstorableStates('invoice-bot')).toBe(false);
    // The dropped detectors start afresh with the agent's next event.
    run(engine, [toolUse({ id: 'e3', tool: 'plain', time: at(5) })]);
    expect(snapshotAgent(engine, 'invoice-bot')!.detectors['test-cyclic']).toEqual({ version: '1.0.0', state: { seen: 0, self: 0 } });
  });

  it('a detector function that returns a promise fails, the promise\'s rejection handled; the other detectors go on', async () => {
    const failures: DetectorFailure[] = [];
    const promising = defineDetector({ ...everyEvent, id: 'test-promising', score: (() => Promise.reject(new Error('later'))) as never, learn: (() => Promise.reject(new Error('later too'))) as never });
    const engine = new Engine([configureDetector(widen(promising)), configureDetector(widen(everyEvent))], { onDetectorError: (f) => failures.push(f) });
    const output = run(engine, [toolUse({ id: 'p1' })]);
    expect(output.alerts.map((a) => a.detector)).toEqual(['test-every-event']);
    expect(failures.map((f) => [f.phase, (f.error as Error).message])).toEqual([
      ['score', 'test-promising: score returned a promise; detectors must be synchronous'],
      ['learn', 'test-promising: learn returned a promise; detectors must be synchronous'],
    ]);
    // A rejection left unhandled would fail this test run (vitest reports it): give it the chance.
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it('does not flag well-behaved detectors: same alerts as without strict', () => {
    const events = workload(5, 200);
    expect(run(newEngine({ strict: true }), events)).toEqual(run(newEngine(), events));
  });
});

describe('detector options', () => {
  it('applies the defaults of the options schema', () => {
    expect(configureDetector(widen(outOfScope)).options).toEqual({ minEvents: 0 });
    expect(configureDetector(widen(outOfScope), { options: { minEvents: 3 } }).options).toEqual({ minEvents: 3 });
  });

  it.each([
    [{ minEvents: -1 }, 'options.minEvents'],
    [{ minEvents: 'three' }, 'options.minEvents'],
    [{ minEvnts: 3 }, 'minEvnts'],
  ])('refuses bad options %j with DW_DETECTOR_OPTIONS_INVALID naming %s', (options, named) => {
    let error: unknown;
    try {
      configureDetector(widen(outOfScope), { options });
    } catch (caught) {
      error = caught;
    }
    expect(isDriftwatchError(error, 'DW_DETECTOR_OPTIONS_INVALID')).toBe(true);
    expect((error as Error).message).toContain('test-out-of-scope');
    expect((error as Error).message).toContain(named);
  });

  it('refuses a suppress_for that is not a positive duration', () => {
    for (const suppress_for of ['soon', '0s']) {
      expect(() => configureDetector(widen(outOfScope), { suppress_for })).toThrow(expect.objectContaining({ code: 'DW_DETECTOR_OPTIONS_INVALID' }));
    }
  });

  it('the options reach score', () => {
    const engine = new Engine([configureDetector(widen(outOfScope), { options: { minEvents: 2 } })], { registry: registry() });
    const output = run(engine, [toolUse({ system: 'crm' }), toolUse({ system: 'hr-prod' }), toolUse({ system: 'warehouse' })]);
    expect(output.alerts.map((a) => a.key)).toEqual(['system:warehouse']);
  });

  it('a severity override from the config wins over the finding and the detector', () => {
    const engine = new Engine([configureDetector(widen(outOfScope), { severity: 'low' })], { registry: registry() });
    const output = run(engine, [toolUse({ system: 'crm' })]);
    expect(output.alerts[0]!.severity).toBe('low');
    expect(engine.stats.alertsBySeverity).toMatchObject({ low: 1, high: 0 });
  });
});

describe('event time', () => {
  /** Reports the agent clock the engine gives it, keyed per event so nothing is suppressed. */
  const clockProbe = defineDetector({
    id: 'test-clock-probe', version: '1.0.0', description: 'x', eventTypes: ['tool_use'], maturity: 'stable', techniques: [], severity: 'low',
    options: z.strictObject({}), createState: () => ({}),
    score: (event, ctx) => ({ key: event.id, title: 't', summary: 's', score: 1, observed: { now: ctx.now }, expected: {}, recommendation: 'r' }),
  });

  it('counts late events and never moves an agent clock back', () => {
    const engine = new Engine([configureDetector(widen(clockProbe))]);
    const output = run(engine, [
      toolUse({ id: 'l1', time: at(10) }),
      toolUse({ id: 'l2', time: at(5) }), // late
      toolUse({ id: 'l3', time: at(3) }), // late
      toolUse({ id: 'l4', time: at(12), agent: { id: 'other-agent' } }),
      toolUse({ id: 'l5', time: at(11), agent: { id: 'other-agent' } }), // late for its own agent only
      toolUse({ id: 'l6', time: at(8), agent: { id: 'third-agent' } }), // not late: a new agent
      toolUse({ id: 'l7', time: at(20) }),
    ]);
    expect(engine.stats.late).toBe(3);
    expect(output.alerts.map((a) => a.observed.now)).toEqual([10, 10, 10, 12, 12, 8, 20].map((m) => T0 + m * MINUTE));
    expect(engine.agentState('invoice-bot')!.clock).toBe(T0 + 20 * MINUTE);
    expect(engine.agentState('other-agent')!.clock).toBe(T0 + 12 * MINUTE);
    // The alert keeps the late event's own time.
    expect(output.alerts[1]!.time).toBe(at(5));
    expect(engine.stats.firstEventTime).toBe(T0 + 3 * MINUTE);
    expect(engine.stats.lastEventTime).toBe(T0 + 20 * MINUTE);
  });

  it('the clock never goes back, whatever the order of the events', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 40 }), (minutes) => {
        const engine = new Engine([configureDetector(widen(everyEvent))]);
        let max = -Infinity;
        let late = 0;
        for (const m of minutes) {
          engine.process(toolUse({ time: at(m) }), emptyOutput());
          if (T0 + m * MINUTE < max) late++;
          max = Math.max(max, T0 + m * MINUTE);
          expect(engine.agentState('invoice-bot')!.clock).toBe(max);
        }
        expect(engine.stats.late).toBe(late);
      }),
    );
  });
});

describe('stats', () => {
  it('count events by type and alerts by severity', () => {
    const engine = newEngine();
    run(engine, [toolUse({ time: at(0), system: 'crm' }), tokenIssued({ time: at(1) }), accessDenied({ time: at(2) })]);
    expect(engine.stats.events).toBe(3);
    expect(engine.stats.eventsByType).toEqual({ tool_use: 1, token_issued: 1, access_denied: 1 });
    expect(engine.stats.alertsBySeverity.high).toBe(1);
    expect(engine.agentCount).toBe(1);
  });
});

// Keep the unused-type import honest for readers: Alert is what output holds.
export type { Alert, AnyDetector };
