// Crash: `driftwatch run` is killed with SIGKILL mid-stream and started again. Every alert of the
// file replay is delivered, none is lost, and repeats carry the same id.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { benchLines, benchRegistryYaml } from '../../../bench/workload.js';
import { createTopic, deleteTopics } from '../../helpers/kafka.js';
import {
  committedTotal,
  ensureStopped,
  fileReplay,
  jobNames,
  produceLive,
  readAlerts,
  spawnJob,
  tempDir,
  waitFor,
  waitForCommittedToEnd,
  withTokenMisuse,
  writeJobConfig,
  type JobProcess,
} from '../../helpers/kafka-job.js';

describe('kafka source: crash and restart', () => {
  const topics: string[] = [];
  let running: JobProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.map(ensureStopped));
    running = [];
  });
  afterAll(async () => {
    await deleteTopics(topics).catch(() => undefined);
  });

  it('SIGKILL mid-stream, restart: every file-replay alert delivered, repeats only with the same id', { timeout: 240_000 }, async () => {
    const names = jobNames('crash');
    const dir = await tempDir();
    const registry = join(dir, 'registry.yaml');
    await writeFile(registry, benchRegistryYaml(200));
    // Token misuse spans 3,000 events, so the crash falls between issuances and their misuse.
    const lines = withTokenMisuse(benchLines(200, 50_000, 11), { every: 2_000, gap: 3_000 });
    const eventsPath = join(dir, 'events.jsonl');
    await writeFile(eventsPath, lines.join('\n') + '\n');
    await createTopic(names.topic, { partitions: 1 });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic);
    const total = BigInt(lines.length);
    const expected = await fileReplay(eventsPath, { registry });
    expect(expected.filter((a) => a.detector === 'token-misuse').length).toBeGreaterThan(10);

    // A live stream: the kill lands mid-stream, after commits, with events still to come.
    const live = produceLive(names.topic, lines, { initial: 10_000, rate: 3_000 });
    const base = { ...names, registry, maxBytesPerPartition: 16 * 1024 };
    const first = spawnJob(await writeJobConfig(dir, { ...base, alertsPath: join(dir, 'alerts-1.jsonl') }, 'first.yaml'));
    running.push(first);
    await waitFor(async () => (await committedTotal(names.group, names.topic)) > 0n, { timeoutMs: 120_000, label: 'a first commit', alive: [first] });
    await new Promise((r) => setTimeout(r, 1_500));
    first.kill('SIGKILL');
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');
    const committedAtKill = await committedTotal(names.group, names.topic);
    expect(committedAtKill).toBeGreaterThan(0n);
    expect(live.produced()).toBeLessThan(lines.length);

    const second = spawnJob(await writeJobConfig(dir, { ...base, alertsPath: join(dir, 'alerts-2.jsonl') }, 'second.yaml'));
    running.push(second);
    await live.finished;
    await waitForCommittedToEnd(names.group, names.topic, 120_000, [second]);
    second.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);

    const got = [...readAlerts(join(dir, 'alerts-1.jsonl')), ...readAlerts(join(dir, 'alerts-2.jsonl'))];
    const expectedIds = new Set(expected.map((a) => a.id));
    const gotIds = new Set(got.map((a) => a.id));
    const missing = expected.filter((a) => !gotIds.has(a.id)).map((a) => `${a.detector} ${a.agent.id} ${a.id}`);
    const unexpected = [...gotIds].filter((id) => !expectedIds.has(id));
    expect({ missing, unexpected }).toEqual({ missing: [], unexpected: [] });
    // A repeat is the same alert again (same id, same content apart from detected_at).
    const byId = new Map(expected.map((a) => [a.id, a]));
    for (const alert of got) {
      const { detected_at: _a, ...mine } = alert;
      const { detected_at: _b, ...reference } = byId.get(alert.id)!;
      expect(mine).toEqual(reference);
    }
  });
});
