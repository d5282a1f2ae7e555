import { describe, expect, it } from 'vitest';
import detector from '../../../detectors/token-escalation.js';
import { builtinDetector, events, runDetector } from '../../helpers/engine.js';

let seq = 0;
const issued = (agent: string, token: object) => ({
  id: `te-${++seq}`,
  time: Date.parse('2026-06-15T09:00:00Z') + seq * 3_600_000,
  type: 'token_issued',
  agent: { id: agent },
  token: { fingerprint: `sha256:aabbccddeeff00${String(seq).padStart(4, '0')}`, issuer: 'https://idp.corp.example', ...token },
});

const run = (input: object[], options?: Record<string, unknown>) => {
  const result = runDetector(builtinDetector(detector.id), events(...input), undefined, { options });
  expect(result.failures).toEqual([]);
  return result.alerts;
};
const keys = (input: object[], options?: Record<string, unknown>) => run(input, options).map((alert) => alert.key);

describe('token-escalation', () => {
  it('accepts registered grants, audiences (default: the scope systems) and scopes', () => {
    expect(keys([
      issued('invoice-bot', { grant: 'client_credentials', audience: 'mail-internal' }),
      issued('payments-bot', { grant: 'token_exchange', audience: 'erp-prod', scopes: ['payments:initiate', 'erp:read'] }),
    ])).toEqual([]);
  });

  it('does not check what the registry leaves open', () => {
    // invoice-bot registers no token scope patterns; a token that names no grant or audience leaves nothing to judge.
    expect(keys([issued('invoice-bot', { scopes: ['anything'] }), issued('invoice-bot', {})])).toEqual([]);
  });

  it('reports each kind of problem with its own key', () => {
    expect(keys([
      issued('invoice-bot', { grant: 'password' }),
      issued('invoice-bot', { audience: 'hr-prod' }),
      issued('payments-bot', { scopes: ['payments:read', 'payments:admin', 'bank:root'] }),
    ])).toEqual(['grant:password', 'audience:hr-prod', 'scope:payments:admin']);
  });

  it('lists every out-of-scope token scope and the allowed ones', () => {
    const alerts = run([issued('payments-bot', { scopes: ['payments:read', 'payments:admin', 'bank:root'] })]);
    expect(alerts[0]!.observed).toMatchObject({ outside: { scopes: ['payments:admin', 'bank:root'] } });
    expect(alerts[0]!.summary).toContain('scopes payments:admin, bank:root are outside its allowed token scopes (payments:read, payments:initiate, erp:read)');
    expect(alerts[0]!.scope).toEqual({ credentials: { audiences: ['bank-api', 'erp-prod'], grants: ['client_credentials', 'token_exchange'], scopes: ['payments:read', 'payments:initiate', 'erp:read'] } });
  });

  it('lets each check be switched off', () => {
    const all = issued('payments-bot', { grant: 'password', audience: 'hr-prod', scopes: ['hr:admin'] });
    expect(keys([all])).toEqual(['audience:hr-prod']);
    expect(keys([{ ...all, id: 'b' }], { check_audience: false })).toEqual(['scope:hr:admin']);
    expect(keys([{ ...all, id: 'c' }], { check_audience: false, check_scopes: false })).toEqual(['grant:password']);
    expect(keys([{ ...all, id: 'd' }], { check_audience: false, check_scopes: false, check_grant: false })).toEqual([]);
  });
});
