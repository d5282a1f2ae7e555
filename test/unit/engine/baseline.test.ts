// The per-agent baseline through checkpoints: a snapshot that went through JSON restores an
// identical baseline and identical further alerts; and its size stays bounded whatever the agent does.
import { describe, expect, it } from 'vitest';
import { BUILTIN_DETECTORS } from '../../../detectors/index.js';
import type { Alert } from '../../../src/alerts/alert.js';
import { configureDetector } from '../../../src/engine/configured-detector.js';
import { createBaseline, restoreBaseline, type AgentBaseline } from '../../../src/engine/baseline.js';
import { Engine } from '../../../src/engine/engine.js';
import { restoreEngine, snapshotAgent, snapshotEngine, type EngineSnapshot } from '../../../src/engine/snapshot.js';
import type { AgentEvent } from '../../../src/events/contract.js';
import { events, loadCaseRegistry } from '../../helpers/engine.js';
import * as T from '../../helpers/traffic.js';

const { at } = T;

const OPS = T.OFFICE_TOOLS;
const BATCH: T.Tool[] = [
  { tool: 'etl.extract', system: 'warehouse', action: 'read' },
  { tool: 'etl.load', system: 'warehouse', action: 'write' },
];

function newEngine(): Engine {
  return new Engine(BUILTIN_DETECTORS.map((detector) => configureDetector(detector)), { registry: loadCaseRegistry() });
}

function feed(engine: Engine, input: readonly AgentEvent[]): Alert[] {
  const output = { alerts: [] as Alert[], dryRun: [] as Alert[] };
  for (const event of input) engine.process(event, output);
  return output.alerts;
}

/** Ten days of two agents' traffic, then anomalies for every statistical detector. */
function streams(): { first: AgentEvent[]; rest: AgentEvent[] } {
  const office = T.businessHours({ agent: 'ops-bot', prefix: 'ops', days: 16, tools: OPS, bytes: 20_000 });
  const nightly = T.batch247({ agent: 'night-batch', prefix: 'nb', days: 16, tools: BATCH, bytes: 50_000, everyMin: 60 });
  const split = at(9, 0);
  const all = T.merge(
    office,
    nightly,
    T.dailyTokens('tok', 'ops-bot', 16, [9, 13]),
    T.dailyDenials('den', 'ops-bot', 16, 11, 'hr-prod'),
    T.session('night', 'ops-bot', at(10, 3), 4, OPS, 20_000),
    T.burst('big', 'ops-bot', at(10, 14), 30, OPS[0]!, 5_000_000),
    T.burst('fast', 'ops-bot', at(11, 14), 150, OPS[1]!, 20_000),
    T.denials('deny', 'ops-bot', at(14, 14), 12, ['hr-prod', 'bank-api', 'vault', 'mail-external']),
    T.tokenBurst('tokb', 'ops-bot', at(15, 14), 25),
    [T.newSystem('new-sys', 'ops-bot', at(11, 10, 3), 'payroll', 'payroll.export')],
  );
  const first = all.filter((event) => Date.parse(event.time) < split);
  const rest = all.filter((event) => Date.parse(event.time) >= split);
  return { first: events(...first), rest: events(...rest) };
}

describe('baseline through a checkpoint', () => {
  it('restores an identical baseline from JSON and yields identical further alerts', () => {
    const { first, rest } = streams();
    const original = newEngine();
    feed(original, first);
    const snapshot = snapshotEngine(original);
    const restored = newEngine();
    restoreEngine(restored, JSON.parse(JSON.stringify(snapshot)) as EngineSnapshot);

    // Identical state, baseline included, for every agent (restored least recently active first, so compared by agent).
    expect(byAgent(snapshotEngine(restored))).toEqual(byAgent(JSON.parse(JSON.stringify(snapshot)) as EngineSnapshot));
    for (const agent of ['ops-bot', 'night-batch']) {
      expect(snapshotAgent(restored, agent)?.baseline).toEqual(snapshotAgent(original, agent)?.baseline);
      expect(snapshotAgent(restored, agent)?.baseline?.t0).toBeGreaterThan(0);
    }

    const a = feed(original, rest);
    const b = feed(restored, rest);
    // The continuation exercises the statistical detectors, not just the rule ones.
    const detectors = new Set(a.map((alert) => alert.detector));
    for (const id of ['unusual-time', 'volume-spike', 'rate-spike', 'denial-burst', 'token-burst', 'first-seen-system']) expect(detectors).toContain(id);
    expect(b.map((alert) => alert.id)).toEqual(a.map((alert) => alert.id));
    expect(JSON.parse(JSON.stringify(b))).toEqual(JSON.parse(JSON.stringify(a)));
    expect(byAgent(snapshotEngine(restored))).toEqual(byAgent(snapshotEngine(original)));
  });
});

/** An engine snapshot with its agents in id order: the order agents are held in is no state. */
function byAgent(snapshot: EngineSnapshot): EngineSnapshot {
  return { ...snapshot, agents: [...snapshot.agents].sort((a, b) => (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0)) };
}

const STATISTICAL = new Set([
  'first-seen-system',
  'first-seen-tool',
  'volume-spike',
  'rate-spike',
  'unusual-time',
  'denial-burst',
  'token-burst',
  'tool-mix-drift',
  'slow-drift',
]);

describe('baseline restore', () => {
  it('a checkpoint whose name lists are not lists of strings gives a fresh baseline, not a crash', () => {
    const engine = newEngine();
    const { first } = streams();
    feed(engine, first);
    const good = restoreBaseline(JSON.parse(JSON.stringify(snapshotAgent(engine, 'ops-bot')!.baseline)));
    expect(good.systems.k).toBe(8);
    expect(restoreBaseline(JSON.parse(JSON.stringify(good)))).toEqual(good);
    for (const spoil of [(b: AgentBaseline) => void (b.tools.v = [1] as never), (b: AgentBaseline) => void (b.mix.names = 'crm' as never), (b: AgentBaseline) => void (b.systems.v = null as never)]) {
      const bad = JSON.parse(JSON.stringify(good)) as AgentBaseline;
      spoil(bad);
      expect(restoreBaseline(bad)).toEqual(createBaseline());
    }
  });
});

describe('baseline checkpoint', () => {
  it('leaves out the sets\' parameters, and a restore puts them back in the order of a new baseline', () => {
    const engine = newEngine();
    feed(engine, streams().first);
    const live = engine.agentState('ops-bot')!.baseline;
    const stored = JSON.parse(JSON.stringify(snapshotAgent(engine, 'ops-bot')!.baseline)) as Record<string, Record<string, unknown>>;
    expect(Object.keys(stored.systems!)).not.toContain('k');
    expect(Object.keys(stored.mix!)).not.toContain('cap');
    const restored = restoreBaseline(stored);
    expect(restored).toEqual(live);
    const fresh = createBaseline();
    for (const part of ['systems', 'tools', 'mix'] as const) expect(Object.keys(restored[part])).toEqual(Object.keys(fresh[part]));
    // A checkpoint written with the parameters (before they were left out, version 1) restores the same.
    expect(restoreBaseline({ ...JSON.parse(JSON.stringify(live)), v: 1 })).toEqual(live);
    expect(stored.v).toBe(2);
  });
});

describe('baseline size', () => {
  it('stays within 4 KB per agent after the agent touches 100,000 distinct systems', () => {
    const statistical = new Engine(
      BUILTIN_DETECTORS.filter((detector) => STATISTICAL.has(detector.id)).map((detector) => configureDetector(detector)),
      { registry: loadCaseRegistry() },
    );
    const full = newEngine();
    const engines = [statistical, full];
    const output = { alerts: [] as Alert[], dryRun: [] as Alert[] };
    // A week of ordinary traffic first, so that the learning period is over and detectors keep state.
    for (const event of events(...T.businessHours({ agent: 'ops-bot', prefix: 'ops', days: 8, tools: OPS, bytes: 20_000 }))) {
      for (const engine of engines) engine.process(event, output);
    }
    const t = at(8, 9);
    const sizes: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const [event] = events({
        id: `card-${i}`,
        time: t + i * 1000,
        type: 'tool_use',
        agent: { id: 'ops-bot' },
        tool: `scan.t${i % 50}`,
        system: `sys-${i}.internal.example`,
        action: 'read',
        bytes: 1000 + (i % 7),
      });
      for (const engine of engines) engine.process(event!, output);
      if ((i + 1) % 10_000 === 0) sizes.push(Buffer.byteLength(JSON.stringify(snapshotAgent(statistical, 'ops-bot')?.baseline)));
    }
    // The baseline, measured every 10,000 systems: never past 4 KB.
    expect(Math.max(...sizes), `baseline sizes ${sizes.join(', ')}`).toBeLessThanOrEqual(4096);

    // The whole agent snapshot of an engine running the statistical detectors: within 4 KB too.
    const agent = snapshotAgent(statistical, 'ops-bot');
    expect(agent?.baseline?.t0).toBe(at(0, 9));
    const agentBytes = Buffer.byteLength(JSON.stringify(agent));
    expect(agentBytes, `agent snapshot ${agentBytes} bytes`).toBeLessThanOrEqual(4096);

    // With every built-in detector the baseline is the same size; the snapshot adds the rule
    // detectors' states and the engine's recent alerts (one per out-of-scope system key), bounded too.
    const fullAgent = snapshotAgent(full, 'ops-bot');
    expect(Buffer.byteLength(JSON.stringify(fullAgent?.baseline))).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(JSON.stringify(fullAgent))).toBeLessThanOrEqual(8192);
  }, 120_000);
});
