// The consumer-lag gauge while the job is held up: every assigned partition has a lag, also one
// whose first batch waits behind a batch a sink has not acknowledged (never processed, never
// committed), which is where a stalled job's backlog piles up.
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/alerts/alert.js';
import { buildEngine } from '../../../src/cli/job.js';
import type { KafkaSourceConfig } from '../../../src/config/kafka.js';
import { KafkaJob } from '../../../src/kafka/job.js';
import type { AlertSink } from '../../../src/sinks/sink.js';
import { createTopic, deleteTopics } from '../../helpers/kafka.js';
import { DEMO_REGISTRY, jobConfig, jobNames, memoryLogger, produceValues, validDemoLines, waitFor } from '../../helpers/kafka-job.js';

/** A sink whose receiver is down until `release`: every delivery waits. */
class HeldSink implements AlertSink {
  readonly name = 'held';
  private opened!: () => void;
  private readonly open = new Promise<void>((resolve) => (this.opened = resolve));
  async deliver(_alerts: readonly Alert[]): Promise<void> {
    await this.open;
  }
  release(): void {
    this.opened();
  }
  async close(): Promise<void> {}
}

describe('kafka job consumer lag while held up', () => {
  const topics: string[] = [];
  afterAll(async () => {
    await deleteTopics(topics).catch(() => undefined);
  });

  it('reports the lag of partitions with no batch processed and no commit, from where the group starts', async () => {
    const names = jobNames('lag-held');
    await createTopic(names.topic, { partitions: 3 });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic, names.tokensTopic);
    const lines = validDemoLines();
    // Spread over the three partitions by key.
    await produceValues(names.topic, lines);
    const config = jobConfig({ ...names, registry: DEMO_REGISTRY, maxBytesPerPartition: 2 * 1024 });
    const logger = memoryLogger();
    const sink = new HeldSink();
    const job = new KafkaJob(config.source as KafkaSourceConfig, await buildEngine(config, logger), [sink], { maxEventBytes: config.max_event_bytes, logger, commitIntervalMs: 200 });
    try {
      await job.start();
      // The first batch with an alert waits for the sink; the lag is read every 5 s.
      await waitFor(() => job.stats.lag.size === 3, { timeoutMs: 30_000, label: 'a lag for each of the three partitions' });
      const lags = [...job.stats.lag.values()].sort((a, b) => a.partition - b.partition);
      expect(lags.map((lag) => lag.partition)).toEqual([0, 1, 2]);
      expect(lags.reduce((sum, lag) => sum + lag.messages, 0)).toBeGreaterThan(0);
    } finally {
      sink.release();
      await job.stop();
    }
  }, 120_000);
});
