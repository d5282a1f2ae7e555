// tool-mix-drift through the engine: a takeover by tools the agent rarely used alerts after the
// learning period (one tool or two), session-sized runs of a rare tool and a mix change inside the
// learning period do not, an agent whose normal work has such runs learns them, a takeover too short
// for the window is caught by the day's score unless the agent's own days reach it, and the state
// survives a JSON checkpoint with identical further alerts while staying small.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/alerts/alert.js';
import { Engine } from '../../../src/engine/engine.js';
import { configureDetector } from '../../../src/engine/configured-detector.js';
import { restoreEngine, snapshotAgent, snapshotEngine, type EngineSnapshot } from '../../../src/engine/snapshot.js';
import type { AgentEvent } from '../../../src/events/contract.js';
import { builtinDetector, events, loadCaseRegistry, runDetector } from '../../helpers/engine.js';
import * as T from '../../helpers/traffic.js';

const { at } = T;

const tool = (name: string, action = 'read'): T.Tool => ({ tool: name, system: name.split('.')[0]!, action });
const LOOKUP = tool('crm.lookup');
const UPDATE = tool('crm.update', 'write');
const READ = tool('docs.read_page');
const WRITE = tool('docs.write_page', 'write');
const EXPORT = tool('crm.export');
const LEDGER = tool('erp.read_ledger');
/** 38 calls in 40 on four usual tools, one each on two rarely used ones (2.5% each). */
const MIX: T.Tool[] = [...Array.from({ length: 38 }, (_, i) => [LOOKUP, UPDATE, READ, WRITE][i % 4]!), EXPORT, LEDGER];

const AGENT = 'ops-bot';
/** Weekdays 09:00–17:00, a call every 10 minutes: 48 calls a day, 2 June 2026 is a Tuesday. */
const normal = (days = 14): T.NativeEvent[] => T.businessHours({ agent: AGENT, prefix: 'mix', days, tools: MIX, bytes: 20_000 });
/** `count` calls a minute apart from `start`, `share` of them (evenly spread) on `rare`, the rest on the usual tools. */
function takeover(prefix: string, start: number, count: number, rare: readonly T.Tool[], share: number): T.NativeEvent[] {
  let debt = 0;
  return T.session(prefix, AGENT, start, count, MIX, 20_000, 1).map((event, i) => {
    debt += share;
    if (debt < 1) return event;
    debt -= 1;
    const pick = rare[i % rare.length]!;
    return { ...event, tool: pick.tool, system: pick.system, action: pick.action };
  });
}

function run(stream: T.NativeEvent[], options: Record<string, unknown> = {}): Alert[] {
  const result = runDetector(builtinDetector('tool-mix-drift'), events(...stream), undefined, { options });
  expect(result.failures).toEqual([]);
  return result.alerts;
}

describe('tool-mix-drift', () => {
  it('still alerts on a takeover with calls excepted from it in between (they enter the shared mix, not its counts)', () => {
    const ping = tool('hc.ping');
    const pings = T.session('hc', AGENT, at(9, 17, 5) + 30_000, 25, [ping], 100, 4);
    const stream = T.merge(normal(), takeover('tk', at(9, 17, 5), 100, [EXPORT], 0.7), pings);
    const result = runDetector(builtinDetector('tool-mix-drift'), events(...stream), undefined, { exceptions: [{ tool: 'hc.ping' }] } as never);
    expect(result.failures).toEqual([]);
    expect(result.engine.stats.detectors['tool-mix-drift']!.excepted).toBe(25);
    expect(result.alerts).toHaveLength(1);
  });

  it('normal traffic raises nothing', () => {
    expect(run(normal())).toEqual([]);
  });

  it('a rarely used tool taking 70% of 100 calls after the learning period alerts, naming the tool and its usual share', () => {
    const alerts = run(T.merge(normal(), takeover('tk', at(9, 17, 5), 100, [EXPORT], 0.7)));
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(alert.key).toBe('mix');
    expect(Date.parse(alert.time)).toBeGreaterThanOrEqual(at(9, 17, 5));
    const observed = alert.observed as { over_used_tools: Array<{ tool: string; share: number; usual_share: number }>; excess_share: number };
    expect(observed.over_used_tools[0]?.tool).toBe('crm.export');
    expect(observed.over_used_tools[0]?.usual_share).toBeLessThan(0.05);
    expect(observed.excess_share).toBeGreaterThan(0.4);
    expect(alert.summary).toMatch(/crm\.export \(\d+ calls, \d+%; \d(\.\d)?% of its calls before\)/);
    expect(alert.summary).not.toMatch(/undefined|NaN|\[object Object\]/);
    expect((alert.expected as { usual_tools: Array<{ tool: string }> }).usual_tools.map((entry) => entry.tool)).toContain('crm.lookup');
  });

  it('two rarely used tools sharing the takeover alert too, both named', () => {
    const alerts = run(T.merge(normal(), takeover('tk2', at(9, 17, 5), 100, [EXPORT, LEDGER], 0.7)));
    expect(alerts).toHaveLength(1);
    const tools = (alerts[0]!.observed as { over_used_tools: Array<{ tool: string }> }).over_used_tools.map((entry) => entry.tool);
    expect(tools.sort()).toEqual(['crm.export', 'erp.read_ledger']);
  });

  it('a takeover of 30 calls, too short for the window, is caught by the day: 21 of its 30 calls that day on a 2.5% tool', () => {
    // Before the working day: the day holds only the takeover's calls, the 80-call window 50 normal ones too (excess ≈ 0.24).
    // Day 13 is a Monday: four working days were judged before it (those with 200 calls in the mix before them).
    const stream = T.merge(normal(), takeover('early', at(13, 0, 30), 30, [EXPORT], 0.7));
    const alerts = run(stream);
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(Date.parse(alert.time)).toBeGreaterThanOrEqual(at(13, 0, 30));
    const observed = alert.observed as { day_calls: number; excess_share: number; day_score: number; over_used_tools: Array<{ tool: string }> };
    expect(observed.day_calls).toBeGreaterThanOrEqual(15);
    expect(observed.day_calls).toBeLessThanOrEqual(30);
    expect(observed.over_used_tools[0]?.tool).toBe('crm.export');
    expect(observed.excess_share).toBeGreaterThan(0.4);
    expect(observed.day_score).toBeGreaterThan(2.5);
    expect((alert.expected as { days_judged: number }).days_judged).toBe(4);
    expect(alert.summary).toMatch(/calls today \(UTC\) went to tools it used less before: crm\.export/);
    expect(alert.summary).toMatch(/a day score of \d+\.\d \(excess × √\d+\), above the bar of 2\.5/);
    expect(alert.summary).not.toMatch(/undefined|NaN|\[object Object\]/);
    // Only the day sees it: with its threshold out of reach nothing alerts.
    expect(run(stream, { day_threshold: 100 })).toEqual([]);
  });

  it('the day score needs day_min_days judged days and a day excess above the threshold', () => {
    const stream = T.merge(normal(), takeover('early', at(13, 0, 30), 30, [EXPORT], 0.7));
    expect(run(stream, { day_min_days: 9 })).toEqual([]);
    expect(run(stream, { threshold: 0.75 })).toEqual([]);
  });

  it('an agent whose own days have such early runs (during the learning period) learns them from its days', () => {
    // Judged from the second day on (a mix of 50 calls), learned while the learning period lasts.
    const options = { min_baseline_calls: 50 };
    const early = [2, 3, 4].map((day) => takeover(`early${day}`, at(day, 0, 30), 30, [EXPORT], 0.7));
    expect(run(T.merge(normal(), ...early, takeover('early', at(13, 0, 30), 30, [EXPORT], 0.7)), options)).toEqual([]);
    // The same run without that history alerts.
    expect(run(T.merge(normal(), takeover('early', at(13, 0, 30), 30, [EXPORT], 0.7)), options)).toHaveLength(1);
  });

  it('a session-sized run of a rare tool (12 calls) raises nothing', () => {
    expect(run(T.merge(normal(), takeover('run', at(9, 17, 5), 12, [EXPORT], 1)))).toEqual([]);
  });

  it('the same takeover inside the learning period raises nothing', () => {
    expect(run(T.merge(normal(), takeover('tk', at(9, 17, 5), 100, [EXPORT], 0.7)), { learning_period: '14d' })).toEqual([]);
  });

  it('an agent whose normal work has such runs (every evening during the learning period) learns them', () => {
    const evenings = [0, 1, 2, 3].flatMap((day) => takeover(`eve${day}`, at(day, 17, 5), 60, [EXPORT], 0.7));
    const stream = T.merge(normal(), evenings, takeover('tk', at(9, 17, 5), 60, [EXPORT], 0.7));
    expect(run(stream)).toEqual([]);
    // The same evening run without that history alerts.
    expect(run(T.merge(normal(), takeover('tk', at(9, 17, 5), 60, [EXPORT], 0.7)))).toHaveLength(1);
  });

  it('a state restored from a JSON checkpoint yields identical further alerts, and stays under 280 bytes', () => {
    const all = events(...T.merge(normal(), takeover('tk', at(9, 17, 5), 100, [EXPORT], 0.7), takeover('tk-b', at(12, 17, 5), 100, [LEDGER], 0.7)));
    const split = at(9, 17, 30);
    const first = all.filter((event) => event.timeMs < split);
    const rest = all.filter((event) => event.timeMs >= split);
    const engine = (): Engine => new Engine([configureDetector(builtinDetector('tool-mix-drift'))], { registry: loadCaseRegistry() });
    const feed = (target: Engine, input: readonly AgentEvent[]): Alert[] => {
      const output = { alerts: [] as Alert[], dryRun: [] as Alert[] };
      for (const event of input) target.process(event, output);
      return output.alerts;
    };
    const original = engine();
    const before = feed(original, first);
    const restored = engine();
    restoreEngine(restored, JSON.parse(JSON.stringify(snapshotEngine(original))) as EngineSnapshot);
    const a = feed(original, rest);
    const b = feed(restored, rest);
    expect(before).toEqual([]);
    expect(a.length).toBe(2);
    expect(b.map((alert) => alert.id)).toEqual(a.map((alert) => alert.id));
    expect(JSON.parse(JSON.stringify(b))).toEqual(JSON.parse(JSON.stringify(a)));
    const state = snapshotAgent(original, AGENT)?.detectors['tool-mix-drift']?.state;
    expect(state).toBeDefined();
    expect(Buffer.byteLength(JSON.stringify(state), 'utf8')).toBeLessThanOrEqual(280);
  });

  it('keeps judging a busy agent across the baseline mix halving its counts', () => {
    // 24/7, a call every 2 minutes: 720 calls a day, the mix (cap 4 096) halves every few days.
    const busy = T.batch247({ agent: AGENT, prefix: 'busy', days: 14, tools: MIX, bytes: 20_000, everyMin: 6 });
    expect(run(busy)).toEqual([]);
    const alerts = run(T.merge(busy, takeover('tk', at(12, 5, 0) + 30_000, 200, [EXPORT], 0.7)));
    expect(alerts).toHaveLength(1);
    expect(Date.parse(alerts[0]!.time)).toBeGreaterThanOrEqual(at(12, 5, 0));
  });
});
