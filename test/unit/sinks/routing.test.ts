import { describe, expect, it } from 'vitest';
import { AlertRouter } from '../../../src/alerts/routing.js';
import { DriftwatchError } from '../../../src/errors.js';
import { createSinks } from '../../../src/sinks/create.js';
import type { AlertSink } from '../../../src/sinks/sink.js';
import { RoutedSink, RoutingTable, UnroutedAlerts } from '../../../src/sinks/routed.js';
import { PassThrough } from 'node:stream';
import { alert, captureLogger } from './support.js';

const critical = alert('a-critical', { severity: 'critical', detector: 'token-misuse', agent: { id: 'payments-bot', registered: true } });
const low = alert('a-low', { severity: 'low', detector: 'stale-review', agent: { id: 'hr-bot', registered: true } });
const medium = alert('a-medium', { severity: 'medium', detector: 'scope-violation', agent: { id: 'invoice-bot', registered: true } });

describe('AlertRouter', () => {
  it('without routes sends every alert to every sink', () => {
    const router = new AlertRouter(['siem', 'pager']);
    expect(router.sinksFor(low)).toEqual(['siem', 'pager']);
    expect(router.route([low, critical]).unrouted).toEqual([]);
  });

  it('sends an alert to the union of the sinks of every rule it matches, by severity, detector glob and agent glob', () => {
    const router = new AlertRouter(['siem', 'pager', 'payments-team'], {
      routes: [
        { match: {}, sinks: ['siem'] },
        { match: { severity_at_least: 'high' }, sinks: ['pager'] },
        { match: { detectors: ['token-*'], agents: ['payments-*'] }, sinks: ['payments-team'] },
      ],
    });
    expect(router.sinksFor(critical)).toEqual(['siem', 'pager', 'payments-team']);
    expect(router.sinksFor(low)).toEqual(['siem']);
    const routed = router.route([critical, low, medium]);
    expect(routed.bySink.get('siem')?.map((a) => a.id)).toEqual(['a-critical', 'a-low', 'a-medium']);
    expect(routed.bySink.get('pager')?.map((a) => a.id)).toEqual(['a-critical']);
    expect(routed.bySink.get('payments-team')?.map((a) => a.id)).toEqual(['a-critical']);
  });

  it('requires every condition of a rule', () => {
    const router = new AlertRouter(['x'], { routes: [{ match: { severity_at_least: 'medium', agents: ['invoice-*'] }, sinks: ['x'] }] });
    expect(router.sinksFor(medium)).toEqual(['x']);
    expect(router.sinksFor(critical)).toEqual([]);
  });

  it('sends alerts that match no rule to default_sinks, or reports them as unrouted', () => {
    const routes = [{ match: { severity_at_least: 'high' as const }, sinks: ['pager'] }];
    expect(new AlertRouter(['siem', 'pager'], { routes, default_sinks: ['siem'] }).sinksFor(low)).toEqual(['siem']);
    const routed = new AlertRouter(['siem', 'pager'], { routes }).route([low, critical]);
    expect(routed.unrouted.map((a) => a.id)).toEqual(['a-low']);
  });

  it('refuses a route to a sink that does not exist', () => {
    expect(() => new AlertRouter(['siem'], { routes: [{ sinks: ['nope'] }] })).toThrow(DriftwatchError);
    expect(() => new AlertRouter(['siem'], { default_sinks: ['nope'] })).toThrow(/default_sinks names sink "nope"/);
  });
});

class Recorder implements AlertSink {
  readonly got: string[] = [];
  constructor(readonly name: string) {}
  async deliver(alerts: readonly { id: string }[]) {
    this.got.push(...alerts.map((a) => a.id));
  }
  async close() {}
}

describe('routed sinks', () => {
  it('each sink takes only its alerts; unrouted alerts are counted and logged', async () => {
    const table = new RoutingTable(new AlertRouter(['siem', 'pager'], { routes: [{ match: { severity_at_least: 'high' }, sinks: ['pager'] }, { match: { detectors: ['scope-*'] }, sinks: ['siem'] }] }));
    const siem = new Recorder('siem');
    const pager = new Recorder('pager');
    const logger = captureLogger();
    const unrouted = new UnroutedAlerts(table, logger);
    const sinks = [new RoutedSink(siem, table), new RoutedSink(pager, table), unrouted];
    const batch = [critical, low, medium];
    const reports = await Promise.all(sinks.map((s) => s.deliver(batch)));
    expect(siem.got).toEqual(['a-medium']);
    expect(pager.got).toEqual(['a-critical']);
    expect(reports[2]).toEqual({ delivered: 0, rejected: 0, unrouted: 1 });
    expect(unrouted.count).toBe(1);
    expect(logger.entries[0]).toMatchObject({ level: 'warn', fields: { alerts: 1, ids: ['a-low'] } });
  });

  it('createSinks wraps the sinks when routes are configured', () => {
    const out = new PassThrough();
    const plain = createSinks([{ type: 'console', name: 'console', color: 'never' }], out);
    expect(plain.map((s) => s.name)).toEqual(['console']);
    const routed = createSinks([{ type: 'console', name: 'console', color: 'never' }], out, {
      routes: [{ match: { severity_at_least: 'high' }, sinks: ['console'] }],
    });
    expect(routed.map((s) => s.name)).toEqual(['console', '(unrouted)']);
  });
});
