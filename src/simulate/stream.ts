import { createHash } from 'node:crypto';
import { IDENTITY_PROVIDER, POLICY_ENGINES, systemSpec, toolsOf, type ToolSpec } from './catalogue.js';
import { normalDay, type ActivityContext } from './activity.js';
import { byTime, type Intent } from './intent.js';
import type { AgentProfile, AgentTool } from './profiles.js';
import { Random } from './random.js';
import { DAY, MINUTE, iso } from './time.js';

/**
 * One agent's events in time order, a day at a time: the day's intents (normal activity,
 * scripted scenario steps) are rendered with credentials, instances, ids, benign denials and
 * errors. Sessions that run past midnight are held back until the next day is rendered, so the
 * stream never goes back in time.
 */

export interface RenderedEvent {
  readonly time: number;
  readonly type: 'tool_use' | 'token_issued' | 'access_denied';
  readonly line: string;
  /** Scenario or benign-drift label the event belongs to. */
  readonly tag?: string;
}

/** Tools used instead of the normal mix between `from` and `to` (tool-mix takeover). */
export interface ToolOverride {
  readonly from: number;
  readonly to: number;
  readonly tools: readonly AgentTool[];
  readonly tag: string;
}

/** Normal activity of an otherwise silent agent between `from` and `to` (a shadow or retired agent). */
export interface ActivityWindow {
  readonly from: number;
  readonly to: number;
  readonly tag: string;
}

export interface StreamOptions {
  readonly seed: number;
  readonly idPrefix: string;
  readonly periodStart: number;
  readonly periodEnd: number;
  /** Scripted intents of scenarios, any order. */
  readonly scripted: readonly Intent[];
  readonly override?: ToolOverride;
  readonly window?: ActivityWindow;
  readonly driftTag?: string;
}

interface CachedToken {
  readonly fingerprint: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly until?: number;
  readonly tag?: string;
}

const BENIGN_DENIAL_REASONS = [
  'record belongs to another business unit',
  'resource is outside the data residency region of the caller',
  'record is locked by a pending change',
  'field-level restriction on personal data',
  'rate limit on bulk reads reached',
];

/** Credential fingerprint: `sha256:` and 40 hex digits of a hash of a label; never a raw token. */
export function fingerprint(seed: number, label: string): string {
  return 'sha256:' + createHash('sha256').update(`${seed}|${label}`).digest('hex').slice(0, 40);
}

/**
 * Flattens a string built by concatenation. A line is built from dozens of pieces, which V8 keeps
 * as a tree of cons-strings until something reads it; lines wait up to a day of simulated time
 * before they are written, and flat strings halve the simulator's garbage-collection work.
 */
function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}

class WeightedTools {
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(readonly tools: readonly AgentTool[]) {
    let sum = 0;
    for (const tool of tools) {
      sum += tool.weight;
      this.cumulative.push(sum);
    }
    this.total = sum;
  }

  pick(rng: Random): AgentTool {
    const target = rng.next() * this.total;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.cumulative[middle]! > target) high = middle;
      else low = middle + 1;
    }
    return this.tools[low]!;
  }
}

export class AgentStream {
  private day = 0;
  private readonly days: number;
  private buffer: RenderedEvent[] = [];
  private position = 0;
  private pending: RenderedEvent[] = [];
  private readonly scripted: Intent[];
  private scriptedPosition = 0;
  private readonly tokens = new Map<string, CachedToken>();
  private counter = 0;
  private readonly activityRng: Random;
  private readonly noise: Random;
  private readonly instanceNames = new Map<number, string[]>();
  private readonly own: WeightedTools;
  private readonly withDrift: WeightedTools | undefined;
  private readonly overrideTools: WeightedTools | undefined;
  private readonly bySystem = new Map<string, WeightedTools>();
  private readonly delegatedTools: WeightedTools;
  private readonly tokenScopes = new Map<string, string[]>();
  private readonly context: ActivityContext;
  private readonly agentJson: string;
  private readonly chains = new WeakMap<readonly string[], string>();

  constructor(
    readonly profile: AgentProfile,
    private readonly options: StreamOptions,
  ) {
    this.days = Math.ceil((options.periodEnd - options.periodStart) / DAY);
    this.scripted = [...options.scripted].sort(byTime);
    this.activityRng = new Random(options.seed, 'activity', profile.index);
    this.noise = new Random(options.seed, 'render', profile.index);
    this.own = new WeightedTools(profile.tools);
    this.delegatedTools = this.own;
    this.withDrift = profile.drift ? new WeightedTools([...profile.tools, ...profile.drift.tools]) : undefined;
    this.overrideTools = options.override ? new WeightedTools(options.override.tools) : undefined;
    for (const system of new Set(profile.tools.map((tool) => tool.spec.system))) {
      this.bySystem.set(system, new WeightedTools(profile.tools.filter((tool) => tool.spec.system === system)));
    }
    this.agentJson = JSON.stringify(profile.id);
    const rng = this.activityRng;
    let sessions = 0;
    this.context = {
      rng,
      chooseTool: (time, system, delegated) => this.chooseTool(time, system, delegated),
      instance: (time) => this.instance(time, rng),
      sessionId: (prefix) => `${prefix}-${rng.hex(10)}${(sessions++ % 1296).toString(36).padStart(2, '0')}`,
    };
  }

  /** Time of the next event, or undefined when the stream is over. */
  peekTime(): number | undefined {
    while (this.position >= this.buffer.length) {
      if (this.day >= this.days) return undefined;
      this.renderDay();
    }
    return this.buffer[this.position]!.time;
  }

  take(): RenderedEvent {
    return this.buffer[this.position++]!;
  }

  private chooseTool(time: number, system: string | undefined, delegated = false): { tool: AgentTool; tag?: string } {
    const rng = this.activityRng;
    const override = this.options.override;
    if (override && this.overrideTools && time >= override.from && time <= override.to) {
      return { tool: this.overrideTools.pick(rng), tag: override.tag };
    }
    const drift = this.profile.drift;
    if (!delegated && drift && this.withDrift && time >= drift.start && system === undefined) {
      const tool = this.withDrift.pick(rng);
      return tool.spec.system === drift.system ? { tool, tag: this.options.driftTag } : { tool };
    }
    if (system !== undefined) {
      const onSystem = this.bySystem.get(system);
      if (onSystem) return { tool: onSystem.pick(rng) };
    }
    return { tool: (delegated ? this.delegatedTools : this.own).pick(rng) };
  }

  /** The agent's instance at a time: one of its replicas of the deployment in force. */
  instance(time: number, rng: Random): string {
    const deployments = this.profile.deployments;
    let generation = 0;
    while (generation + 1 < deployments.length && deployments[generation + 1]! <= time) generation++;
    let names = this.instanceNames.get(generation);
    if (names === undefined) {
      const r = new Random(this.options.seed, 'pods', this.profile.index, generation);
      const hash = r.alnum(10);
      names = Array.from({ length: this.profile.replicas }, () => `${this.profile.id}-${hash}-${r.alnum(5)}`);
      this.instanceNames.set(generation, names);
    }
    return names.length === 1 ? names[0]! : rng.pick(names);
  }

  private renderDay(): void {
    const dayStart = this.options.periodStart + this.day * DAY;
    const dayEnd = dayStart + DAY;
    this.day++;
    const { profile } = this;
    const window = this.options.window;
    let intents: Intent[] = [];
    if (profile.status === 'active' && window === undefined) {
      intents = normalDay(profile, this.context, dayStart);
    } else if (window !== undefined && window.from < dayEnd && window.to >= dayStart) {
      intents = normalDay(profile, this.context, dayStart).filter((intent) => intent.time >= window.from && intent.time <= window.to);
      for (const intent of intents) intent.tag ??= window.tag;
    }
    while (this.scriptedPosition < this.scripted.length && this.scripted[this.scriptedPosition]!.time < dayEnd) {
      intents.push(this.scripted[this.scriptedPosition++]!);
    }
    intents.sort(byTime);
    for (const [key, token] of this.tokens) if (token.expiresAt < dayStart) this.tokens.delete(key);

    const rendered: RenderedEvent[] = this.pending;
    for (const intent of intents) this.render(intent, dayStart, rendered);
    rendered.sort(byTime);
    const last = this.day >= this.days;
    const limit = last ? this.options.periodEnd : dayEnd;
    let split = rendered.length;
    while (split > 0 && rendered[split - 1]!.time >= limit) split--;
    this.buffer = rendered.slice(0, split);
    this.pending = last ? [] : rendered.slice(split);
    this.position = 0;
  }

  private nextId(): string {
    return `${this.options.idPrefix}-${this.profile.index.toString(36)}-${(this.counter++).toString(36)}`;
  }

  /**
   * The common start of an event line. Ids, instances, sessions and principals are generated from
   * [a-z0-9.@_-] and need no escaping; chains are serialised once per array.
   */
  private head(type: string, time: number, intent: Intent, instance: string): string {
    let line = `{"v":1,"id":"${this.nextId()}","time":"${iso(time)}","type":"${type}","agent":{"id":${this.agentJson},"instance":"${instance}"`;
    line += intent.session === undefined ? '}' : `,"session":"${intent.session}"}`;
    if (intent.principal !== undefined) {
      line += `,"principal":"${intent.principal}"`;
      if (intent.chain !== undefined) {
        let chain = this.chains.get(intent.chain);
        if (chain === undefined) {
          chain = JSON.stringify(intent.chain);
          this.chains.set(intent.chain, chain);
        }
        line += `,"chain":${chain}`;
      }
    }
    return line;
  }

  private render(intent: Intent, dayStart: number, out: RenderedEvent[]): void {
    const instance = intent.instance ?? this.instance(intent.time, this.noise);
    switch (intent.kind) {
      case 'token':
        this.renderToken(intent, instance, out);
        return;
      case 'deny':
        this.renderDenial(intent, instance, intent.time, out, intent.deny!);
        return;
      case 'call':
        this.renderCall(intent, instance, dayStart, out);
        return;
    }
  }

  private scopesFor(system: string, spec: ToolSpec): string[] {
    let scopes = this.tokenScopes.get(system);
    if (scopes === undefined) {
      const prefix = spec.name.split('.')[0]!;
      const actions = new Set(this.profile.tools.filter((tool) => tool.spec.system === system).map((tool) => tool.spec.action as string));
      if (actions.size === 0) actions.add(spec.action);
      scopes = [...actions].sort().map((action) => `${prefix}:${action}`);
      this.tokenScopes.set(system, scopes);
    }
    return scopes;
  }

  private tokenLine(intent: Intent, instance: string, time: number, token: { fingerprint: string; audience: string; scopes: string[]; ttlS: number; grant: string; task?: string }): string {
    const task = token.task === undefined ? '' : `,"task":${JSON.stringify(token.task)}`;
    return (
      this.head('token_issued', time, intent, instance) +
      `,"token":{"fingerprint":"${token.fingerprint}","issuer":"${IDENTITY_PROVIDER}","audience":${JSON.stringify(token.audience)},` +
      `"scopes":${JSON.stringify(token.scopes)},"ttl_s":${token.ttlS},"grant":${JSON.stringify(token.grant)}${task}}}`
    );
  }

  private renderToken(intent: Intent, instance: string, out: RenderedEvent[]): void {
    const spec = intent.token!;
    const fp = spec.fingerprint ?? `sha256:${this.noise.hex(40)}`;
    const firstTool = toolsOf(spec.audience)[0];
    const scopes = firstTool ? this.scopesFor(spec.audience, firstTool) : [];
    out.push({
      time: intent.time,
      type: 'token_issued',
      tag: intent.tag,
      line: flat(this.tokenLine(intent, instance, intent.time, { fingerprint: fp, audience: spec.audience, scopes, ttlS: spec.ttlS, grant: spec.grant, task: spec.task })),
    });
    if (spec.cacheKey !== undefined) {
      this.tokens.set(spec.cacheKey, { fingerprint: fp, issuedAt: intent.time, expiresAt: intent.time + spec.ttlS * 1000, until: spec.cacheUntil, tag: intent.tag });
    }
  }

  /** The credential for a call: the cached one, or a fresh one whose issuance is rendered first. */
  private credential(intent: Intent, instance: string, dayStart: number, out: RenderedEvent[]): { fingerprint: string; tag?: string } {
    const spec = intent.tool!;
    const time = intent.time;
    const bySession = intent.sessionTokens === true && intent.session !== undefined;
    const key = bySession ? `${intent.session}|${spec.system}` : spec.system;
    const cached = this.tokens.get(key);
    if (cached && cached.issuedAt <= time && time < cached.expiresAt - MINUTE && (cached.until === undefined || time <= cached.until)) {
      return { fingerprint: cached.fingerprint, tag: cached.tag };
    }
    const { grants } = this.profile;
    const grant = bySession
      ? cached && grants.includes('refresh_token')
        ? 'refresh_token'
        : grants.includes('token_exchange')
          ? 'token_exchange'
          : grants[0]!
      : grants.includes('client_credentials')
        ? 'client_credentials'
        : grants[0]!;
    const task = bySession && grant !== 'client_credentials' ? intent.session : undefined;
    const issuedAt = Math.max(dayStart, time - Math.round(this.noise.uniform(30, 900)));
    const fp = `sha256:${this.noise.hex(40)}`;
    const ttlS = this.profile.tokenTtlS;
    out.push({
      time: issuedAt,
      type: 'token_issued',
      tag: intent.tag,
      line: flat(this.tokenLine(intent, instance, issuedAt, { fingerprint: fp, audience: spec.system, scopes: this.scopesFor(spec.system, spec), ttlS, grant, task })),
    });
    this.tokens.set(key, { fingerprint: fp, issuedAt, expiresAt: issuedAt + ttlS * 1000 });
    return { fingerprint: fp };
  }

  private renderDenial(intent: Intent, instance: string, time: number, out: RenderedEvent[], deny: NonNullable<Intent['deny']>): void {
    const engine = POLICY_ENGINES[this.profile.index % POLICY_ENGINES.length]!;
    const tool = deny.tool === undefined ? '' : `,"tool":${JSON.stringify(deny.tool)}`;
    out.push({
      time,
      type: 'access_denied',
      tag: intent.tag,
      line: flat(
        this.head('access_denied', time, intent, instance) +
          `,"system":${JSON.stringify(deny.system)},"action":${JSON.stringify(deny.action)}${tool},"policy":${JSON.stringify(deny.policy)},` +
          `"engine":"${engine}","reason":${JSON.stringify(deny.reason)}}`,
      ),
    });
  }

  private renderCall(intent: Intent, instance: string, dayStart: number, out: RenderedEvent[]): void {
    const spec = intent.tool!;
    const rng = this.noise;
    const { profile } = this;
    if (!intent.exact && rng.chance(profile.denialRate)) {
      // A benign denial, sometimes retried once or twice: the call itself does not happen.
      const prefix = spec.name.split('.')[0]!;
      const deny = { system: spec.system, action: spec.action, tool: spec.name, policy: `${prefix}.record_access`, reason: rng.pick(BENIGN_DENIAL_REASONS) };
      const tries = rng.chance(0.25) ? rng.int(2, 3) : 1;
      for (let i = 0; i < tries; i++) this.renderDenial(intent, instance, intent.time + i * Math.round(rng.uniform(500, 4000)), out, deny);
      return;
    }
    // A presented foreign token needs no issuance of the agent's own.
    const credential = intent.forcedToken === undefined ? this.credential(intent, instance, dayStart, out) : { fingerprint: intent.forcedToken };
    const token = intent.forcedToken ?? (profile.sendsToken ? credential.fingerprint : undefined);
    const failed = intent.outcome === 'error' || (intent.outcome === undefined && !intent.exact && rng.chance(profile.errorRate));
    const factor = intent.bytesFactor ?? 1;
    const median = spec.bytes * profile.bytesScale;
    const bytes = failed ? Math.round(rng.uniform(100, 600)) : Math.max(64, Math.round(median * factor * Math.exp(spec.sigma * Math.max(-3, Math.min(3, rng.normal())))));
    const records = spec.records > 0 && !failed ? Math.max(1, Math.round((spec.records * bytes) / median)) : undefined;
    const system = systemSpec(spec.system);
    const resource = system.resource(Math.floor(rng.pareto(1, 0.7)) + profile.index * 7919);
    const approval = intent.hc && !intent.noApproval ? `,"approval":"CHG${String(rng.int(100_000, 9_999_999)).padStart(7, '0')}"` : '';
    const tag = intent.tag ?? ('tag' in credential ? credential.tag : undefined);
    out.push({
      time: intent.time,
      type: 'tool_use',
      tag,
      line: flat(
        this.head('tool_use', intent.time, intent, instance) +
        `,"tool":"${spec.name}","system":"${spec.system}","action":"${spec.action}","resource":"${resource}","bytes":${bytes}` +
        `${records === undefined ? '' : `,"records":${records}`},"outcome":"${failed ? 'error' : 'success'}"${approval}` +
        `${token === undefined ? '' : `,"token":"${token}"`}}`,
      ),
    });
  }
}
