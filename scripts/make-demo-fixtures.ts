/**
 * Writes fixtures/demo/events.jsonl: one day (2026-11-02 UTC) of eight agents' activity with
 * the violations the demo shows. Deterministic: `npx tsx scripts/make-demo-fixtures.ts` gives
 * the same file every time.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const DAY = Date.parse('2026-11-02T00:00:00Z');
const MIN = 60_000;

let seed = 20261102;
function random(): number {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const fingerprint = (label: string) => 'sha256:' + createHash('sha256').update(label).digest('hex').slice(0, 40);

type Line = { t: number; text: string };
const lines: Line[] = [];
let counter = 0;
function emit(t: number, event: Record<string, unknown>): string {
  const id = `demo-${String(++counter).padStart(5, '0')}`;
  lines.push({ t, text: JSON.stringify({ v: 1, id, time: new Date(t).toISOString(), ...event }) });
  return id;
}
const tool = (t: number, agent: string, fields: Record<string, unknown>, chain?: string[]) =>
  emit(t, { type: 'tool_use', agent: { id: agent, session: fields.session ?? `${agent}-task-${Math.floor((t - DAY) / (60 * MIN))}` }, principal: chain?.[0], chain, outcome: 'success', ...fields, session: undefined });
const token = (t: number, agent: string, token: Record<string, unknown>, chain?: string[]) =>
  emit(t, { type: 'token_issued', agent: { id: agent }, principal: chain?.[0], chain, token: { issuer: 'https://idp.corp.example', ...token } });

function during(fromHour: number, toHour: number, everyMin: number, jitterMin: number, act: (t: number) => void): void {
  for (let t = DAY + fromHour * 60 * MIN; t < DAY + toHour * 60 * MIN; t += everyMin * MIN) {
    act(t + Math.floor(random() * jitterMin * MIN));
  }
}

const alice = 'alice@corp.example';

// planner: business hours, orchestrating on alice's behalf
during(8, 18, 60, 2, (t) => token(t, 'planner', { fingerprint: fingerprint(`planner-${t}`), audience: 'erp-prod', grant: 'token_exchange', ttl_s: 1800, task: `planner-task-${Math.floor((t - DAY) / (60 * MIN))}` }, [alice, 'planner']));
during(8, 18, 12, 8, (t) => tool(t, 'planner', { tool: pick(['erp.read_summary', 'docs.search']), system: pick(['erp-prod', 'docs']), action: 'read', bytes: 2000 + Math.floor(random() * 6000) }, [alice, 'planner']));

// invoice-bot: delegated by planner, reads invoices, matches them, pays approved ones
during(7, 20, 15, 3, (t) => {
  const task = `inv-${Math.floor((t - DAY) / (15 * MIN))}`;
  const fp = fingerprint(`invoice-bot-${t}`);
  token(t, 'invoice-bot', { fingerprint: fp, audience: 'erp-prod', grant: 'token_exchange', ttl_s: 600, task }, [alice, 'planner', 'invoice-bot']);
  const chain = [alice, 'planner', 'invoice-bot'];
  tool(t + 1 * MIN, 'invoice-bot', { session: task, tool: 'erp.read_invoices', system: 'erp-prod', action: 'read', resource: 'invoices/open', bytes: 20_000 + Math.floor(random() * 80_000), records: 10 + Math.floor(random() * 40), token: fp }, chain);
  tool(t + 3 * MIN, 'invoice-bot', { session: task, tool: 'erp.match_invoice', system: 'erp-prod', action: 'read', records: 5, token: fp }, chain);
  if (random() < 0.3) tool(t + 5 * MIN, 'invoice-bot', { session: task, tool: 'erp.pay_invoice', system: 'erp-prod', action: 'transfer', resource: `invoice/${Math.floor(random() * 90000) + 10000}`, approval: `APR-${Math.floor(random() * 9000) + 1000}`, token: fp }, chain);
  if (random() < 0.4) tool(t + 7 * MIN, 'invoice-bot', { session: task, tool: 'mail.send_internal', system: 'mail-internal', action: 'send', token: fp }, chain);
});

// report-writer: business hours for bob
during(9, 17, 20, 5, (t) => tool(t, 'report-writer', { tool: pick(['erp.read_ledger', 'docs.write_report']), system: pick(['erp-prod', 'docs']), action: 'read', bytes: 5000 + Math.floor(random() * 20000) }, ['bob@corp.example', 'report-writer']));

// support-assistant: business hours, many small CRM calls
during(8, 18, 5, 4, (t) => tool(t, 'support-assistant', { tool: pick(['crm.lookup_customer', 'ticket.reply', 'ticket.update']), system: pick(['crm-prod', 'ticketing']), action: pick(['read', 'write', 'read']), bytes: 500 + Math.floor(random() * 3000) }, ['carol@corp.example', 'support-assistant']));
during(8, 18, 20, 1, (t) => token(t, 'support-assistant', { fingerprint: fingerprint(`support-${t}`), audience: 'crm-prod', grant: 'refresh_token', ttl_s: 1200 }));

// nightly-etl: 24/7 batch agent, busy from 01:00 to 03:30
token(DAY + 60 * MIN, 'nightly-etl', { fingerprint: fingerprint('etl-night'), audience: 'warehouse', grant: 'client_credentials', ttl_s: 7200 });
during(1, 3.5, 3, 2, (t) => {
  tool(t, 'nightly-etl', { tool: 'etl.extract', system: pick(['erp-prod', 'crm-prod']), action: 'read', bytes: 2_000_000 + Math.floor(random() * 3_000_000), records: 5000 });
  tool(t + MIN, 'nightly-etl', { tool: 'etl.load', system: 'warehouse', action: 'write', bytes: 2_000_000 + Math.floor(random() * 3_000_000), records: 5000 });
});

// code-reviewer: reviews pull requests; its last access review is eight months old and it has no custodian
during(9, 17, 30, 10, (t) => tool(t, 'code-reviewer', { tool: pick(['git.read_diff', 'git.comment']), system: 'git-forge', action: pick(['read', 'write']) }));

// --- the violations ---
// 03:12 invoice-bot reads salaries from the HR system: outside its scope, at night
tool(DAY + 3 * 60 * MIN + 12 * MIN, 'invoice-bot', { tool: 'hr.read_salaries', system: 'hr-prod', action: 'read', bytes: 48_000_000, records: 12_000 }, [alice, 'planner', 'invoice-bot']);
// 11:40 invoice-bot mails a supplier file outside the company without approval (prompt-injected?)
tool(DAY + 11 * 60 * MIN + 40 * MIN, 'invoice-bot', { tool: 'mail.send_external', system: 'mail-external', action: 'send', resource: 'attachment:suppliers.csv' }, [alice, 'planner', 'invoice-bot']);
// 14:00 invoice-bot is issued a one-hour token (its limit is 15 minutes)
const longToken = fingerprint('invoice-bot-long');
token(DAY + 14 * 60 * MIN, 'invoice-bot', { fingerprint: longToken, audience: 'erp-prod', grant: 'client_credentials', ttl_s: 3600, task: 'inv-batch-1400' }, [alice, 'planner', 'invoice-bot']);
// 14:05 support-assistant uses invoice-bot's token
tool(DAY + 14 * 60 * MIN + 5 * MIN, 'support-assistant', { tool: 'erp.read_invoices', system: 'erp-prod', action: 'read', token: longToken }, ['carol@corp.example', 'support-assistant']);
// 15:30 report-writer obtains a client_credentials token for the HR system
token(DAY + 15 * 60 * MIN + 30 * MIN, 'report-writer', { fingerprint: fingerprint('rw-hr'), audience: 'hr-prod', grant: 'client_credentials', ttl_s: 900 });
// 16:20 planner hands its authority to the ETL agent, which it may not delegate to
tool(DAY + 16 * 60 * MIN + 20 * MIN, 'nightly-etl', { tool: 'etl.extract', system: 'erp-prod', action: 'read', bytes: 900_000 }, [alice, 'planner', 'nightly-etl']);
// 17:45 invoice-bot pays an invoice with no approval reference
tool(DAY + 17 * 60 * MIN + 45 * MIN, 'invoice-bot', { tool: 'erp.pay_invoice', system: 'erp-prod', action: 'transfer', resource: 'invoice/99812' }, [alice, 'planner', 'invoice-bot']);
// 10:05 the suspended HR agent creates a directory account
tool(DAY + 10 * 60 * MIN + 5 * MIN, 'hr-onboarding', { tool: 'directory.create_user', system: 'directory', action: 'write', resource: 'user/new.hire' }, ['erin@corp.example', 'hr-onboarding']);
// 02:10 the retired legacy synchroniser wakes up
tool(DAY + 2 * 60 * MIN + 10 * MIN, 'legacy-sync', { tool: 'sync.pull', system: 'crm-legacy', action: 'read', bytes: 3_000_000 });
// 12:00–12:30 a shadow agent nobody registered scrapes the CRM
during(12, 12.5, 5, 2, (t) => tool(t, 'quick-scraper', { tool: 'crm.export_contacts', system: 'crm-prod', action: 'read', bytes: 400_000 }));

lines.sort((a, b) => a.t - b.t);
// Two broken lines, to show the dead letters: not JSON, and a raw JWT where a fingerprint belongs.
const broken = [
  '{"v":1,"id":"demo-broken-1","time":"2026-11-02T09:00:00Z","type":"tool_use",',
  JSON.stringify({ v: 1, id: 'demo-broken-2', time: '2026-11-02T13:00:00Z', type: 'token_issued', agent: { id: 'planner' }, token: { fingerprint: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFubmVyIn0.c2lnbmF0dXJl' } }),
];
const out = lines.map((line) => line.text);
out.splice(Math.floor(out.length * 0.37), 0, broken[0]!);
out.splice(Math.floor(out.length * 0.55), 0, broken[1]!);
writeFileSync(new URL('../fixtures/demo/events.jsonl', import.meta.url), out.join('\n') + '\n');
console.log(`fixtures/demo/events.jsonl: ${out.length} lines`);
