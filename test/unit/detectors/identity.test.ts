import { describe, expect, it } from 'vitest';
import inactiveAgent from '../../../detectors/inactive-agent.js';
import unregisteredAgent from '../../../detectors/unregistered-agent.js';
import { builtinDetector, events, runDetector } from '../../helpers/engine.js';

let seq = 0;
const at = (agent: string, minute: number, type: 'tool_use' | 'access_denied' = 'tool_use') => ({
  id: `id-${++seq}`,
  time: Date.parse('2026-06-15T09:00:00Z') + minute * 60_000,
  type,
  agent: { id: agent },
  system: 'erp-prod',
  ...(type === 'tool_use' ? { tool: 'erp.read_invoices', action: 'read' } : { action: 'read' }),
});

describe('unregistered-agent', () => {
  const run = (input: object[]) => runDetector(builtinDetector(unregisteredAgent.id), events(...input)).alerts;

  it('raises one alert per unknown agent per window, keyed by the agent id', () => {
    const alerts = run([at('ghost', 0), at('ghost', 10), at('ghost', 59), at('phantom', 5), at('ghost', 60), at('invoice-bot', 1)]);
    expect(alerts.map((alert) => [alert.agent.id, alert.key])).toEqual([
      ['ghost', 'ghost'],
      ['phantom', 'phantom'],
      ['ghost', 'ghost'],
    ]);
    expect(alerts[0]!.agent.registered).toBe(false);
    expect(alerts[0]!.scope).toBeUndefined();
  });
});

describe('inactive-agent', () => {
  const run = (input: object[], options?: Record<string, unknown>) =>
    runDetector(builtinDetector(inactiveAgent.id), events(...input), undefined, { options }).alerts;

  it('is critical for a retired agent, high for a suspended one', () => {
    expect(run([at('legacy-bot', 0), at('paused-bot', 0)]).map((alert) => [alert.key, alert.severity])).toEqual([
      ['status:retired', 'critical'],
      ['status:suspended', 'high'],
    ]);
  });

  it('reports denials unless alert_on_denied is off', () => {
    expect(run([at('paused-bot', 0, 'access_denied')])).toHaveLength(1);
    expect(run([at('paused-bot', 0, 'access_denied')], { alert_on_denied: false })).toEqual([]);
  });

  it('leaves active and unregistered agents alone', () => {
    expect(run([at('invoice-bot', 0), at('ghost', 0)])).toEqual([]);
  });
});
