import { describe, expect, it } from 'vitest';
import detector from '../../../detectors/excessive-token-ttl.js';
import { builtinDetector, events, parseCaseRegistry, runDetector } from '../../helpers/engine.js';

let seq = 0;
const issued = (agent: string, ttl_s?: number) => ({
  id: `tt-${++seq}`,
  time: Date.parse('2026-06-15T09:00:00Z') + seq * 3_600_000,
  type: 'token_issued',
  agent: { id: agent },
  token: { fingerprint: `sha256:00112233445566${String(seq).padStart(4, '0')}`, issuer: 'https://idp.corp.example', ...(ttl_s === undefined ? {} : { ttl_s }) },
});

const run = (input: object[], options?: Record<string, unknown>, registry?: ReturnType<typeof parseCaseRegistry>) => {
  const result = runDetector(builtinDetector(detector.id), events(...input), registry, { options });
  expect(result.failures).toEqual([]);
  return result.alerts;
};

describe('excessive-token-ttl', () => {
  it('accepts a token within or at its limit', () => {
    expect(run([issued('invoice-bot', 60), issued('invoice-bot', 900), issued('planner', 3600)])).toEqual([]);
  });

  it('reports a lifetime above the limit with both durations', () => {
    const alerts = run([issued('invoice-bot', 901), issued('payments-bot', 3600)]);
    expect(alerts.map((alert) => [alert.agent.id, alert.key, alert.severity])).toEqual([
      ['invoice-bot', 'ttl:excessive', 'medium'],
      ['payments-bot', 'ttl:excessive', 'medium'],
    ]);
    expect(alerts[1]!.title).toBe('payments-bot was issued a token valid for 1h, above its limit of 10m');
    expect(alerts[1]!.summary).toContain('6× its registered maximum of 10m');
    expect(alerts[1]!.expected).toEqual({ max_ttl: '10m', max_ttl_s: 600 });
    expect(alerts[1]!.recommendation).toContain(`Revoke token fingerprint ${alerts[1]!.event.token}`);
  });

  it('rates a lifetime of 24 times the limit or more high: a standing credential', () => {
    const alerts = run([issued('payments-bot', 24 * 600 - 1), issued('payments-bot', 24 * 600), issued('payments-bot', 365 * 86_400)]);
    expect(alerts.map((alert) => alert.severity)).toEqual(['medium', 'high', 'high']);
  });

  it('never rounds the factor up past the figure the severity is decided on; a lifetime just over the limit says by how much', () => {
    const [justUnderHigh] = run([issued('payments-bot', 24 * 600 - 1)]);
    expect(justUnderHigh!.severity).toBe('medium');
    expect(justUnderHigh!.summary).toContain('(14399 s), 23× its registered maximum of 10m');
    const [barelyOver] = run([issued('invoice-bot', 901)]);
    expect(barelyOver!.summary).toContain('(901 s), 0.1% above its registered maximum of 15m');
    const [halfOver] = run([issued('payments-bot', 900)]);
    expect(halfOver!.summary).toContain('(900 s), 50% above its registered maximum of 10m');
    // 345 s against 300 s: (345/300 − 1) × 100 is 14.999… in floating point.
    const [fifteen] = run([issued('payments-bot', 690)]);
    expect(fifteen!.summary).toContain('(690 s), 15% above its registered maximum of 10m');
  });

  it('tolerates tolerance_s', () => {
    expect(run([issued('invoice-bot', 930)], { tolerance_s: 30 })).toEqual([]);
    expect(run([issued('invoice-bot', 931)], { tolerance_s: 30 })).toHaveLength(1);
  });

  it('reports a missing lifetime only when asked', () => {
    expect(run([issued('invoice-bot')])).toEqual([]);
    expect(run([issued('invoice-bot')], { alert_on_missing_ttl: true }).map((alert) => alert.key)).toEqual(['ttl:missing']);
  });

  it('does not judge an agent without any max_ttl', () => {
    const registry = parseCaseRegistry(`
agents:
  - { id: free-bot, owner: o@corp.example, custodian: team-x, scope: { systems: [docs] } }
`, 'inline.yaml');
    expect(run([issued('free-bot', 10 ** 7)], undefined, registry)).toEqual([]);
  });
});
