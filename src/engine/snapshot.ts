import { DriftwatchError } from '../errors.js';
import type { TokenGrant } from '../sdk/detector.js';
import type { AgentState, Engine } from './engine.js';
import { restoreRecentAlerts, type RecentAlerts } from './recent-alerts.js';
import { restoreBaseline, storedBaseline, type StoredBaseline } from './baseline.js';

/** One agent's state as checkpointed: detector states by detector id, with the version that wrote them (null states left out). */
export interface AgentSnapshot {
  v: 1;
  agent: string;
  clock: number;
  detectors: Record<string, { version: string; state: unknown }>;
  recent: RecentAlerts;
  /** The agent's behavioural baseline; absent in snapshots written before baselines existed. */
  baseline?: StoredBaseline;
}

export interface EngineSnapshot {
  v: 1;
  agents: AgentSnapshot[];
  tokens: TokenGrant[];
}

const major = (version: string): string => version.split('.')[0] ?? version;

export function snapshotAgent(engine: Engine, agentId: string): AgentSnapshot | undefined {
  const state = engine.agentState(agentId);
  if (state === undefined) return undefined;
  const detectors: AgentSnapshot['detectors'] = {};
  engine.detectors.forEach((configured, index) => {
    const detectorState = state.detectors[index];
    // Stateless detectors (createState returns null) are left out: restoring recreates their null.
    if (detectorState !== undefined && detectorState !== null) {
      detectors[configured.definition.id] = { version: configured.definition.version, state: detectorState };
    }
  });
  return { v: 1, agent: agentId, clock: state.clock, detectors, recent: state.recent, baseline: storedBaseline(state.baseline) };
}

/**
 * Restores an agent's state. A detector state written by another major version of the detector,
 * or by a detector no longer loaded, is left out: that detector starts afresh for the agent.
 */
export function restoreAgent(engine: Engine, snapshot: AgentSnapshot): void {
  if (snapshot?.v !== 1 || typeof snapshot.agent !== 'string' || typeof snapshot.clock !== 'number') {
    throw new DriftwatchError('DW_SNAPSHOT_INVALID', 'agent snapshot: not a v1 snapshot with agent and clock');
  }
  const state: AgentState = {
    clock: snapshot.clock,
    detectors: [],
    recent: restoreRecentAlerts(snapshot.recent),
    // A missing, malformed or other-version baseline is learned again.
    baseline: restoreBaseline(snapshot.baseline),
  };
  engine.detectors.forEach((configured, index) => {
    const saved = snapshot.detectors[configured.definition.id];
    if (saved !== undefined && major(saved.version) === major(configured.definition.version)) {
      state.detectors[index] = saved.state;
    }
  });
  engine.setAgentState(snapshot.agent, state);
}

export function snapshotEngine(engine: Engine): EngineSnapshot {
  const agents: AgentSnapshot[] = [];
  for (const agentId of engine.agentIds()) {
    const snapshot = snapshotAgent(engine, agentId);
    if (snapshot) agents.push(snapshot);
  }
  return { v: 1, agents, tokens: engine.tokens.snapshot() };
}

/**
 * Agent snapshots in the order to restore them: least recently active first (by their latest
 * event time; a stable sort keeps ties in place). The engine evicts unregistered agents least
 * recently active first, in the order they became active; restored in this order, they are
 * evicted as they would have been without the restore.
 */
export function byLatestEvent<T>(items: Iterable<T>, snapshotOf: (item: T) => AgentSnapshot): T[] {
  const clock = (item: T): number => {
    const value = snapshotOf(item)?.clock;
    return typeof value === 'number' && Number.isFinite(value) ? value : 0;
  };
  return [...items].sort((a, b) => clock(a) - clock(b));
}

export function restoreEngine(engine: Engine, snapshot: EngineSnapshot): void {
  if (snapshot?.v !== 1 || !Array.isArray(snapshot.agents)) {
    throw new DriftwatchError('DW_SNAPSHOT_INVALID', 'engine snapshot: not a v1 snapshot');
  }
  for (const agent of byLatestEvent(snapshot.agents, (item) => item)) restoreAgent(engine, agent);
  engine.tokens.restore(snapshot.tokens ?? []);
}
