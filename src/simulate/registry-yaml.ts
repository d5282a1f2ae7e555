import type { AgentProfile } from './profiles.js';

/** The simulated registry as YAML, in the form of src/registry/schema.ts; strings are JSON-quoted. */

const q = (value: string): string => JSON.stringify(value);
const list = (items: readonly string[]): string => `[${items.map(q).join(', ')}]`;

export function registryYaml(profiles: readonly AgentProfile[], header: string): string {
  const lines: string[] = [
    ...header.split('\n').map((line) => `# ${line}`.trimEnd()),
    'defaults:',
    '  review_max_age: 90d',
    '  credentials: { max_ttl: 1h }',
    '',
    'agents:',
  ];
  for (const p of profiles) {
    lines.push(`  - id: ${q(p.id)}`);
    lines.push(`    name: ${q(p.name)}`);
    lines.push(`    kind: ${q(p.kind)}`);
    lines.push(`    owner: ${q(p.owner)}`);
    lines.push(`    custodian: ${q(p.custodian)}`);
    lines.push(`    purpose: ${q(p.purpose)}`);
    lines.push(`    status: ${p.status}`);
    lines.push(`    reviewed: ${q(p.reviewed)}`);
    lines.push('    scope:');
    lines.push(`      systems: ${list(p.scope.systems)}`);
    lines.push(`      tools: ${list(p.scope.tools)}`);
    lines.push(`      actions: ${list(p.scope.actions)}`);
    if (p.highConsequence.length > 0) lines.push(`    high_consequence: ${list(p.highConsequence)}`);
    if (p.delegation) {
      const depth = p.delegation.max_depth === undefined ? '' : `max_depth: ${p.delegation.max_depth}, `;
      lines.push(`    delegation: { ${depth}may_delegate_to: ${list(p.delegation.may_delegate_to)} }`);
    }
    const ttl = p.maxTtl === undefined ? '' : `max_ttl: ${p.maxTtl}, `;
    lines.push(`    credentials: { ${ttl}grants: ${list(p.grants)} }`);
  }
  return lines.join('\n') + '\n';
}
