// Scale-out: two `driftwatch run` instances in one group. One is killed; the other takes over its
// partitions and restores the moved agents' baselines from the state changelog: a statistical
// anomaly on a moved agent right after the takeover is still detected. Two detectors judge it:
// the test fixture volume-baseline (a relearned baseline would be in its 50-event warm-up) and
// the built-in volume-spike (on the engine's per-agent baseline; a relearned one would be in its
// learning period of 1 h of event time).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  groupMembers,
  jobSuite,
  produceValues,
  readAlertFiles,
  readAlerts,
  TEST_DETECTORS,
  tempDir,
  waitFor,
  waitForCommittedToEnd,
} from '../../helpers/kafka-job.js';

const WARMUP = 120;
const AGENTS = Array.from({ length: 24 }, (_, i) => `scale-agent-${String(i).padStart(2, '0')}`);

function registryYaml(): string {
  return [
    'defaults: { review_max_age: 3650d, credentials: { max_ttl: 1h } }',
    'agents:',
    ...AGENTS.map(
      (id) =>
        `  - { id: ${id}, owner: owner@corp.example, custodian: team-a, reviewed: 2026-10-01, scope: { systems: [erp-prod], tools: ["erp.*"], actions: [read] } }`,
    ),
  ].join('\n') + '\n';
}

const start = Date.parse('2026-11-02T08:00:00Z');
function toolUse(agent: string, n: number, bytes: number): string {
  return JSON.stringify({
    v: 1,
    id: `${agent}-${n}`,
    time: new Date(start + n * 60_000).toISOString(),
    type: 'tool_use',
    agent: { id: agent },
    tool: 'erp.read_invoices',
    system: 'erp-prod',
    action: 'read',
    bytes,
    outcome: 'success',
  });
}

describe('kafka source: scale-out and takeover', () => {
  const suite = jobSuite();

  it('the survivor takes over the killed instance\'s partitions with their baselines from the changelog', { timeout: 240_000 }, async () => {
    const names = await suite.topic('scale', 4);
    const dir = await tempDir();
    const registry = join(dir, 'registry.yaml');
    await writeFile(registry, registryYaml());

    const common = {
      ...names,
      registry,
      detectorDirectories: [TEST_DETECTORS],
      maturity: ['stable', 'incubating'],
      settings: { 'volume-baseline': { enabled: true }, 'volume-spike': { enabled: true, options: { learning_period: '1h' } } },
      sessionTimeoutMs: 6_000,
    };
    const a = await suite.start(dir, 'a', { ...common, source: { client_id: 'scale-a' } });
    await waitFor(async () => (await groupMembers(names.group)).length === 1, { timeoutMs: 60_000, label: 'instance a in the group', alive: [a] });
    const b = await suite.start(dir, 'b', { ...common, source: { client_id: 'scale-b' } });
    await waitFor(
      async () => {
        const members = await groupMembers(names.group, names.topic);
        return members.length === 2 && members.every((m) => m.partitions.length === 2);
      },
      { timeoutMs: 60_000, label: 'both instances in the group, two partitions each', alive: [a, b] },
    );
    const bPartitions = (await groupMembers(names.group, names.topic)).find((m) => m.clientId === 'scale-b')!.partitions;

    // Warm-up: 120 ordinary calls per agent a minute apart, interleaved (20–30 KB each).
    const warmup: string[] = [];
    for (let n = 0; n < WARMUP; n++) for (const agent of AGENTS) warmup.push(toolUse(agent, n, 20_000 + ((n * 7919) % 10_000)));
    const positions = await produceValues(names.topic, warmup);
    await waitForCommittedToEnd(names.group, names.topic, 90_000, [a, b]);
    const partitionOf = new Map(AGENTS.map((agent, i) => [agent, positions[i]!.partition]));
    const moved = AGENTS.filter((agent) => bPartitions.includes(partitionOf.get(agent)!));
    expect(moved.length).toBeGreaterThan(0);
    expect(readAlertFiles(dir, ['alerts-a.jsonl', 'alerts-b.jsonl'])).toEqual([]);

    b.kill('SIGKILL');
    await b.exited;
    await waitFor(
      async () => {
        const members = await groupMembers(names.group, names.topic);
        return members.length === 1 && members[0]!.clientId === 'scale-a' && members[0]!.partitions.length === 4;
      },
      { timeoutMs: 60_000, label: 'instance a to own all four partitions', alive: [a] },
    );

    // Right after the takeover: six calls per agent moving 5 MB each.
    const burst: string[] = [];
    for (let k = 0; k < 6; k++) for (const agent of AGENTS) burst.push(toolUse(agent, WARMUP + k, 5_000_000));
    await produceValues(names.topic, burst);
    await waitForCommittedToEnd(names.group, names.topic, 90_000, [a]);

    const alerts = readAlerts(join(dir, 'alerts-a.jsonl'));
    for (const detector of ['volume-baseline', 'volume-spike']) {
      const alerted = new Set(alerts.filter((alert) => alert.detector === detector).map((alert) => alert.agent.id));
      expect({ detector, missed: moved.filter((agent) => !alerted.has(agent)) }).toEqual({ detector, missed: [] });
      expect({ detector, alerted: [...alerted].sort() }).toEqual({ detector, alerted: [...AGENTS].sort() });
    }
    // The fixture alerts on the first large call, judged against the full baseline: 120 learned calls, not a fresh one.
    for (const alert of alerts.filter((a) => a.detector === 'volume-baseline')) {
      expect(alert.expected).toMatchObject({ n: WARMUP });
      expect(alert.evidence[0]).toBe(`${alert.agent.id}-${WARMUP}`);
    }
    expect(a.stderr()).toMatch(/state restored from changelog/);
  });
});
