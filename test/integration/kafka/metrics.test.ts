// `driftwatch run` on a Kafka source with the Prometheus endpoint on: the Kafka job's own series
// (consumer lag, assignment, checkpoints) next to the pipeline's, on the real broker.
import { PassThrough } from 'node:stream';
import { metrics } from '@opentelemetry/api';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runJob } from '../../../src/cli/job.js';
import { configSchema } from '../../../src/config/schema.js';
import { createTopic, deleteTopics } from '../../helpers/kafka.js';
import { DEMO_REGISTRY, jobConfigData, jobNames, memoryLogger, produceValues, validDemoLines, waitForCommittedToEnd } from '../../helpers/kafka-job.js';
import { sample, scrape } from '../../helpers/metrics.js';

describe('kafka job metrics', () => {
  const topics: string[] = [];
  afterEach(() => metrics.disable());
  afterAll(async () => {
    await deleteTopics(topics).catch(() => undefined);
  });

  it('serves consumer lag per partition, partitions assigned and checkpoints while the job runs', async () => {
    const names = jobNames('metrics');
    await createTopic(names.topic, { partitions: 2 });
    topics.push(names.topic, names.stateTopic, names.deadLetterTopic);
    const lines = validDemoLines();
    await produceValues(names.topic, lines);
    const config = configSchema.parse({
      ...jobConfigData({ ...names, registry: DEMO_REGISTRY, source: { commit_interval_ms: 200 } }),
      telemetry: { prometheus: { host: '127.0.0.1', port: 0 } },
    });
    const logger = memoryLogger();
    const stop = new AbortController();
    const job = runJob(config, { stdin: new PassThrough(), stdout: new PassThrough(), logger, signal: stop.signal });
    try {
      await waitForCommittedToEnd(names.group, names.topic, 60_000);
      const url = /"url":"([^"]+)"/.exec(logger.lines.find((line) => line.includes('metrics: serving Prometheus')) ?? '')?.[1];
      const scraped = () => scrape(url!).then((response) => response.body);
      expect(url).toBeDefined();
      const body = await scraped();
      expect(body).toContain('# TYPE driftwatch_kafka_consumer_lag gauge');
      // Both partitions read to their end: no lag left.
      for (const partition of ['0', '1']) expect(sample(body, 'driftwatch_kafka_consumer_lag', { topic: names.topic, partition })).toBe(0);
      expect(sample(body, 'driftwatch_kafka_partitions_assigned')).toBe(2);
      expect(sample(body, 'driftwatch_kafka_paused')).toBe(0);
      expect(sample(body, 'driftwatch_kafka_rebalances_total')).toBeGreaterThanOrEqual(1);
      expect(sample(body, 'driftwatch_kafka_checkpoints_total')).toBeGreaterThanOrEqual(2);
      expect(sample(body, 'driftwatch_kafka_checkpoint_snapshots_total')).toBeGreaterThan(0);
      expect(sample(body, 'driftwatch_kafka_rollbacks_total')).toBe(0);
      expect(sample(body, 'driftwatch_source_records_total')).toBe(lines.length);
    } finally {
      stop.abort();
      await job;
    }
  });
});
