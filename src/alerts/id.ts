import { createHash } from 'node:crypto';

/** Deterministic alert id from (detector, agent, key, window start): stable across replays and instances. */
export function alertId(detector: string, agentId: string, key: string, windowStartMs: number): string {
  const digest = createHash('sha256')
    .update(`${detector}\u001f${agentId}\u001f${key}\u001f${windowStartMs}`)
    .digest('hex');
  return `dw-${digest.slice(0, 32)}`;
}
