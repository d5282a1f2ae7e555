import { ALERT_SCHEMA, type Alert } from '../../../../src/alerts/alert.js';
import { SEVERITIES, type Severity } from '../../../../src/sdk/detector.js';
import { TECHNIQUES, type Technique } from '../../../../src/sdk/techniques.js';

type Overrides = Partial<Omit<Alert, 'agent' | 'event'>> & {
  agent?: Partial<Alert['agent']>;
  event?: Partial<Alert['event']>;
};

/** A canonical alert as the engine builds it, with the fields a test cares about overridden. */
export function makeAlert(overrides: Overrides = {}): Alert {
  const { agent, event, ...rest } = overrides;
  return {
    schema: ALERT_SCHEMA,
    id: 'dw-3f1c9a7e52b04d18',
    time: '2026-10-05T09:14:07.250Z',
    detected_at: '2026-10-05T09:14:08.001Z',
    detector: 'scope-violation',
    detector_version: '1.2.0',
    severity: 'high',
    score: 92,
    title: 'invoice-bot used a system outside its registered scope',
    summary: 'invoice-bot read from hr-prod, which is not among its registered systems (erp-prod, mail-internal)',
    agent: {
      id: 'invoice-bot',
      registered: true,
      name: 'Invoice reconciliation agent',
      owner: 'alice@corp.example',
      custodian: 'team-payments',
      status: 'active',
      instance: 'invoice-bot-7d9f',
      session: 'task-4411',
      ...agent,
    },
    principal: 'bob@corp.example',
    chain: ['bob@corp.example', 'planner', 'invoice-bot'],
    event: {
      id: 'evt-000123',
      type: 'tool_use',
      tool: 'hr.read_salaries',
      system: 'hr-prod',
      action: 'read',
      resource: 'salaries/2026',
      token: 'sha256:9f8e7d6c5b4a39281706f5e4d3c2b1a0',
      ...event,
    },
    observed: { system: 'hr-prod', bytes: 48_000_000 },
    expected: { systems: ['erp-prod', 'mail-internal'] },
    evidence: ['evt-000123', 'evt-000119', 'evt-000120'],
    scope: { systems: ['erp-prod', 'mail-internal'] },
    techniques: [TECHNIQUES.cloudAccounts, TECHNIQUES.dataFromInformationRepositories, TECHNIQUES.identityPrivilegeAbuse],
    recommendation: 'Suspend invoice-bot and revoke token sha256:9f8e7d6c5b4a39281706f5e4d3c2b1a0; review its scope with alice@corp.example',
    key: 'system:hr-prod',
    window: { start: '2026-10-05T09:00:00.000Z', end: '2026-10-05T10:00:00.000Z' },
    ...rest,
  };
}

const TECHNIQUE_SETS: ReadonlyArray<readonly Technique[]> = [
  [TECHNIQUES.cloudAccounts, TECHNIQUES.dataFromInformationRepositories, TECHNIQUES.identityPrivilegeAbuse],
  [TECHNIQUES.applicationAccessToken, TECHNIQUES.stealAccessToken],
  [TECHNIQUES.promptInjection, TECHNIQUES.goalHijack],
  [TECHNIQUES.improperOffboarding],
  [],
];

/**
 * The sample set: every severity × registered/unregistered agent × with/without principal and
 * delegation chain, over the three event types, with ATT&CK, ATLAS, OWASP-only and no techniques.
 */
export function sampleAlerts(): Alert[] {
  const out: Alert[] = [];
  let n = 0;
  for (const severity of SEVERITIES as readonly Severity[]) {
    for (const registered of [true, false]) {
      for (const delegated of [true, false]) {
        n += 1;
        const kind = n % 3;
        const event: Partial<Alert['event']> = kind === 0
          ? { type: 'tool_use' }
          : kind === 1
            ? { type: 'token_issued', tool: undefined, system: undefined, action: undefined, resource: undefined }
            : { type: 'access_denied', resource: undefined, token: undefined };
        out.push(makeAlert({
          id: `dw-sample-${n}`,
          severity,
          score: (n * 13) % 101,
          detected_at: n % 4 === 0 ? undefined : '2026-10-05T09:14:08.001Z',
          agent: registered
            ? { id: `agent-${n}` }
            : { id: `shadow-${n}`, registered: false, name: undefined, owner: undefined, custodian: undefined, status: undefined },
          principal: delegated ? (n % 2 === 0 ? 'carol@corp.example' : 'svc-batch') : undefined,
          chain: delegated ? ['carol@corp.example', 'planner', `agent-${n}`] : undefined,
          event: { id: `evt-${n}`, ...event },
          evidence: [`evt-${n}`, ...(n % 2 === 0 ? [`evt-${n}-a`, `evt-${n}-b`] : [])],
          techniques: TECHNIQUE_SETS[n % TECHNIQUE_SETS.length],
          scope: registered ? { systems: ['erp-prod'] } : undefined,
        }));
      }
    }
  }
  // Text that SIEM formats must escape: pipes, backslashes, equals signs, quotes, brackets, line breaks, Unicode.
  out.push(makeAlert({
    id: 'dw-hostile|\\=]"',
    title: 'weird | title \\ with = and\r\nnew line ✓ 日本',
    summary: 'line one\nline two\rline three | a=b \\ "q" ] \u2028 end 🙂',
    principal: 'dave|x@corp.example',
    agent: { id: 'agent "q" ]', name: 'Agent\nName' },
    recommendation: 'revoke\\rotate = now\n',
  }));
  return out;
}
