// Crash: `driftwatch run` is killed with SIGKILL mid-stream and started again. Every alert of the
// file replay is delivered, none is lost, and repeats carry the same id.
import { describe, expect, it } from 'vitest';
import {
  committedTotal,
  drainAndStop,
  fileReplay,
  jobSuite,
  produceLive,
  readAlertFiles,
  waitForFirstCommit,
  withTokenMisuse,
} from '../../helpers/kafka-job.js';

describe('kafka source: crash and restart', () => {
  const suite = jobSuite();

  it('SIGKILL mid-stream, restart: every file-replay alert delivered, repeats only with the same id', { timeout: 240_000 }, async () => {
    // Token misuse spans 3,000 events, so the crash falls between issuances and their misuse.
    const { names, dir, registry, lines, eventsPath } = await suite.benchWorkload('crash', {
      agents: 200,
      events: 50_000,
      seed: 11,
      transform: (generated) => withTokenMisuse(generated, { every: 2_000, gap: 3_000 }),
    });
    const expected = await fileReplay(eventsPath, { registry });
    expect(expected.filter((a) => a.detector === 'token-misuse').length).toBeGreaterThan(10);

    // A live stream: the kill lands mid-stream, after commits, with events still to come (the last
    // 5,000 are held back until then: a slow machine may not have consumed the rest by the kill).
    const held = 5_000;
    const live = produceLive(names.topic, lines, { initial: 10_000, rate: 3_000, held });
    const base = { ...names, registry, maxBytesPerPartition: 16 * 1024 };
    const first = await suite.start(dir, 'first', base);
    await waitForFirstCommit(first, names.group, names.topic);
    first.kill('SIGKILL');
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');
    const committedAtKill = await committedTotal(names.group, names.topic);
    expect(committedAtKill).toBeGreaterThan(0n);
    live.release();

    const second = await suite.start(dir, 'second', base);
    expect((await drainAndStop(second, names.group, names.topic, live)).code).toBe(0);

    const got = readAlertFiles(dir, ['alerts-first.jsonl', 'alerts-second.jsonl']);
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
