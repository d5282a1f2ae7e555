import type { Action } from '../events/contract.js';

/**
 * The simulated company: its systems, the tools agents call on them (`<prefix>.<verb>`), its
 * departments, and the words agents and people are named with. Shared by every simulated agent,
 * so agents overlap in what they touch the way real ones do.
 */

export interface ToolSpec {
  /** `<system prefix>.<verb>`, e.g. `erp.read_invoices`. */
  readonly name: string;
  readonly system: string;
  readonly action: Action;
  /** Median bytes moved by one call. */
  readonly bytes: number;
  /** Log-space spread of the bytes per call (cut at ±3σ: APIs page their results). */
  readonly sigma: number;
  /** Median records per call (0: the tool does not report records). */
  readonly records: number;
  /** Moves data in bulk (exports, loads): what batch agents use and exfiltration abuses. */
  readonly bulk?: boolean;
  /** Usually listed as high-consequence in the registry (needs a human approval reference). */
  readonly sensitive?: boolean;
}

export interface SystemSpec {
  readonly id: string;
  readonly prefix: string;
  /** Noun used in resource names, e.g. `invoice/INV-2026-004211`. */
  readonly resource: (n: number) => string;
  /** Holds data that an attacker reaching out of scope would go for. */
  readonly sensitive: boolean;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export const SYSTEMS: readonly SystemSpec[] = [
  { id: 'erp-prod', prefix: 'erp', resource: (n) => `invoice/INV-2026-${pad(n % 1_000_000, 6)}`, sensitive: true },
  { id: 'payments', prefix: 'pay', resource: (n) => `payment/PAY-${pad(n % 10_000_000, 7)}`, sensitive: true },
  { id: 'billing', prefix: 'billing', resource: (n) => `account/ACC-${pad(n % 100_000, 5)}`, sensitive: false },
  { id: 'crm-prod', prefix: 'crm', resource: (n) => `contact/${(n * 2654435761 >>> 0).toString(16).padStart(8, '0')}`, sensitive: true },
  { id: 'hr-prod', prefix: 'hr', resource: (n) => `employee/E${pad(n % 100_000, 5)}`, sensitive: true },
  { id: 'mail-internal', prefix: 'mail', resource: (n) => `message/${pad(n % 100_000_000, 8)}`, sensitive: false },
  { id: 'mail-external', prefix: 'mail', resource: (n) => `outbound/${pad(n % 100_000_000, 8)}`, sensitive: false },
  { id: 'warehouse', prefix: 'dwh', resource: (n) => `table/${['sales', 'finance', 'ops', 'marketing'][n % 4]}.fact_${['orders', 'ledger', 'events', 'visits'][(n >> 2) % 4]}`, sensitive: true },
  { id: 'git-forge', prefix: 'git', resource: (n) => `repo/${['platform', 'web', 'data', 'mobile', 'infra'][n % 5]}/${['api', 'ui', 'jobs', 'sdk', 'tools', 'deploy'][(n >> 3) % 6]}`, sensitive: false },
  { id: 'ticketing', prefix: 'ticket', resource: (n) => `ticket/${['SUP', 'OPS', 'ENG', 'HR'][n % 4]}-${10_000 + (n % 90_000)}`, sensitive: false },
  { id: 'docs', prefix: 'docs', resource: (n) => `doc/${(n * 40503 >>> 0).toString(36)}`, sensitive: false },
  { id: 'calendar', prefix: 'cal', resource: (n) => `event/${pad(n % 10_000_000, 7)}`, sensitive: false },
  { id: 'object-store', prefix: 'storage', resource: (n) => `bucket/${['exports', 'backups', 'uploads', 'reports'][n % 4]}/${pad(n % 1_000_000, 6)}.parquet`, sensitive: true },
  { id: 'k8s-prod', prefix: 'k8s', resource: (n) => `namespace/${['payments', 'web', 'search', 'etl', 'auth'][n % 5]}/deployment/${['api', 'worker', 'cron'][(n >> 3) % 3]}`, sensitive: false },
  { id: 'monitoring', prefix: 'metrics', resource: (n) => `dashboard/${pad(n % 10_000, 4)}`, sensitive: false },
  { id: 'identity-admin', prefix: 'iam', resource: (n) => `user/u${pad(n % 100_000, 5)}`, sensitive: true },
  { id: 'secrets-vault', prefix: 'vault', resource: (n) => `secret/${['db', 'api', 'smtp', 'sftp'][n % 4]}/${['prod', 'staging'][(n >> 2) % 2]}`, sensitive: true },
  { id: 'chat', prefix: 'chat', resource: (n) => `channel/C${pad(n % 100_000, 5)}`, sensitive: false },
  { id: 'search-index', prefix: 'search', resource: (n) => `index/${['kb', 'products', 'tickets', 'docs'][n % 4]}`, sensitive: false },
];

const KB = 1024;
const MB = 1024 * 1024;

const tool = (name: string, system: string, action: Action, bytes: number, sigma: number, records: number, extra: { bulk?: boolean; sensitive?: boolean } = {}): ToolSpec => ({
  name,
  system,
  action,
  bytes,
  sigma,
  records,
  ...extra,
});

export const TOOLS: readonly ToolSpec[] = [
  tool('erp.read_invoices', 'erp-prod', 'read', 24 * KB, 1.0, 40),
  tool('erp.read_orders', 'erp-prod', 'read', 18 * KB, 1.0, 30),
  tool('erp.read_suppliers', 'erp-prod', 'read', 8 * KB, 0.8, 12),
  tool('erp.post_journal', 'erp-prod', 'write', 3 * KB, 0.6, 4),
  tool('erp.update_invoice', 'erp-prod', 'write', 2 * KB, 0.5, 1),
  tool('erp.export_ledger', 'erp-prod', 'read', 900 * KB, 1.1, 5000, { bulk: true }),
  tool('erp.delete_draft', 'erp-prod', 'delete', 1 * KB, 0.4, 1, { sensitive: true }),
  tool('pay.read_balance', 'payments', 'read', 2 * KB, 0.5, 1),
  tool('pay.list_transactions', 'payments', 'read', 40 * KB, 1.0, 80),
  tool('pay.transfer', 'payments', 'transfer', 1 * KB, 0.3, 1, { sensitive: true }),
  tool('pay.refund', 'payments', 'transfer', 1 * KB, 0.3, 1, { sensitive: true }),
  tool('billing.read_invoice', 'billing', 'read', 6 * KB, 0.7, 1),
  tool('billing.list_accounts', 'billing', 'read', 30 * KB, 1.0, 60),
  tool('billing.create_credit_note', 'billing', 'write', 2 * KB, 0.4, 1),
  tool('crm.search_contacts', 'crm-prod', 'read', 12 * KB, 0.9, 25),
  tool('crm.read_account', 'crm-prod', 'read', 6 * KB, 0.7, 1),
  tool('crm.update_contact', 'crm-prod', 'write', 2 * KB, 0.5, 1),
  tool('crm.log_activity', 'crm-prod', 'write', 1 * KB, 0.4, 1),
  tool('crm.export_contacts', 'crm-prod', 'read', 2 * MB, 1.0, 8000, { bulk: true, sensitive: true }),
  tool('crm.delete_contact', 'crm-prod', 'delete', 1 * KB, 0.3, 1, { sensitive: true }),
  tool('hr.read_employee', 'hr-prod', 'read', 4 * KB, 0.6, 1),
  tool('hr.search_employees', 'hr-prod', 'read', 15 * KB, 0.9, 30),
  tool('hr.update_record', 'hr-prod', 'write', 2 * KB, 0.5, 1),
  tool('hr.export_payroll', 'hr-prod', 'read', 1.5 * MB, 0.9, 3000, { bulk: true, sensitive: true }),
  tool('mail.send_internal', 'mail-internal', 'send', 8 * KB, 1.0, 1),
  tool('mail.read_inbox', 'mail-internal', 'read', 30 * KB, 1.0, 20),
  tool('mail.search', 'mail-internal', 'read', 20 * KB, 1.0, 15),
  tool('mail.send_external', 'mail-external', 'send', 12 * KB, 1.1, 1, { sensitive: true }),
  tool('dwh.query', 'warehouse', 'read', 400 * KB, 1.3, 2000),
  tool('dwh.load', 'warehouse', 'write', 3 * MB, 1.0, 10_000, { bulk: true }),
  tool('dwh.export', 'warehouse', 'read', 5 * MB, 1.1, 20_000, { bulk: true }),
  tool('git.read_repo', 'git-forge', 'read', 60 * KB, 1.2, 0),
  tool('git.open_pr', 'git-forge', 'write', 10 * KB, 0.8, 0),
  tool('git.comment', 'git-forge', 'write', 1 * KB, 0.5, 0),
  tool('git.push', 'git-forge', 'write', 200 * KB, 1.3, 0),
  tool('git.merge', 'git-forge', 'execute', 2 * KB, 0.4, 0, { sensitive: true }),
  tool('git.delete_branch', 'git-forge', 'delete', 1 * KB, 0.3, 0),
  tool('ticket.read', 'ticketing', 'read', 5 * KB, 0.7, 1),
  tool('ticket.search', 'ticketing', 'read', 20 * KB, 0.9, 25),
  tool('ticket.comment', 'ticketing', 'write', 1 * KB, 0.6, 1),
  tool('ticket.create', 'ticketing', 'write', 2 * KB, 0.5, 1),
  tool('ticket.close', 'ticketing', 'write', 1 * KB, 0.3, 1),
  tool('docs.read', 'docs', 'read', 40 * KB, 1.1, 1),
  tool('docs.search', 'docs', 'read', 10 * KB, 0.8, 20),
  tool('docs.write', 'docs', 'write', 30 * KB, 1.0, 1),
  tool('docs.share_external', 'docs', 'send', 1 * KB, 0.3, 1, { sensitive: true }),
  tool('cal.read', 'calendar', 'read', 3 * KB, 0.6, 10),
  tool('cal.create_event', 'calendar', 'write', 1 * KB, 0.3, 1),
  tool('storage.get', 'object-store', 'read', 500 * KB, 1.4, 0),
  tool('storage.put', 'object-store', 'write', 500 * KB, 1.4, 0),
  tool('storage.list', 'object-store', 'read', 8 * KB, 0.8, 200),
  tool('storage.delete', 'object-store', 'delete', 1 * KB, 0.3, 0, { sensitive: true }),
  tool('k8s.get', 'k8s-prod', 'read', 20 * KB, 0.9, 0),
  tool('k8s.logs', 'k8s-prod', 'read', 200 * KB, 1.3, 0),
  tool('k8s.apply', 'k8s-prod', 'execute', 10 * KB, 0.6, 0, { sensitive: true }),
  tool('k8s.scale', 'k8s-prod', 'admin', 1 * KB, 0.3, 0),
  tool('metrics.query', 'monitoring', 'read', 50 * KB, 1.2, 500),
  tool('metrics.ack_alert', 'monitoring', 'write', 1 * KB, 0.3, 1),
  tool('iam.read_users', 'identity-admin', 'read', 20 * KB, 0.9, 50),
  tool('iam.grant_role', 'identity-admin', 'admin', 1 * KB, 0.3, 1, { sensitive: true }),
  tool('iam.disable_user', 'identity-admin', 'admin', 1 * KB, 0.3, 1, { sensitive: true }),
  tool('vault.read_secret', 'secrets-vault', 'read', 1 * KB, 0.4, 1),
  tool('vault.rotate_secret', 'secrets-vault', 'admin', 1 * KB, 0.3, 1, { sensitive: true }),
  tool('chat.post_message', 'chat', 'send', 2 * KB, 0.8, 1),
  tool('chat.read_channel', 'chat', 'read', 20 * KB, 1.0, 50),
  tool('search.query', 'search-index', 'read', 30 * KB, 1.0, 20),
  tool('search.index', 'search-index', 'write', 100 * KB, 1.2, 200),
];

const systemById = new Map(SYSTEMS.map((system) => [system.id, system]));
const toolsBySystem = new Map<string, ToolSpec[]>();
for (const spec of TOOLS) {
  const list = toolsBySystem.get(spec.system) ?? [];
  list.push(spec);
  toolsBySystem.set(spec.system, list);
}

export function systemSpec(id: string): SystemSpec {
  const found = systemById.get(id);
  if (!found) throw new Error(`unknown simulated system ${id}`);
  return found;
}

export function toolsOf(system: string): readonly ToolSpec[] {
  return toolsBySystem.get(system) ?? [];
}

export interface Department {
  readonly id: string;
  readonly core: readonly string[];
  readonly optional: readonly string[];
  readonly nouns: readonly string[];
  readonly teams: readonly string[];
  /** Relative share of the company's agents. */
  readonly share: number;
}

export const DEPARTMENTS: readonly Department[] = [
  { id: 'finance', core: ['erp-prod', 'mail-internal'], optional: ['docs', 'payments', 'billing', 'warehouse', 'calendar', 'chat'], nouns: ['invoice', 'payables', 'ledger', 'expense', 'forecast', 'treasury', 'close', 'audit'], teams: ['team-finance-platform', 'team-payments', 'team-accounting-ops'], share: 0.18 },
  { id: 'sales', core: ['crm-prod', 'mail-internal'], optional: ['mail-external', 'calendar', 'docs', 'billing', 'chat'], nouns: ['lead', 'quote', 'outreach', 'pipeline', 'renewal', 'account', 'territory'], teams: ['team-sales-tools', 'team-revops'], share: 0.16 },
  { id: 'support', core: ['ticketing', 'crm-prod'], optional: ['mail-internal', 'mail-external', 'docs', 'chat', 'search-index'], nouns: ['ticket', 'triage', 'helpdesk', 'refund', 'kb', 'escalation', 'chat'], teams: ['team-support-tools', 'team-cx-platform'], share: 0.16 },
  { id: 'hr', core: ['hr-prod', 'mail-internal'], optional: ['docs', 'calendar', 'chat'], nouns: ['onboarding', 'payroll', 'recruiting', 'benefits', 'leave', 'offboarding'], teams: ['team-people-systems'], share: 0.08 },
  { id: 'engineering', core: ['git-forge', 'ticketing'], optional: ['k8s-prod', 'monitoring', 'object-store', 'chat', 'docs', 'search-index'], nouns: ['review', 'deploy', 'build', 'release', 'oncall', 'codegen', 'dependency', 'test'], teams: ['team-devex', 'team-platform', 'team-sre'], share: 0.18 },
  { id: 'data', core: ['warehouse'], optional: ['erp-prod', 'crm-prod', 'object-store', 'monitoring', 'search-index'], nouns: ['etl', 'warehouse', 'report', 'sync', 'quality', 'lineage', 'metrics'], teams: ['team-data', 'team-analytics-eng'], share: 0.14 },
  { id: 'it', core: ['ticketing', 'monitoring'], optional: ['identity-admin', 'k8s-prod', 'secrets-vault', 'chat', 'object-store'], nouns: ['access', 'patch', 'incident', 'provisioning', 'asset', 'backup'], teams: ['team-it-ops', 'team-identity'], share: 0.1 },
];

export const ROLE_WORDS = {
  assistant: ['assistant', 'copilot', 'agent', 'helper'],
  orchestrator: ['planner', 'orchestrator', 'coordinator'],
  batch: ['loader', 'sync', 'job', 'reconciler', 'exporter'],
  'event-driven': ['bot', 'responder', 'handler', 'router', 'watcher'],
} as const;

export const FIRST_NAMES = [
  'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy',
  'rupert', 'sybil', 'trent', 'victor', 'walter', 'yasmin', 'zoe', 'amir', 'bea', 'chen', 'dara', 'emeka', 'fatima', 'goran',
  'hana', 'ines', 'jonas', 'kofi', 'lena', 'mateo', 'noor', 'oskar', 'priya', 'quentin', 'rosa', 'sanjay', 'tomas', 'ulla',
];

export const LAST_NAMES = [
  'smith', 'meyer', 'garcia', 'nguyen', 'kowalski', 'rossi', 'tanaka', 'okafor', 'silva', 'novak', 'jensen', 'dubois', 'haddad',
  'kim', 'larsen', 'moreau', 'patel', 'quinn', 'reyes', 'schmidt', 'varga', 'weber', 'yilmaz', 'zhang', 'olsen', 'ibrahim',
];

export const COMPANY_DOMAIN = 'corp.example';
export const IDENTITY_PROVIDER = 'https://idp.corp.example';

/** Time zones of the company's offices, as fixed UTC offsets in minutes, with their share of staff. */
export const TIME_ZONES: readonly { readonly offsetMin: number; readonly share: number }[] = [
  { offsetMin: 0, share: 0.22 },
  { offsetMin: 60, share: 0.3 },
  { offsetMin: -300, share: 0.2 },
  { offsetMin: -480, share: 0.1 },
  { offsetMin: 330, share: 0.09 },
  { offsetMin: 540, share: 0.05 },
  { offsetMin: 600, share: 0.04 },
];

export const POLICY_ENGINES = ['opa', 'cedar'] as const;
