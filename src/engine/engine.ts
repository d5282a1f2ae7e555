import type { Alert } from '../alerts/alert.js';
import { buildAlert } from '../alerts/build.js';
import { alertId } from '../alerts/id.js';
import { EVENT_TYPES, type AgentEvent, type EventType } from '../events/contract.js';
import type { RegisteredAgent } from '../registry/agent.js';
import { Registry } from '../registry/registry.js';
import type { DetectorContext, Finding } from '../sdk/detector.js';
import type { ConfiguredDetector } from './configured-detector.js';
import { countRepeat, createRecentAlerts, recentIndex, recordAlert, sentRank, type RecentAlerts } from './recent-alerts.js';
import { SEVERITY_RANK } from '../alerts/severity.js';
import { createRecentEvents, eventKey, hasRecentEvent, randomSeeds, rememberEvent, type EventKeySeeds, type RecentEvents } from './recent-events.js';
import { createBaseline, updateBaseline, type AgentBaseline } from './baseline.js';
import { createEngineStats, type EngineStats } from './stats.js';
import { TokenLedger } from './token-ledger.js';
import { DriftwatchError } from '../errors.js';
import { findingProblem } from './finding-check.js';
import { stateStorageProblem } from './state-check.js';
import { redactedJson, redactSecrets } from '../redaction.js';

/** Everything the engine remembers about one agent: plain data, checkpointed as JSON. */
export interface AgentState {
  /** Latest event time seen for this agent (ms): the agent's event-time clock. */
  clock: number;
  /** Per detector (by position in the engine's detector list), created on first use. */
  detectors: unknown[];
  recent: RecentAlerts;
  /** The agent's behavioural baseline, updated after every detector has scored and learned each event. */
  baseline: AgentBaseline;
}

/**
 * Per-agent bookkeeping that is not checkpointed: the registry entry looked up for this registry
 * version, and the agent's last events (kept out of the checkpoint, whose 4 KB per agent they would
 * exceed after a cardinality attack, and whose keys are seeded per engine). A repeat delivered
 * across a restore is therefore processed again: where a checkpoint falls can decide whether a
 * repeat is learned twice, the one way in which a replay with a restore in the middle can differ.
 */
interface AgentSlot {
  state: AgentState;
  registryVersion: number;
  agent: RegisteredAgent | undefined;
  seen: RecentEvents;
}

/** Default bound on the agents with state that the registry does not know (see `EngineOptions`). */
export const DEFAULT_MAX_UNREGISTERED_AGENTS = 100_000;

export interface EngineOptions {
  registry?: Registry;
  /**
   * Checks after every `score` that the detector did not change its state (costly: for tests and
   * `driftwatch detectors test`).
   */
  strict?: boolean;
  onDetectorError?: (failure: DetectorFailure) => void;
  /**
   * Agents unknown to the registry keep state too (their baselines, the unregistered-agent
   * suppression); a stream inventing agent ids must not grow memory without end. Past this many,
   * the least recently active unregistered agent's state is dropped.
   */
  maxUnregisteredAgents?: number;
  /** Seeds of the keys that recognise repeated events (tests); random by default. */
  eventKeySeeds?: EventKeySeeds;
}

export type DetectorPhase = 'createState' | 'score' | 'learn' | 'checkpoint';

export interface DetectorFailure {
  detector: string;
  agentId: string;
  /** The event being processed; absent for a checkpoint. */
  eventId?: string;
  /**
   * createState: the detector's state for this agent could not be made (the event skips the
   * detector). checkpoint: its state could not be written (see dropUnstorableStates).
   */
  phase: DetectorPhase;
  error: unknown;
}

export interface EngineOutput {
  /** Alerts for the sinks. */
  alerts: Alert[];
  /** Alerts of detectors in dry-run mode: counted and shown, never sent. */
  dryRun: Alert[];
}

interface Slot {
  readonly index: number;
  readonly configured: ConfiguredDetector;
  readonly ctx: MutableContext;
}

type MutableContext = { -readonly [K in keyof DetectorContext<unknown, unknown>]: DetectorContext<unknown, unknown>[K] };

/**
 * What a detector's function returned, unless it is a promise: detectors run synchronously between
 * the events of a batch, so a promise would settle after the batch (its rejection unhandled, which
 * ends the process). The loader refuses async functions; this catches a promise returned otherwise.
 */
function synchronous<T>(slot: Slot, phase: DetectorPhase, result: T): T {
  const then = typeof result === 'object' && result !== null ? (result as { then?: unknown }).then : undefined;
  if (typeof then !== 'function') return result;
  (result as unknown as Promise<unknown>).then(undefined, () => undefined);
  throw new DriftwatchError('DW_DETECTOR_FAILED', `${slot.configured.definition.id}: ${phase} returned a promise; detectors must be synchronous`);
}

/**
 * Per-partition processing: per agent, in order, synchronous and free of I/O. The same ordered
 * events and registry give the same alerts with the same ids (a repeated event across a restore
 * aside: see `AgentSlot`).
 */
export class Engine {
  private registry: Registry;
  private readonly agents = new Map<string, AgentSlot>();
  /** The unregistered agents' slots, least recently active first: the eviction order. */
  private readonly unregistered = new Map<string, AgentSlot>();
  private readonly maxUnregistered: number;
  private readonly eventKeySeeds: EventKeySeeds;
  private registryVersion = 0;
  private readonly slots: readonly Slot[];
  private readonly slotsByType: Readonly<Record<EventType, readonly Slot[]>>;
  readonly tokens: TokenLedger;
  readonly stats: EngineStats;
  /** When set, the id of every agent processed is added: what a checkpoint after the batch must write. */
  touched: Set<string> | undefined;

  constructor(
    readonly detectors: readonly ConfiguredDetector[],
    private readonly options: EngineOptions = {},
  ) {
    this.tokens = new TokenLedger(() => this.stats.tokenGrantsEvicted++);
    this.registry = options.registry ?? Registry.empty();
    this.maxUnregistered = options.maxUnregisteredAgents ?? DEFAULT_MAX_UNREGISTERED_AGENTS;
    this.eventKeySeeds = options.eventKeySeeds ?? randomSeeds();
    const registryView = { get: (id: string) => this.registry.get(id) };
    this.slots = detectors.map((configured, index) => ({
      index,
      configured,
      ctx: {
        options: configured.options,
        state: undefined,
        agentId: '',
        agent: undefined,
        now: 0,
        registry: registryView,
        tokens: this.tokens,
        baseline: createBaseline(),
      },
    }));
    this.slotsByType = Object.fromEntries(
      EVENT_TYPES.map((type) => [
        type,
        this.slots.filter((slot) => (slot.configured.definition.eventTypes as readonly string[]).includes(type)),
      ]),
    ) as Record<EventType, Slot[]>;
    this.stats = createEngineStats(detectors.map((detector) => detector.definition.id));
  }

  /** Swaps the registry in force; every agent's state is kept. */
  setRegistry(registry: Registry): void {
    this.registry = registry;
    this.registryVersion++;
  }

  get currentRegistry(): Registry {
    return this.registry;
  }

  get agentCount(): number {
    return this.agents.size;
  }

  process(event: AgentEvent, output: EngineOutput): void {
    const agentId = event.agent.id;
    const key = eventKey(event, this.eventKeySeeds);
    let slot = this.agents.get(agentId);
    if (slot === undefined) {
      slot = this.newSlot(agentId, { clock: event.timeMs, detectors: [], recent: createRecentAlerts(), baseline: createBaseline() });
    } else {
      if (slot.registryVersion !== this.registryVersion) {
        slot.agent = this.registry.get(agentId);
        slot.registryVersion = this.registryVersion;
      }
      if (slot.agent === undefined) {
        // Most recently active last: the eviction order (newSlot put a new one there already).
        this.unregistered.delete(agentId);
        this.unregistered.set(agentId, slot);
      }
      if (event.timeMs <= slot.state.clock && hasRecentEvent(slot.seen, key)) {
        this.stats.duplicates++;
        return;
      }
    }
    const { state, agent } = slot;
    rememberEvent(slot.seen, key, event.timeMs);
    this.touched?.add(agentId);
    if (event.timeMs < state.clock) this.stats.late++;
    else state.clock = event.timeMs;
    this.count(event);

    // Detector states are disjoint and the shared baseline changes only after the loop, so scoring
    // and learning each detector in turn judges every detector against the state before the event.
    const slots = this.slotsByType[event.type];
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      // An excepted event is neither scored nor learned by the detector: learning it could leave
      // state (a cooldown, a window counted as alerted) that an alert it never sent implies.
      if (slot.configured.isExcepted !== undefined && slot.configured.isExcepted(event)) {
        this.stats.detectors[slot.configured.definition.id]!.excepted++;
        continue;
      }
      const ctx = this.prepare(slot, agentId, agent, state, event);
      if (ctx === undefined) continue;
      this.score(slot, ctx, event, agent, state, output);
      this.learn(slot, ctx, event, state);
    }
    updateBaseline(state.baseline, event);
    if (event.type === 'token_issued') this.recordToken(event);
  }

  private count(event: AgentEvent): void {
    const stats = this.stats;
    stats.events++;
    stats.eventsByType[event.type]++;
    if (stats.firstEventTime === undefined || event.timeMs < stats.firstEventTime) stats.firstEventTime = event.timeMs;
    if (stats.lastEventTime === undefined || event.timeMs > stats.lastEventTime) stats.lastEventTime = event.timeMs;
  }

  /** The detector's context for this event; undefined when its state could not be created (counted as its failure). */
  private prepare(slot: Slot, agentId: string, agent: RegisteredAgent | undefined, state: AgentState, event: AgentEvent): MutableContext | undefined {
    let detectorState = state.detectors[slot.index];
    if (detectorState === undefined) {
      try {
        detectorState = synchronous(slot, 'createState', slot.configured.definition.createState(slot.configured.options));
      } catch (error) {
        this.fail(slot, event, 'createState', error);
        return undefined;
      }
      state.detectors[slot.index] = detectorState;
      if (this.options.strict && !this.storable(slot, event, 'createState', detectorState)) return undefined;
    }
    const ctx = slot.ctx;
    ctx.state = detectorState;
    ctx.agentId = agentId;
    ctx.agent = agent;
    ctx.now = state.clock;
    ctx.baseline = state.baseline;
    return ctx;
  }

  private score(slot: Slot, ctx: MutableContext, event: AgentEvent, agent: RegisteredAgent | undefined, state: AgentState, output: EngineOutput): void {
    const { configured } = slot;
    let result: Finding | readonly Finding[] | undefined;
    try {
      const before = this.options.strict ? JSON.stringify(ctx.state) : undefined;
      const baselineBefore = this.options.strict ? JSON.stringify(ctx.baseline) : undefined;
      try {
        result = synchronous(slot, 'score', configured.definition.score(event, ctx));
      } finally {
        // Only learn may change the state: a state score gave the context is not kept.
        ctx.state = state.detectors[slot.index];
      }
      if (before !== undefined && JSON.stringify(ctx.state) !== before) {
        throw new DriftwatchError('DW_DETECTOR_FAILED', `${configured.definition.id}: score changed the state; only learn may`);
      }
      if (baselineBefore !== undefined && JSON.stringify(ctx.baseline) !== baselineBefore) {
        throw new DriftwatchError('DW_DETECTOR_FAILED', `${configured.definition.id}: score changed the baseline; only the engine may`);
      }
    } catch (error) {
      this.fail(slot, event, 'score', error);
      return;
    }
    if (result === undefined) return;
    const findings = Array.isArray(result) ? (result as readonly Finding[]) : [result as Finding];
    for (const finding of findings) {
      try {
        const problem = findingProblem(finding);
        if (problem !== undefined) throw new DriftwatchError('DW_DETECTOR_FAILED', problem);
        this.raise(slot, finding, event, agent, state, output);
      } catch (error) {
        // A finding that cannot become an alert (a window that is no time, a getter that throws) is the detector's failure, not the stream's.
        this.fail(slot, event, 'score', error);
      }
    }
  }

  private raise(slot: Slot, finding: Finding, event: AgentEvent, agent: RegisteredAgent | undefined, state: AgentState, output: EngineOutput): void {
    const { configured } = slot;
    const definition = configured.definition;
    const counters = this.stats.detectors[definition.id]!;
    const span = configured.suppressForMs;
    // The event's own time, not the agent's clock: an event that arrives again late (a producer's
    // retry after the agent moved on) raises its alert under the same id as the first time.
    const start = Math.floor(event.timeMs / span) * span;
    const window = finding.window ?? { start, end: start + span };
    // The key feeds the id: a credential quoted in it (an audience that is a raw token) is redacted first.
    const key = redactSecrets(finding.key);
    const id = alertId(definition.id, event.agent.id, key, window.start);
    const severity = configured.severity ?? finding.severity ?? definition.severity;
    const rank = SEVERITY_RANK[severity];
    const repeat = recentIndex(state.recent, id);
    if (repeat >= 0 && rank <= sentRank(state.recent, repeat)) {
      countRepeat(state.recent, repeat, rank);
      counters.suppressed++;
      return;
    }
    // A repeat more severe than every alert sent under its id (a token of a year after one of an
    // hour over the limit, a transfer that succeeded after one that failed) is what the SOC must
    // see: it goes out under an id of its own, naming the alert it escalates.
    const escalates = repeat >= 0 ? id : undefined;
    const alertIdOut = escalates === undefined ? id : alertId(definition.id, event.agent.id, `${key}\u001f${severity}`, window.start);
    // Built before its id is recorded: a finding that cannot become an alert (a window that is no
    // time) must not leave an id behind that would pass its repeats off as suppressed.
    const alert = buildAlert({ id: alertIdOut, detector: definition, finding, event, agent, window, severityOverride: configured.severity, escalates });
    if (repeat >= 0) {
      countRepeat(state.recent, repeat, rank);
      counters.escalated++;
    } else recordAlert(state.recent, id, rank, Math.max(window.end, state.clock + span), state.clock);
    if (configured.mode === 'dry-run') {
      counters.dryRun++;
      if (counters.dryRunSamples.length < 5) counters.dryRunSamples.push(`${alert.agent.id}: ${alert.title}`);
      output.dryRun.push(alert);
      return;
    }
    counters.alerts++;
    this.stats.alerts++;
    this.stats.alertsBySeverity[alert.severity]++;
    output.alerts.push(alert);
  }

  private learn(slot: Slot, ctx: MutableContext, event: AgentEvent, state: AgentState): void {
    const learn = slot.configured.definition.learn;
    if (learn === undefined) return;
    try {
      const baselineBefore = this.options.strict ? JSON.stringify(ctx.baseline) : undefined;
      synchronous(slot, 'learn', learn(event, ctx) as unknown);
      // Learn may change the state in place or give the context a new one.
      state.detectors[slot.index] = ctx.state;
      if (this.options.strict) this.storable(slot, event, 'learn', ctx.state);
      if (baselineBefore !== undefined && JSON.stringify(ctx.baseline) !== baselineBefore) {
        throw new DriftwatchError('DW_DETECTOR_FAILED', `${slot.configured.definition.id}: learn changed the baseline; only the engine may`);
      }
    } catch (error) {
      this.fail(slot, event, 'learn', error);
    }
  }

  /** Strict mode: whether the state would come back from a checkpoint as it is; a failure of the detector when not. */
  private storable(slot: Slot, event: AgentEvent, phase: DetectorPhase, detectorState: unknown): boolean {
    const problem = stateStorageProblem(detectorState);
    if (problem === undefined) return true;
    this.fail(slot, event, phase, new DriftwatchError('DW_DETECTOR_FAILED', problem));
    return false;
  }

  private fail(slot: Slot, event: AgentEvent | undefined, phase: DetectorPhase, error: unknown, agentId = event?.agent.id ?? ''): void {
    const detector = slot.configured.definition.id;
    const counters = this.stats.detectors[detector]!;
    counters.errors++;
    counters.lastError = redactSecrets(`${phase}: ${error instanceof Error ? error.message : String(error)}`);
    this.options.onDetectorError?.({ detector, agentId, eventId: event?.id, phase, error });
  }

  /**
   * Drops the agent's detector states that JSON cannot write (a cycle, a BigInt: a plugin's bug
   * that strict mode reports in `detectors test`), each counted as its detector's failure; those
   * detectors start afresh for the agent. A checkpoint calls it when the agent's snapshot cannot
   * be written: failing the checkpoint instead would roll its partition back to the same state,
   * over and over. Returns whether one was dropped.
   */
  dropUnstorableStates(agentId: string): boolean {
    const state = this.agents.get(agentId)?.state;
    if (state === undefined) return false;
    let dropped = false;
    for (const slot of this.slots) {
      const detectorState = state.detectors[slot.index];
      if (detectorState === undefined || detectorState === null) continue;
      try {
        redactedJson(detectorState);
      } catch (error) {
        state.detectors[slot.index] = undefined;
        dropped = true;
        // V8 describes a cycle over several lines; the first says what it is.
        const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
        this.fail(slot, undefined, 'checkpoint', new DriftwatchError('DW_DETECTOR_FAILED', `${slot.configured.definition.id}: its state cannot be written to a checkpoint (${reason}); it starts afresh for this agent`), agentId);
      }
    }
    return dropped;
  }

  private recordToken(event: Extract<AgentEvent, { type: 'token_issued' }>): void {
    const token = event.token;
    this.tokens.record({
      fingerprint: token.fingerprint,
      agentId: event.agent.id,
      eventId: event.id,
      issuedAt: event.timeMs,
      expiresAt: token.ttl_s === undefined ? undefined : event.timeMs + token.ttl_s * 1000,
      task: token.task,
      grant: token.grant,
    });
  }

  private newSlot(agentId: string, state: AgentState): AgentSlot {
    const slot: AgentSlot = { state, registryVersion: this.registryVersion, agent: this.registry.get(agentId), seen: createRecentEvents() };
    this.agents.set(agentId, slot);
    if (slot.agent === undefined) {
      this.unregistered.set(agentId, slot);
      if (this.unregistered.size > this.maxUnregistered) this.evictUnregistered();
    }
    return slot;
  }

  /** Drops the least recently active unregistered agents' state until the bound holds again. */
  private evictUnregistered(): void {
    for (const agentId of this.unregistered.keys()) {
      if (this.unregistered.size <= this.maxUnregistered) return;
      this.unregistered.delete(agentId);
      if (this.registry.get(agentId) !== undefined) continue; // registered since: no longer a candidate
      this.agents.delete(agentId);
      this.touched?.delete(agentId);
      this.stats.agentsEvicted++;
    }
  }

  /** The agent's state for checkpointing, or undefined when the engine has none. */
  agentState(agentId: string): AgentState | undefined {
    return this.agents.get(agentId)?.state;
  }

  agentIds(): IterableIterator<string> {
    return this.agents.keys();
  }

  setAgentState(agentId: string, state: AgentState): void {
    this.newSlot(agentId, state);
  }

  dropAgent(agentId: string): void {
    this.agents.delete(agentId);
    this.unregistered.delete(agentId);
  }
}
