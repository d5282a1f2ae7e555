// Graceful shutdown: SIGTERM mid-stream. The instance finishes its batch, flushes, checkpoints,
// commits what it processed and leaves the group; a restart goes on exactly from there.
import { describe, expect, it } from 'vitest';
import {
  committedOffsets,
  drainAndStop,
  fileReplay,
  groupMembers,
  jobSuite,
  produceLive,
  readAlertFiles,
  sortedIds,
  waitFor,
  waitForFirstCommit,
} from '../../helpers/kafka-job.js';

describe('kafka source: graceful shutdown', () => {
  const suite = jobSuite();

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} mid-stream: exit 0, everything processed is committed, the group is left; a restart repeats nothing`, { timeout: 240_000 }, async () => {
      const { names, dir, registry, lines, eventsPath } = await suite.benchWorkload(`shutdown-${signal.toLowerCase()}`, { agents: 150, events: 40_000, seed: 13 });
      // A live stream: the signal lands mid-stream, after commits, with events still to come (the
      // last 5,000 are held back until then: a slow machine may not have consumed the rest by the signal).
      const held = 5_000;
      const live = produceLive(names.topic, lines, { initial: 10_000, rate: 3_000, held });
      const base = { ...names, registry, maxBytesPerPartition: 16 * 1024 };
      const first = await suite.start(dir, 'first', base);
      await waitForFirstCommit(first, names.group, names.topic);
      first.kill(signal);
      const exit = await first.exited;
      expect(exit, first.stderr()).toEqual({ code: 0, signal: null });

      // The summary counts the records it processed: exactly what is committed.
      const processed = /valid of ([\d,]+) records/.exec(first.stderr())?.[1];
      expect(processed, first.stderr()).toBeDefined();
      const committed = (await committedOffsets(names.group, names.topic)).get(0)!;
      expect(committed).toBe(BigInt(processed!.replaceAll(',', '')));
      expect(first.stderr()).toMatch(/kafka source stopped/);
      await waitFor(async () => (await groupMembers(names.group)).length === 0, { timeoutMs: 5_000, label: 'the group to be empty' });
      live.release();

      const second = await suite.start(dir, 'second', base);
      expect((await drainAndStop(second, names.group, names.topic, live)).code).toBe(0);

      // Nothing was delivered twice: the first run committed all it delivered.
      const got = readAlertFiles(dir, ['alerts-first.jsonl', 'alerts-second.jsonl']);
      const expected = await fileReplay(eventsPath, { registry });
      expect(sortedIds(got)).toEqual(sortedIds(expected));
    });
  }
});
