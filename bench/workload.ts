/** A deterministic synthetic workload for the benchmarks: a registry of N agents and their events. */

const SYSTEMS = ['erp-prod', 'crm-prod', 'mail-internal', 'warehouse', 'docs', 'ticketing', 'git-forge', 'payments', 'hr-prod', 'mail-external'];
const VERBS = ['read', 'list', 'search', 'update', 'export', 'send'];

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const agentId = (index: number) => `agent-${String(index).padStart(5, '0')}`;
const systemsOf = (index: number) => [SYSTEMS[index % 8]!, SYSTEMS[(index + 3) % 8]!];

export function benchRegistryYaml(agents: number): string {
  const lines = ['defaults: { review_max_age: 365d, credentials: { max_ttl: 1h } }', 'agents:'];
  for (let i = 0; i < agents; i++) {
    const systems = systemsOf(i);
    lines.push(
      `  - { id: ${agentId(i)}, owner: owner${i % 97}@corp.example, custodian: team-${i % 13}, reviewed: 2026-10-01,` +
        ` scope: { systems: [${systems.join(', ')}], tools: [${systems.map((s) => `"${s.split('-')[0]}.*"`).join(', ')}], actions: [read, write, send] },` +
        ` high_consequence: [transfer, delete], credentials: { max_ttl: 1h, grants: [client_credentials, token_exchange] } }`,
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * `events` lines over `agents` agents, in time order over about a week: mostly in-scope tool use,
 * some token issuance and denials, and about 1% out-of-scope actions. Event ids are
 * `<idPrefix>-<n>`: the same seed with another prefix gives the same events under other ids.
 */
export function benchLines(agents: number, events: number, seed: number, idPrefix = `e${seed}`): string[] {
  const random = prng(seed);
  const start = Date.parse('2026-11-02T00:00:00Z');
  const step = (7 * 86_400_000) / events;
  const lines: string[] = new Array(events);
  for (let n = 0; n < events; n++) {
    const index = Math.floor(random() * agents);
    const agent = agentId(index);
    const time = new Date(start + Math.floor(n * step)).toISOString();
    const roll = random();
    const id = `${idPrefix}-${n}`;
    const chain = `"principal":"user${index % 500}@corp.example","chain":["user${index % 500}@corp.example","${agent}"]`;
    if (roll < 0.08) {
      lines[n] = `{"v":1,"id":"${id}","time":"${time}","type":"token_issued","agent":{"id":"${agent}","session":"t${n >> 6}"},${chain},"token":{"fingerprint":"sha256:${(n * 2654435761 >>> 0).toString(16).padStart(8, '0')}c0ffee0123456789abcdef","issuer":"https://idp.corp.example","audience":"${systemsOf(index)[0]}","scopes":["read"],"ttl_s":900,"grant":"token_exchange","task":"t${n >> 6}"}}`;
    } else if (roll < 0.1) {
      lines[n] = `{"v":1,"id":"${id}","time":"${time}","type":"access_denied","agent":{"id":"${agent}"},${chain},"system":"${SYSTEMS[Math.floor(random() * SYSTEMS.length)]}","action":"write","policy":"data.authz.allow","engine":"opa","reason":"not permitted"}`;
    } else {
      const outOfScope = random() < 0.01;
      const system = outOfScope ? SYSTEMS[8 + Math.floor(random() * 2)]! : systemsOf(index)[Math.floor(random() * 2)]!;
      const tool = `${system.split('-')[0]}.${VERBS[Math.floor(random() * VERBS.length)]}`;
      lines[n] = `{"v":1,"id":"${id}","time":"${time}","type":"tool_use","agent":{"id":"${agent}","instance":"i-${index % 7}","session":"s${n >> 8}"},${chain},"tool":"${tool}","system":"${system}","action":"read","resource":"records/${Math.floor(random() * 1000)}","bytes":${Math.floor(1000 + random() * 50_000)},"records":${Math.floor(1 + random() * 40)},"outcome":"success"}`;
    }
  }
  return lines;
}
