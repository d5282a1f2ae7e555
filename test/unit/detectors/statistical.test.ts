// Targeted tests of the nine statistical detectors through the engine, on traffic from
// test/helpers/traffic.ts: the anomaly after the learning period alerts, the same anomaly inside
// it does not, a 24/7 agent is never unusual at 3 a.m., and every alert states observed vs expected.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/alerts/alert.js';
import { builtinDetector, events, runDetector } from '../../helpers/engine.js';
import * as T from '../../helpers/traffic.js';

const { DAY, START } = T;
const { at } = T;

const OPS = T.OFFICE_TOOLS;
const BATCH: T.Tool[] = [
  { tool: 'etl.extract', system: 'warehouse', action: 'read' },
  { tool: 'etl.load', system: 'warehouse', action: 'write' },
  { tool: 'erp.read_ledger', system: 'erp-prod', action: 'read' },
];

const office = (days: number, agent = 'ops-bot'): T.NativeEvent[] =>
  T.businessHours({ agent, prefix: `${agent}-n`, days, tools: OPS, bytes: 20_000 });
const nightly = (days: number, agent = 'night-batch'): T.NativeEvent[] =>
  T.batch247({ agent, prefix: `${agent}-n`, days, tools: BATCH, bytes: 50_000, everyMin: 60 });

function run(detectorId: string, stream: T.NativeEvent[], options?: Record<string, unknown>): Alert[] {
  const result = runDetector(builtinDetector(detectorId), events(...stream), undefined, options === undefined ? {} : { options });
  expect(result.failures).toEqual([]);
  return result.alerts;
}

/** The alert states what it saw and what it expected, with figures in its summary. */
function checkStatesObservedVsExpected(alert: Alert): void {
  expect(Object.keys(alert.observed).length, alert.key).toBeGreaterThan(0);
  expect(Object.keys(alert.expected).length, alert.key).toBeGreaterThan(0);
  expect(alert.summary, alert.key).toMatch(/\d/);
  expect(alert.summary, alert.key).not.toMatch(/undefined|NaN|\[object Object\]/);
}

interface Scenario {
  detector: string;
  /** Normal traffic long enough to pass the learning period (days). */
  days: number;
  /** Day of the anomaly after the learning period, and inside it. */
  after: number;
  before: number;
  normal: (days: number) => T.NativeEvent[];
  anomaly: (day: number, tag: string) => T.NativeEvent[];
  key: string | RegExp;
}

const scenarios: Scenario[] = [
  {
    detector: 'first-seen-system',
    days: 10,
    after: 8,
    before: 1,
    normal: (days) => office(days),
    anomaly: (day, tag) => [T.newSystem(`${tag}-fss`, 'ops-bot', at(day, 11, 3), `payroll-${tag}`)],
    key: /^system:payroll-/,
  },
  {
    detector: 'first-seen-tool',
    days: 10,
    after: 8,
    before: 1,
    normal: (days) => office(days),
    anomaly: (day, tag) => [T.call(`${tag}-fst`, 'ops-bot', at(day, 11, 3), { tool: `shell.exec_${tag}`, system: 'crm', action: 'write' }, 1000)],
    key: /^tool:shell\.exec_/,
  },
  {
    detector: 'volume-spike',
    days: 9,
    after: 8,
    before: 1,
    normal: (days) => office(days),
    anomaly: (day, tag) => T.burst(`${tag}-vs`, 'ops-bot', at(day, 14), 30, OPS[0]!, 5_000_000),
    key: 'volume',
  },
  {
    detector: 'rate-spike',
    days: 9,
    after: 8,
    before: 1,
    normal: (days) => office(days),
    anomaly: (day, tag) => T.burst(`${tag}-rs`, 'ops-bot', at(day, 14), 150, OPS[0]!, 20_000),
    key: 'rate',
  },
  {
    detector: 'denial-burst',
    days: 9,
    after: 8,
    before: 1,
    normal: (days) => [...office(days), ...T.dailyDenials('dd', 'ops-bot', days, 11, 'hr-prod')],
    anomaly: (day, tag) => T.denials(`${tag}-db`, 'ops-bot', at(day, 14), 12, ['hr-prod', 'bank-api', 'vault', 'mail-external']),
    key: 'denials',
  },
  {
    detector: 'token-burst',
    days: 9,
    after: 8,
    before: 1,
    normal: (days) => [...office(days), ...T.dailyTokens('dt', 'ops-bot', days, [9, 11, 13, 15])],
    anomaly: (day, tag) => T.tokenBurst(`${tag}-tb`, 'ops-bot', at(day, 14), 25, day * 1000),
    key: 'tokens',
  },
];

describe('statistical detectors on generated traffic', () => {
  for (const s of scenarios) {
    describe(s.detector, () => {
      it('normal traffic raises nothing', () => {
        expect(run(s.detector, T.merge(s.normal(s.days)))).toEqual([]);
      });

      it('the anomaly after the learning period alerts, stating observed vs expected', () => {
        const alerts = run(s.detector, T.merge(s.normal(s.days), s.anomaly(s.after, 'late')));
        expect(alerts.length).toBeGreaterThan(0);
        for (const alert of alerts) {
          expect(alert.agent.id).toBe('ops-bot');
          if (typeof s.key === 'string') expect(alert.key).toBe(s.key);
          else expect(alert.key).toMatch(s.key);
          checkStatesObservedVsExpected(alert);
          // A peak count in `expected` is the number the summary states (one decimal below 10).
          for (const [key, value] of Object.entries(alert.expected)) {
            if (/^peak_(?!kb)/.test(key) && typeof value === 'number' && value > 0) expect(alert.summary, key).toMatch(new RegExp(`peak (of|for [^;]*? is) ${String(value).replace('.', '\\.')} `));
          }
        }
      });

      it('the same anomaly inside the learning period raises nothing', () => {
        expect(run(s.detector, T.merge(s.normal(s.days), s.anomaly(s.before, 'early')))).toEqual([]);
      });
    });
  }

  describe('unusual-time', () => {
    const night = (agent: string, day: number): T.NativeEvent[] => T.session(`${agent}-3am-${day}`, agent, at(day, 3), 4, OPS, 20_000);

    it('a business-hours agent at 3 a.m. after the learning period → alert', () => {
      const alerts = run('unusual-time', T.merge(office(11), night('ops-bot', 10)));
      expect(alerts.map((alert) => alert.key)).toEqual(['hour:03']);
      expect(alerts[0]!.event.id).toBe('ops-bot-3am-10-00001');
      checkStatesObservedVsExpected(alerts[0]!);
    });

    it('a new instance in the evening is one alert across the hours it spans, and says when it was first used', () => {
      const office = T.businessHours({ agent: 'ops-bot', prefix: 'ops', days: 11, tools: OPS, bytes: 20_000, instance: 'i-office' });
      const rogue = [at(10, 19, 27), at(10, 19, 40), at(10, 19, 55), at(10, 20, 5), at(10, 20, 15)].map((time, i) => ({
        ...T.call(`rogue-${i}`, 'ops-bot', time, OPS[0]!, 20_000),
        agent: { id: 'ops-bot', instance: 'i-rogue' },
      }));
      const alerts = run('unusual-time', T.merge(office, rogue));
      expect(alerts.map((alert) => alert.key)).toEqual(['instance:i-rogue']);
      expect(alerts[0]!.summary).toContain('from instance i-rogue, which it had never used before');
      expect(alerts[0]!.observed).toMatchObject({ new_instance: true, instance_first_used: new Date(at(10, 19, 27)).toISOString() });
    });

    it('a 24/7 batch agent at 3 a.m. → no alert', () => {
      expect(run('unusual-time', T.merge(nightly(11), night('night-batch', 10)))).toEqual([]);
    });

    it('a 24/7 batch agent never alerts, whatever the hour', () => {
      expect(run('unusual-time', T.merge(nightly(14)))).toEqual([]);
    });

    it('the business-hours agent at 3 a.m. inside the learning period → no alert', () => {
      expect(run('unusual-time', T.merge(office(11), night('ops-bot', 2)))).toEqual([]);
    });

    it('a longer learning period keeps the same 3 a.m. session quiet', () => {
      expect(run('unusual-time', T.merge(office(11), night('ops-bot', 10)), { learning_period: '14d' })).toEqual([]);
    });
  });

  describe('tool-mix-drift', () => {
    const MIX: T.Tool[] = [...Array.from({ length: 39 }, (_, i) => OPS[i % 4]!), { tool: 'crm.export', system: 'crm', action: 'read' }];
    const normal = (): T.NativeEvent[] => T.businessHours({ agent: 'ops-bot', prefix: 'mix', days: 12, tools: MIX, bytes: 20_000 });
    const drift = (): T.NativeEvent[] => T.session('drift', 'ops-bot', at(11, 17), 60, [MIX[39]!], 20_000, 2);

    it('normal traffic raises nothing', () => {
      expect(run('tool-mix-drift', T.merge(normal()))).toEqual([]);
    });

    it('a run of calls of a rarely used tool alerts (key mix), stating observed vs expected', () => {
      const alerts = run('tool-mix-drift', T.merge(normal(), drift()));
      expect(alerts.map((alert) => alert.key)).toEqual(['mix']);
      checkStatesObservedVsExpected(alerts[0]!);
    });

    it('the same run while the learning period lasts raises nothing', () => {
      expect(run('tool-mix-drift', T.merge(normal(), drift()), { learning_period: '14d' })).toEqual([]);
    });
  });

  describe('slow-drift', () => {
    const rising = (factors: Record<number, number>): T.NativeEvent[] =>
      office(12).map((event) => {
        const day = Math.floor((Date.parse(event.time) - START) / DAY);
        const factor = event.tool === 'crm.lookup' ? factors[day] : undefined;
        return factor === undefined ? event : { ...event, bytes: Math.round((event.bytes as number) * factor) };
      });

    it('steady traffic raises nothing', () => {
      expect(run('slow-drift', T.merge(office(12)))).toEqual([]);
    });

    it('a tool moving more bytes day after day after the learning period alerts (key volume:<tool>)', () => {
      const alerts = run('slow-drift', T.merge(rising({ 8: 2.5, 9: 3, 10: 3.5 })));
      expect(alerts.map((alert) => alert.key)).toEqual(['volume:crm.lookup']);
      checkStatesObservedVsExpected(alerts[0]!);
    });

    it('alerts with the call of the drifting tool that takes the run\'s last day over the bar, not with a later event of another tool', () => {
      const [alert] = run('slow-drift', T.merge(rising({ 8: 2.5, 9: 3, 10: 3.5 })));
      // Days 8 and 9 make the run of two: the alert comes on day 9, with a crm.lookup call, and is about day 9.
      expect(alert!.event.tool).toBe('crm.lookup');
      expect(Math.floor((Date.parse(alert!.time) - START) / DAY)).toBe(9);
      expect(Date.parse(alert!.window.start)).toBe(START + 9 * DAY);
      expect(alert!.observed).toMatchObject({ tool: 'crm.lookup', rising_days: 2 });
      expect(alert!.observed.previous_day_kb).toBeGreaterThan(0);
      expect(alert!.recommendation).toContain(`review what it read with crm.lookup on ${alert!.event.system}`);
    });

    it('the same rise inside the learning period raises nothing', () => {
      expect(run('slow-drift', T.merge(rising({ 8: 2.5, 9: 3, 10: 3.5 })), { learning_period: '14d' })).toEqual([]);
    });

    it('a busy spell that lifts every tool raises the bar by the square root of how busy: nothing, unless busy_days is off', () => {
      const busy = (factors: Record<number, number>): T.NativeEvent[] =>
        office(12).map((event) => {
          const factor = factors[Math.floor((Date.parse(event.time) - START) / DAY)];
          return factor === undefined ? event : { ...event, bytes: Math.round((event.bytes as number) * factor) };
        });
      // Every tool at 2.5–3.5× its usual day: the bar is 2 × √(2.5–3.5) = 3.2–3.7×.
      expect(run('slow-drift', T.merge(busy({ 8: 2.5, 9: 3, 10: 3.5 })))).toEqual([]);
      const [alert] = run('slow-drift', T.merge(busy({ 8: 2.5, 9: 3, 10: 3.5 })), { busy_days: false });
      expect(alert?.expected).toMatchObject({ ratio: 2 });
      // One tool far above a busy day's bar alerts, and says what raised it.
      const lifted = busy({ 8: 1.5, 9: 1.5, 10: 1.5 }).map((event) => {
        const day = Math.floor((Date.parse(event.time) - START) / DAY);
        const lift = event.tool === 'crm.lookup' ? { 8: 3, 9: 3.5, 10: 4 }[day] : undefined;
        return lift === undefined ? event : { ...event, bytes: (event.bytes as number) * lift };
      });
      const [busyAlert] = run('slow-drift', T.merge(lifted));
      expect(busyAlert?.key).toBe('volume:crm.lookup');
      expect(busyAlert!.summary).toMatch(/its other tools were busier than usual too \(1\.\d× their usual day\), which raised the bar to 2\.\d×/);
      expect((busyAlert!.expected as { ratio: number }).ratio).toBeGreaterThan(2);
    });

    it('three new systems in three days after the learning period alert (key systems); inside it, nothing', () => {
      const widening = (first: number): T.NativeEvent[] =>
        ['lake', 'vault', 'hr-prod'].map((system, i) => T.newSystem(`wide-${first}-${i}`, 'ops-bot', at(first + i, 10), system));
      const late = run('slow-drift', T.merge(office(12), widening(8)));
      expect(late.map((alert) => alert.key)).toEqual(['systems']);
      checkStatesObservedVsExpected(late[0]!);
      expect(run('slow-drift', T.merge(office(12), widening(1)))).toEqual([]);
    });
  });
});

describe('first-seen-tool wording', () => {
  it('does not count a tool first used earlier the same day among the usual ones', () => {
    const first = T.call('new-1', 'ops-bot', at(8, 11, 3), { tool: 'shell.exec', system: 'crm', action: 'write' }, 1000);
    const second = T.call('new-2', 'ops-bot', at(8, 11, 40), { tool: 'crm.dump', system: 'crm', action: 'read' }, 1000);
    const alerts = run('first-seen-tool', T.merge(office(10), [first, second]));
    expect(alerts.map((alert) => alert.key)).toEqual(['tool:shell.exec', 'tool:crm.dump']);
    const later = alerts[1]!;
    expect(later.expected.known_tools).not.toContain('shell.exec');
    expect(later.expected.recent_tools).toEqual(['shell.exec']);
    expect(later.summary).toContain('first used within the last 24 h: shell.exec');
  });
});

describe('volume-spike largest call and run start', () => {
  const busy = () => T.businessHours({ agent: 'ops-bot', prefix: 'busy', days: 9, tools: OPS, bytes: 20_000, everyMin: 2 });

  it('is never a late event from another day, which the window never counted', () => {
    const burst = T.burst('vs-run', 'ops-bot', at(9, 14), 30, OPS[0]!, 2_000_000);
    const stream = T.merge(busy(), burst);
    const first = stream.findIndex((e) => e.id === burst[0]!.id);
    stream.splice(first + 1, 0, T.call('vs-late', 'ops-bot', at(8, 10), { tool: 'late.tool', system: 'late-sys', action: 'read' }, 1_000_000));
    const [alert] = run('volume-spike', stream);
    expect(alert!.evidence).not.toContain('vs-late');
    expect(alert!.observed).toMatchObject({ largest_call_tool: OPS[0]!.tool });
  });

  it('states when the run started, also for a run that starts with the alerting call', () => {
    const burst = T.burst('vs-run', 'ops-bot', at(9, 14, 30), 3, OPS[0]!, 2_000_000);
    const [alert] = run('volume-spike', T.merge(busy(), burst), { threshold: 3 });
    expect(alert!.summary).not.toContain('since 00:00');
  });
});

describe('first-seen-system wording', () => {
  it('does not list a system used days ago, back in its most used, as first used within 24 h', () => {
    const stream: T.NativeEvent[] = office(10);
    // Six more systems in daily use: with crm and docs the 8-entry top is full.
    for (let d = 0; d < 10; d++) for (let s = 0; s < 6; s++) for (let k = 0; k < 3; k++) stream.push(T.call(`e-${d}-${s}-${k}`, 'ops-bot', at(d, 10 + k, s), { tool: `e${s}.read`, system: `e${s}`, action: 'read' }, 1000));
    stream.push(T.call('old-1', 'ops-bot', at(1, 15), { tool: 'legacy.read', system: 'legacy-db', action: 'read' }, 1000));
    stream.push(T.call('arc-2', 'ops-bot', at(2, 15), { tool: 'archive.read', system: 'archive', action: 'read' }, 1000));
    stream.push(T.call('old-9', 'ops-bot', at(9, 15), { tool: 'legacy.read', system: 'legacy-db', action: 'read' }, 1000));
    stream.push(T.call('new-9', 'ops-bot', at(9, 15, 30), { tool: 'payroll.read', system: 'payroll', action: 'read' }, 1000));
    const alert = run('first-seen-system', T.merge(stream)).find((a) => a.event.id === 'new-9')!;
    expect((alert.expected as { recent_systems?: string[] }).recent_systems ?? []).not.toContain('legacy-db');
  });
});

describe('faded peaks', () => {
  it('are stated with one decimal, in the summary and in expected alike', () => {
    // Three denials in one window on day 1 only: by day 9 that peak has faded to about 1 (0.84 a day).
    const stream = T.merge(office(10), T.denials('early', 'ops-bot', at(1, 14), 3, ['hr-prod']), T.denials('burst', 'ops-bot', at(9, 14), 12, ['hr-prod', 'vault']));
    const [alert] = run('denial-burst', stream);
    const peak = (alert!.expected as { peak_denials: number }).peak_denials;
    expect(Number.isInteger(peak)).toBe(false);
    expect(alert!.summary).toContain(`faded peak of ${peak} `);
  });
});

describe('denial-burst says which rule raised it', () => {
  it('the spread over systems, with its thresholds, when the count stays within the agent\'s peak; the count otherwise', () => {
    // Six denials a day in one window: a burst of 6 on four systems is no spike, but it is spread out.
    const daily = Array.from({ length: 9 }, (_, day) => T.denials(`daily-${day}`, 'ops-bot', at(day, 10), 6, ['hr-prod']));
    const [spread] = run('denial-burst', T.merge(office(10), ...daily, T.denials('spread', 'ops-bot', at(9, 14), 6, ['hr-prod', 'bank-api', 'vault', 'mail-external'])));
    expect(spread!.observed).toMatchObject({ raised_by: 'spread', window_denials: 4 });
    expect(spread!.expected).toMatchObject({ min_spread_denials: 4, min_systems: 4 });
    expect(spread!.expected).not.toHaveProperty('factor');
    expect(spread!.summary).toContain('Raised by the spread, whatever its baseline: at least 4 denials on at least 4 systems in one window.');
    const [count] = run('denial-burst', T.merge(office(10), T.denials('early', 'ops-bot', at(1, 14), 3, ['hr-prod']), T.denials('burst', 'ops-bot', at(9, 14), 12, ['hr-prod'])));
    expect(count!.observed).toMatchObject({ raised_by: 'spike' });
    expect(count!.summary).toContain('Raised by the count: more than 3× its peak.');
    // Absent fields are left out, not null.
    expect(JSON.stringify(count!.observed)).not.toContain('null');
  });
});

describe('volume-spike wording', () => {
  it('names the window\'s largest call and compares the window without it with peaks learned the same way', () => {
    const bulk: T.Tool = { tool: 'storage.get', system: 'object-store', action: 'read' };
    // One 40 MB object read, then a run of oversized reads with the agent's usual tool: the latest call is not where the data came from.
    const burst = [T.call('vs-big', 'ops-bot', at(9, 14), bulk, 40_000_000), ...T.burst('vs-run', 'ops-bot', at(9, 14, 0) + 1000, 30, OPS[0]!, 2_000_000)];
    // Several calls a window: the agent's peaks (windows without their largest call) are not 0.
    const busy = T.businessHours({ agent: 'ops-bot', prefix: 'busy', days: 9, tools: OPS, bytes: 20_000, everyMin: 2 });
    const [alert, ...rest] = run('volume-spike', T.merge(busy, burst));
    expect(rest).toEqual([]);
    expect(alert!.event.system).toBe(OPS[0]!.system);
    expect(alert!.observed).toMatchObject({ largest_call_tool: 'storage.get', largest_call_system: 'object-store', largest_call_kb: Math.round(40_000_000 / 1024) });
    expect(alert!.evidence).toContain('vs-big');
    expect(alert!.recommendation).toContain('storage.get on object-store');
    const observed = alert!.observed as { window_kb: number; window_kb_without_largest_call: number };
    expect(Math.abs(observed.window_kb - observed.window_kb_without_largest_call - 40_000_000 / 1024)).toBeLessThanOrEqual(1);
    // The ratio in the summary is the window without its largest call against the peak (also without its largest call).
    const peak = (alert!.expected as { peak_kb: number }).peak_kb;
    expect(peak).toBeGreaterThan(0);
    const ratio = observed.window_kb_without_largest_call / peak;
    const stated = Number(/\(([\d.]+)×; peaks are rounded up/.exec(alert!.summary)?.[1]);
    expect(Math.abs(stated / ratio - 1)).toBeLessThan(0.02);
  });


  it('an agent whose earlier windows each held one call is told it had nothing to compare with, not that it never moved data', () => {
    const sparse: T.NativeEvent[] = [];
    for (let day = 0; day < 9; day++) {
      for (let hour = 8; hour < 18; hour++) sparse.push(T.call(`sparse-${day}-${hour}`, 'ops-bot', at(day, hour, 7), OPS[hour % 4]!, 20_000));
    }
    const alerts = run('volume-spike', T.merge(sparse, T.burst('sparse-burst', 'ops-bot', at(9, 14), 30, OPS[0]!, 5_000_000)));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.summary).toContain('nothing to compare with');
    expect(alerts[0]!.summary).not.toContain('had not moved data');
  });
});
