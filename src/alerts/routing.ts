import { DriftwatchError } from '../errors.js';
import { compileGlobs, type Matcher } from '../registry/glob.js';
import type { Severity } from '../sdk/detector.js';
import type { Alert } from './alert.js';
import { atLeast } from './severity.js';

/** One rule of the config's `routes`: every condition given must hold; an empty `match` matches every alert. */
export interface RouteRule {
  match?: {
    severity_at_least?: Severity;
    /** Globs of detector ids. */
    detectors?: readonly string[];
    /** Globs of agent ids. */
    agents?: readonly string[];
  };
  /** Names of the sinks that receive the matching alerts. */
  sinks: readonly string[];
}

export interface RoutingConfig {
  routes?: readonly RouteRule[];
  /** Sinks for alerts that match no route; empty or absent: such alerts are counted as unrouted. */
  default_sinks?: readonly string[];
}

export interface RoutedAlerts {
  /** Sink name → its alerts, in input order. Sinks without alerts are absent. */
  bySink: Map<string, Alert[]>;
  /** Alerts no route (and no default sink) took. */
  unrouted: Alert[];
}

interface CompiledRule {
  minimum?: Severity;
  detector?: Matcher;
  agent?: Matcher;
  sinks: readonly string[];
}

/**
 * Decides which sinks receive an alert. Without routes every sink receives every alert. With
 * routes, an alert goes to the union of the sinks of every rule it matches (rules are not
 * first-match: a critical alert can reach both the SIEM and the pager webhook); an alert that
 * matches no rule goes to `default_sinks`, or is reported as unrouted — never dropped silently.
 */
export class AlertRouter {
  private readonly rules: CompiledRule[];
  private readonly defaults: readonly string[];

  constructor(
    private readonly sinkNames: readonly string[],
    private readonly config: RoutingConfig = {},
  ) {
    const known = new Set(sinkNames);
    const check = (names: readonly string[], where: string) => {
      for (const name of names) if (!known.has(name)) {
          throw new DriftwatchError('DW_CONFIG_INVALID', `${where} names sink "${name}", which is not configured`);
        }
    };
    this.rules = (config.routes ?? []).map((rule, index) => {
      check(rule.sinks, `routes.${index}.sinks`);
      return {
        minimum: rule.match?.severity_at_least,
        detector: rule.match?.detectors ? compileGlobs(rule.match.detectors) : undefined,
        agent: rule.match?.agents ? compileGlobs(rule.match.agents) : undefined,
        sinks: rule.sinks,
      };
    });
    this.defaults = config.default_sinks ?? [];
    check(this.defaults, 'default_sinks');
  }

  /** True when routes are configured (otherwise every sink gets everything). */
  get routed(): boolean {
    return this.rules.length > 0;
  }

  /** The sinks of one alert, in configuration order of the sinks; empty when unrouted. */
  sinksFor(alert: Alert): readonly string[] {
    if (this.rules.length === 0) return this.sinkNames;
    const chosen = new Set<string>();
    for (const rule of this.rules) {
      if (rule.minimum !== undefined && !atLeast(alert.severity, rule.minimum)) continue;
      if (rule.detector && !rule.detector(alert.detector)) continue;
      if (rule.agent && !rule.agent(alert.agent.id)) continue;
      for (const sink of rule.sinks) chosen.add(sink);
    }
    if (chosen.size === 0) return this.defaults;
    return this.sinkNames.filter((name) => chosen.has(name));
  }

  route(alerts: readonly Alert[]): RoutedAlerts {
    const bySink = new Map<string, Alert[]>();
    const unrouted: Alert[] = [];
    for (const alert of alerts) {
      const sinks = this.sinksFor(alert);
      if (sinks.length === 0) {
        unrouted.push(alert);
        continue;
      }
      for (const sink of sinks) {
        const list = bySink.get(sink);
        if (list) list.push(alert);
        else bySink.set(sink, [alert]);
      }
    }
    return { bySink, unrouted };
  }
}
