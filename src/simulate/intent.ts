import type { ToolSpec } from './catalogue.js';

/**
 * What an agent is about to do, before credentials, ids and noise are attached: the activity
 * models and the scenarios produce intents, the agent stream renders them into events.
 */
export interface Intent {
  time: number;
  kind: 'call' | 'deny' | 'token';
  /** Id of the scenario (or benign-drift label) the resulting events belong to. */
  tag?: string;
  session?: string;
  principal?: string;
  chain?: readonly string[];
  /** Credentials are exchanged per session on behalf of the principal (rather than the client's own). */
  sessionTokens?: boolean;
  /** Overrides the instance the agent runs on. */
  instance?: string;
  // call
  tool?: ToolSpec;
  /** Needs an approval reference for this agent. */
  hc?: boolean;
  /** Multiplies the bytes (and records) the call moves. */
  bytesFactor?: number;
  /** A high-consequence call made without the approval reference it needs. */
  noApproval?: boolean;
  /** The call presents this credential fingerprint, whoever it was issued to. */
  forcedToken?: string;
  /** A scripted intent: never turned into a benign denial or error. */
  exact?: boolean;
  outcome?: 'success' | 'error';
  // deny
  deny?: { system: string; action: string; tool?: string; policy: string; reason: string };
  // token
  token?: {
    audience: string;
    grant: string;
    ttlS: number;
    task?: string;
    fingerprint?: string;
    /** Puts the token into the agent's credential cache under this key, used until `cacheUntil`. */
    cacheKey?: string;
    cacheUntil?: number;
  };
}

export const byTime = (a: { time: number }, b: { time: number }): number => a.time - b.time;
