// Late events, excepted events and tools that change slots: each once left state behind that
// changed what the detectors judged afterwards.
import { describe, expect, it } from 'vitest';
import rateSpike from '../../../detectors/rate-spike.js';
import firstSeenSystem from '../../../detectors/first-seen-system.js';
import slowDrift from '../../../detectors/slow-drift.js';
import toolMixDrift from '../../../detectors/tool-mix-drift.js';
import { baselineCallUsual, baselineCallZ, baselineSpike, createBaseline, updateBaseline } from '../../../src/engine/baseline.js';
import { configureDetector, type ConfiguredDetector } from '../../../src/engine/configured-detector.js';
import { Engine, type EngineOutput } from '../../../src/engine/engine.js';
import { HOUR, MINUTE, T0, toolUse } from '../../fixtures/core/events.js';

const DAY = 24 * HOUR;
const day0 = Math.floor(T0 / DAY) * DAY;

function engineFor(detector: ConfiguredDetector) {
  const engine = new Engine([detector]);
  const output: EngineOutput = { alerts: [], dryRun: [] };
  const call = (time: number, fields: Record<string, unknown>) =>
    engine.process(toolUse({ agent: { id: 'bot' }, time: new Date(time).toISOString(), ...fields }), output);
  return { engine, output, call };
}

describe('an excepted event', () => {
  it('leaves no cooldown behind: a real spike after an excepted one is alerted', () => {
    const { engine, output, call } = engineFor(configureDetector(rateSpike, { exceptions: [{ tool: 'backup.*' }] }));
    for (let h = 0; h < 96; h++) for (let i = 0; i < 3; i++) call(T0 + h * HOUR + i * 10 * MINUTE, { tool: 'erp.read' });
    const t = T0 + 96 * HOUR + 5 * MINUTE;
    for (let i = 0; i < 110; i++) call(t + i * 2000, { tool: 'backup.export' }); // the excepted nightly backup
    expect(output.alerts).toEqual([]);
    expect(engine.stats.detectors['rate-spike']!.excepted).toBe(110);
    for (let i = 0; i < 700; i++) call(t + 20 * MINUTE + i * 400, { tool: 'erp.read' }); // 20 minutes later, a loop
    expect(output.alerts.map((alert) => alert.event.tool)).toEqual(['erp.read']);
  });
});

describe('a late event', () => {
  it('dated weeks back does not end a new agent\'s learning period', () => {
    const { engine, output, call } = engineFor(configureDetector(firstSeenSystem));
    call(T0, { system: 'erp-prod' });
    call(T0 - 10 * DAY, { system: 'erp-prod' }); // back-filled or re-delivered
    call(T0 + HOUR, { system: 'crm-prod' });
    call(T0 + HOUR + MINUTE, { system: 'mail-internal' });
    expect(output.alerts).toEqual([]);
    expect(engine.agentState('bot')!.baseline.t0).toBe(T0);
  });

  it('of yesterday does not reset tool-mix-drift\'s counts of today', () => {
    const run = (late: boolean): number => {
      const { output, call } = engineFor(configureDetector(toolMixDrift));
      const usual = ['a.read', 'b.read', 'c.read', 'd.read'];
      for (let d = 0; d < 14; d++) {
        for (let i = 0; i < 30; i++) call(day0 + d * DAY + 9 * HOUR + i * 15 * MINUTE, { tool: i === 7 ? 'rare.use' : usual[i % 4] });
      }
      const today = day0 + 14 * DAY + 9 * HOUR;
      for (let i = 0; i < 10; i++) call(today + i * 10 * MINUTE, { tool: usual[i % 4] });
      for (let i = 0; i < 30; i++) {
        if (late && i === 12) call(day0 + 13 * DAY + 17 * HOUR, { tool: 'a.read' });
        call(today + 2 * HOUR + i * 2 * MINUTE, { tool: 'rare.use' });
      }
      return output.alerts.length;
    };
    expect(run(false)).toBeGreaterThan(0);
    expect(run(true)).toBe(run(false));
  });
});

describe('slow-drift widening', () => {
  it('judges the call that brings the new systems to min_new_systems, also when it is the day\'s last', () => {
    const run = (followUp: boolean): string[] => {
      const { output, call } = engineFor(configureDetector(slowDrift));
      for (let d = 0; d < 14; d++) {
        for (let h = 9; h < 17; h++) call(day0 + d * DAY + h * HOUR, { system: 'erp-prod', tool: 'x.op' });
        if (d >= 8 && d <= 10) call(day0 + d * DAY + 17 * HOUR, { system: `new-sys-${d}`, tool: 'x.op' });
        if (d === 10 && followUp) call(day0 + d * DAY + 18 * HOUR, { system: 'erp-prod', tool: 'x.op' });
      }
      return output.alerts.map((alert) => `${alert.key} ${alert.event.system}`);
    };
    expect(run(false)).toEqual(['systems new-sys-10']);
    expect(run(true)).toEqual(run(false));
  });
});

describe('a tool that takes a top-K slot with a call without bytes', () => {
  it('does not inherit the call sizes of the tool it replaced', () => {
    const baseline = createBaseline();
    let t = T0;
    for (let i = 0; i < 12; i++) for (let j = 0; j < 3; j++) updateBaseline(baseline, toolUse({ tool: `t${i}.op`, bytes: 1024, time: new Date((t += MINUTE)).toISOString() }));
    updateBaseline(baseline, toolUse({ tool: 'z.export', time: new Date((t += MINUTE)).toISOString() }));
    expect(baseline.tools.v).toContain('z.export');
    expect(baselineCallUsual(baseline, 'z.export')).toBeNaN();
    expect(baselineCallZ(baseline, 'z.export', 1 << 20)).toBeNaN();
  });
});

describe('a spike against a peak that faded over quiet days', () => {
  it('is measured against the typical active window when that is larger ("usual" is never below typical)', () => {
    const baseline = createBaseline();
    const hour14 = day0 + 14 * HOUR;
    // Two busy days, twelve windows of 6 calls at 14:00–15:00 each, then eight quiet days: the peak fades, the typical window stays.
    for (let d = 0; d < 2; d++) for (let w = 0; w < 12; w++) for (let i = 0; i < 6; i++) updateBaseline(baseline, toolUse({ tool: 'a.read', time: new Date(hour14 + d * DAY + w * 5 * MINUTE + i * 1000).toISOString() }));
    const at = hour14 + 10 * DAY;
    for (let i = 0; i < 99; i++) updateBaseline(baseline, toolUse({ tool: 'a.read', time: new Date(at + i * 1000).toISOString() }));
    const spike = baselineSpike(baseline, 'events', at + 100_000, 1, { factor: 3, minimum: 20, minZ: 4, minWindows: 8, radius: 1 });
    expect(spike).toBeDefined();
    expect(spike!.peak).toBeLessThan(6); // faded
    expect(spike!.typical.median).toBe(6);
    expect(spike!.ratio).toBeCloseTo(100 / 6, 5);
  });
});
