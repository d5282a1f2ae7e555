// End to end on the real broker: events produced to a topic give the same alerts, with the same
// ids, as replaying the same events from a file.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { benchLines, benchRegistryYaml } from '../../../bench/workload.js';
import type { Alert } from '../../../src/alerts/alert.js';
import { runJob } from '../../../src/cli/job.js';
import { silentLogger } from '../../../src/telemetry/log.js';
import { consumeAll, createTopic, deleteTopics } from '../../helpers/kafka.js';
import {
  DEMO_EVENTS,
  DEMO_REGISTRY,
  fileReplay,
  jobConfig,
  jobNames,
  produceValues,
  readAlerts,
  sortedIds,
  tempDir,
  waitForCommittedToEnd,
} from '../../helpers/kafka-job.js';

/** What must be equal between a file replay and the Kafka run: everything but the wall-clock detected_at. */
const comparable = (alerts: readonly Alert[]) =>
  alerts.map(({ detected_at: _detectedAt, ...rest }) => rest).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

describe('kafka source end to end', () => {
  const topics: string[] = [];
  afterAll(async () => {
    await deleteTopics(topics).catch(() => undefined);
  });

  /** Runs `driftwatch run`'s job in process until the group committed the topic to its end. */
  async function consumeToEnd(options: Parameters<typeof jobConfig>[0]): Promise<void> {
    const config = jobConfig(options);
    const stop = new AbortController();
    const run = runJob(config, { stdin: new PassThrough(), stdout: new PassThrough(), logger: silentLogger, signal: stop.signal });
    const failed = run.then(() => {
      throw new Error('job ended before the signal');
    });
    try {
      await Promise.race([waitForCommittedToEnd(options.group, options.topic as string, 90_000), failed]);
    } finally {
      stop.abort();
      await run;
    }
  }

  it('single partition: the same alerts, ids and content, as the file replay (every detector, the token ledger included)', async () => {
    const names = jobNames('e2e-single');
    const dir = await tempDir();
    await createTopic(names.topic, { partitions: 1 });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic);
    const lines = readFileSync(DEMO_EVENTS, 'utf8').split('\n').filter((line) => line.trim() !== '');
    await produceValues(names.topic, lines);

    const alertsPath = join(dir, 'alerts.jsonl');
    await consumeToEnd({ ...names, registry: DEMO_REGISTRY, alertsPath, maxBytesPerPartition: 16 * 1024 });

    const expected = await fileReplay(DEMO_EVENTS, { registry: DEMO_REGISTRY });
    const got = readAlerts(alertsPath);
    expect(expected.length).toBeGreaterThan(10);
    expect(new Set(expected.map((a) => a.detector))).toContain('token-misuse');
    expect(sortedIds(got)).toEqual(sortedIds(expected));
    expect(comparable(got)).toEqual(comparable(expected));
    // The two invalid lines of the demo went to the dead-letter topic.
    const dead = await consumeAll(names.deadLetterTopic, { expect: 2, timeoutMs: 20_000 });
    expect(dead.map((m) => m.headers['dw-code'])).toEqual(['DW_EVENT_INVALID', 'DW_EVENT_INVALID']);
  });

  it('four partitions, 300 agents: the same alert ids as the file replay for the per-agent detectors', async () => {
    const names = jobNames('e2e-multi');
    const dir = await tempDir();
    const registry = join(dir, 'registry.yaml');
    await writeFile(registry, benchRegistryYaml(300));
    const lines = benchLines(300, 20_000, 7);
    const eventsPath = join(dir, 'events.jsonl');
    await writeFile(eventsPath, lines.join('\n') + '\n');
    await createTopic(names.topic, { partitions: 4 });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic);
    const positions = await produceValues(names.topic, lines);
    expect(new Set(positions.map((p) => p.partition)).size).toBe(4);

    const alertsPath = join(dir, 'alerts.jsonl');
    await consumeToEnd({ ...names, registry, alertsPath, maxBytesPerPartition: 64 * 1024 });

    // token-misuse reads the token ledger, which is fed in the order partitions
    // interleave: it is left out here (the single-partition test covers it).
    const perAgent = (alerts: readonly Alert[]) => alerts.filter((a) => a.detector !== 'token-misuse');
    const expected = perAgent(await fileReplay(eventsPath, { registry }));
    const got = perAgent(readAlerts(alertsPath));
    expect(expected.length).toBeGreaterThan(50);
    expect(sortedIds(got)).toEqual(sortedIds(expected));
    expect(comparable(got)).toEqual(comparable(expected));
  }, 120_000);
});
