import { describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/engine.js';
import { TokenLedger } from '../../../src/engine/token-ledger.js';
import { TOKEN_DEFAULT_LIFETIME_MS, TOKEN_RETENTION_AFTER_EXPIRY_MS, TokenCheckpoint } from '../../../src/kafka/token-checkpoint.js';
import type { TokenGrant } from '../../../src/sdk/detector.js';

function setup(): { ledger: TokenLedger; tokens: TokenCheckpoint } {
  const ledger = new TokenLedger();
  return { ledger, tokens: new TokenCheckpoint({ tokens: ledger } as unknown as Engine) };
}

const grant = (fingerprint: string, agentId: string, issuedAt: number): TokenGrant => ({ fingerprint, agentId, eventId: `e-${fingerprint}-${issuedAt}`, issuedAt });
const pastRetirement = (issuedAt: number) => issuedAt + TOKEN_DEFAULT_LIFETIME_MS + TOKEN_RETENTION_AFTER_EXPIRY_MS + 7_200_000;

describe('TokenCheckpoint.adopt', () => {
  it('records another instance\'s grant in the ledger without capturing it for publishing', () => {
    const { ledger, tokens } = setup();
    tokens.adopt(grant('f1', 'agent-a', 1_000));
    expect(ledger.get('f1')?.agentId).toBe('agent-a');
    expect(tokens.take(0)).toEqual([]);
    // Grants the engine records are still captured.
    ledger.record(grant('f2', 'agent-b', 2_000));
    expect(tokens.take(0).map((g) => g.fingerprint)).toEqual(['f2']);
  });

  it('does not track an adopted grant for retirement on any partition', () => {
    const { tokens } = setup();
    tokens.adopt(grant('f1', 'agent-a', 1_000));
    tokens.restore(1, [grant('f2', 'agent-b', 1_000)]);
    for (const partition of [0, 1, 2]) expect(tokens.due(partition, pastRetirement(1_000))).toEqual(partition === 1 ? ['f2'] : []);
  });

  it('keeps a later grant of the same fingerprint', () => {
    const { ledger, tokens } = setup();
    ledger.record(grant('f1', 'agent-b', 5_000));
    tokens.adopt(grant('f1', 'agent-a', 1_000));
    expect(ledger.get('f1')?.agentId).toBe('agent-b');
    tokens.adopt(grant('f1', 'agent-c', 9_000));
    expect(ledger.get('f1')?.agentId).toBe('agent-c');
  });
});
