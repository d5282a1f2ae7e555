import { ALERT_SCHEMA, type Alert } from '../../../src/alerts/alert.js';
import type { RejectedAlert, RejectedAlertSink } from '../../../src/sinks/rejected.js';
import type { Logger, LogLevel } from '../../../src/telemetry/log.js';

/** A canonical alert with a chosen id (and anything else overridden). */
export function alert(id: string | number, overrides: Partial<Alert> = {}): Alert {
  return {
    schema: ALERT_SCHEMA,
    id: typeof id === 'number' ? `dw-${String(id).padStart(4, '0')}` : id,
    time: '2026-10-05T09:14:07.250Z',
    detected_at: '2026-10-05T09:14:08.001Z',
    detector: 'scope-violation',
    detector_version: '1.2.0',
    severity: 'high',
    score: 92,
    title: 'invoice-bot used a system outside its registered scope',
    summary: 'invoice-bot read from hr-prod, which is not among its registered systems',
    agent: { id: 'invoice-bot', registered: true, owner: 'alice@corp.example', custodian: 'team-payments', status: 'active' },
    principal: 'bob@corp.example',
    chain: ['bob@corp.example', 'planner', 'invoice-bot'],
    event: { id: 'evt-1', type: 'tool_use', tool: 'hr.read_salaries', system: 'hr-prod', action: 'read' },
    observed: { system: 'hr-prod' },
    expected: { systems: ['erp-prod'] },
    evidence: ['evt-1'],
    techniques: [],
    recommendation: 'Suspend invoice-bot',
    key: 'system:hr-prod',
    window: { start: '2026-10-05T09:00:00.000Z', end: '2026-10-05T10:00:00.000Z' },
    ...overrides,
  };
}

export function alerts(from: number, count: number): Alert[] {
  return Array.from({ length: count }, (_, i) => alert(from + i));
}

export class MemoryRejected implements RejectedAlertSink {
  readonly records: RejectedAlert[] = [];
  fail?: Error;
  async write(records: readonly RejectedAlert[]): Promise<void> {
    if (this.fail) throw this.fail;
    this.records.push(...records);
  }
  async close(): Promise<void> {}
}

export interface CapturedLog {
  level: LogLevel;
  message: string;
  fields?: Record<string, unknown>;
}

/** A logger that keeps every call, and the whole text of each, for assertions on what was logged. */
export function captureLogger(): Logger & { entries: CapturedLog[]; text(): string } {
  const entries: CapturedLog[] = [];
  return {
    entries,
    log(level, message, fields) {
      entries.push({ level, message, fields });
    },
    text() {
      return entries.map((e) => `${e.level} ${e.message} ${JSON.stringify(e.fields ?? {})}`).join('\n');
    },
  };
}

/** Resolves after pending microtasks and I/O callbacks ran. */
export function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `condition` holds (for state reached asynchronously); throws after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick(5);
  }
}
