// Graceful shutdown: SIGTERM mid-stream. The instance finishes its batch, flushes, checkpoints,
// commits what it processed and leaves the group; a restart goes on exactly from there.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { benchLines, benchRegistryYaml } from '../../../bench/workload.js';
import { createTopic, deleteTopics } from '../../helpers/kafka.js';
import {
  committedOffsets,
  committedTotal,
  ensureStopped,
  fileReplay,
  groupMembers,
  jobNames,
  produceLive,
  readAlerts,
  sortedIds,
  spawnJob,
  tempDir,
  waitFor,
  waitForCommittedToEnd,
  writeJobConfig,
  type JobProcess,
} from '../../helpers/kafka-job.js';

describe('kafka source: graceful shutdown', () => {
  const topics: string[] = [];
  let running: JobProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.map(ensureStopped));
    running = [];
  });
  afterAll(async () => {
    await deleteTopics(topics).catch(() => undefined);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} mid-stream: exit 0, everything processed is committed, the group is left; a restart repeats nothing`, { timeout: 240_000 }, async () => {
      const names = jobNames(`shutdown-${signal.toLowerCase()}`);
      const dir = await tempDir();
      const registry = join(dir, 'registry.yaml');
      await writeFile(registry, benchRegistryYaml(150));
      const lines = benchLines(150, 40_000, 13);
      const eventsPath = join(dir, 'events.jsonl');
      await writeFile(eventsPath, lines.join('\n') + '\n');
      await createTopic(names.topic, { partitions: 1 });
      topics.push(names.topic, names.stateTopic, names.deadLetterTopic);
      const total = BigInt(lines.length);

      // A live stream: the signal lands mid-stream, after commits, with events still to come.
      const live = produceLive(names.topic, lines, { initial: 10_000, rate: 3_000 });
      const base = { ...names, registry, maxBytesPerPartition: 16 * 1024 };
      const first = spawnJob(await writeJobConfig(dir, { ...base, alertsPath: join(dir, 'alerts-1.jsonl') }, 'first.yaml'));
      running.push(first);
      await waitFor(async () => (await committedTotal(names.group, names.topic)) > 0n, { timeoutMs: 120_000, label: 'a first commit', alive: [first] });
      await new Promise((r) => setTimeout(r, 1_500));
      first.kill(signal);
      const exit = await first.exited;
      expect(exit, first.stderr()).toEqual({ code: 0, signal: null });

      // The summary counts the records it processed: exactly what is committed.
      const processed = /valid of ([\d,]+) records/.exec(first.stderr())?.[1];
      expect(processed, first.stderr()).toBeDefined();
      const committed = (await committedOffsets(names.group, names.topic)).get(0)!;
      expect(committed).toBe(BigInt(processed!.replaceAll(',', '')));
      expect(committed).toBeLessThan(total);
      expect(first.stderr()).toMatch(/kafka source stopped/);
      await waitFor(async () => (await groupMembers(names.group)).length === 0, { timeoutMs: 5_000, label: 'the group to be empty' });

      const second = spawnJob(await writeJobConfig(dir, { ...base, alertsPath: join(dir, 'alerts-2.jsonl') }, 'second.yaml'));
      running.push(second);
      await live.finished;
      await waitForCommittedToEnd(names.group, names.topic, 120_000, [second]);
      second.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);

      // Nothing was delivered twice: the first run committed all it delivered.
      const got = [...readAlerts(join(dir, 'alerts-1.jsonl')), ...readAlerts(join(dir, 'alerts-2.jsonl'))];
      const expected = await fileReplay(eventsPath, { registry });
      expect(sortedIds(got)).toEqual(sortedIds(expected));
    });
  }
});
