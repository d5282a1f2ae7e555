// SASL and TLS for real: a private broker with a SASL_PLAINTEXT listener and a SASL_SSL listener
// that requires a client certificate (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512; started from the jars
// of scripts/kafka.sh, whose default broker stays as it is). The job authenticates with each
// mechanism, with the password from ${ENV}, and delivers the same alerts as a file replay; a wrong
// password, or TLS without the broker's CA, fails with a coded error that never shows the password.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../../src/cli/job.js';
import { parseConfig } from '../../../src/config/load.js';
import { isDriftwatchError } from '../../../src/errors.js';
import { generateTestCerts, type TestCerts } from '../../helpers/certs.js';
import { createTopic } from '../../helpers/kafka.js';
import {
  DEMO_EVENTS,
  DEMO_REGISTRY,
  fileReplay,
  jobConfigData,
  jobNames,
  kafkaLibs,
  memoryLogger,
  produceValues,
  readAlerts,
  sortedIds,
  startSaslBroker,
  tempDir,
  waitForCommittedToEnd,
  type SaslBroker,
} from '../../helpers/kafka-job.js';

const libs = kafkaLibs();

describe.skipIf(!libs)('kafka source: SASL against a SASL_PLAINTEXT listener', () => {
  let broker: SaslBroker;
  let certs: TestCerts;
  const previousBrokers = process.env.KAFKA_BROKERS;
  beforeAll(async () => {
    certs = await generateTestCerts();
    broker = await startSaslBroker(libs!, { tls: certs });
    // The helpers (topics, producing, offsets) talk to this broker's PLAINTEXT listener.
    process.env.KAFKA_BROKERS = broker.plainBrokers.join(',');
  }, 150_000);
  afterAll(async () => {
    process.env.KAFKA_BROKERS = previousBrokers;
    await broker?.stop();
    await certs?.cleanup();
  }, 60_000);

  /** The config as `driftwatch run` reads it: YAML text with ${KAFKA_PASSWORD}, interpolated from the environment. */
  function saslConfig(names: ReturnType<typeof jobNames>, alertsPath: string, mechanism: string, env: NodeJS.ProcessEnv, tls?: Record<string, unknown>) {
    const data = jobConfigData({
      ...names,
      registry: DEMO_REGISTRY,
      alertsPath,
      source: {
        brokers: tls ? broker.tlsBrokers : broker.saslBrokers,
        sasl: { mechanism, username: broker.user, password: '${KAFKA_PASSWORD}' },
        ...(tls ? { tls } : {}),
      },
    });
    const parsed = parseConfig(JSON.stringify(data), 'sasl.yaml', env);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    return parsed.config;
  }

  const cases = [
    ...['plain', 'scram-sha-256', 'scram-sha-512'].map((mechanism) => ({ mechanism, tls: false })),
    { mechanism: 'scram-sha-512', tls: true },
  ];
  for (const { mechanism, tls } of cases) {
    it(`${mechanism}${tls ? ' over TLS with a client certificate' : ''}: authenticates, consumes, checkpoints and commits; the alerts are those of the file replay`, { timeout: 120_000 }, async () => {
      const names = jobNames(`sasl-${mechanism}${tls ? '-tls' : ''}`);
      const dir = await tempDir();
      await createTopic(names.topic, { partitions: 2 });
      const lines = readFileSync(DEMO_EVENTS, 'utf8').split('\n').filter((line) => line.trim() !== '');
      await produceValues(names.topic, lines);
      const alertsPath = join(dir, 'alerts.jsonl');
      const logger = memoryLogger();
      const stop = new AbortController();
      const tlsConfig = tls ? { ca: certs.caFile, cert: certs.clientCertFile, key: certs.clientKeyFile } : undefined;
      const run = runJob(saslConfig(names, alertsPath, mechanism, { KAFKA_PASSWORD: broker.password }, tlsConfig), {
        stdin: new PassThrough(),
        stdout: new PassThrough(),
        logger,
        signal: stop.signal,
      });
      try {
        await waitForCommittedToEnd(names.group, names.topic, 60_000);
      } finally {
        stop.abort();
        await run;
      }
      // token-misuse reads the cross-partition token ledger (see docs/kafka.md): per-agent detectors only.
      const perAgent = (ids: { detector: string; id: string }[]) => ids.filter((a) => a.detector !== 'token-misuse');
      const expected = perAgent(await fileReplay(DEMO_EVENTS, { registry: DEMO_REGISTRY }));
      expect(sortedIds(perAgent(readAlerts(alertsPath)) as never)).toEqual(sortedIds(expected as never));
      expect(logger.lines.join('\n')).not.toContain(broker.password);
    });
  }

  it('a wrong password: DW_SOURCE_FAILED naming the authentication failure; no password in the error or the logs', { timeout: 120_000 }, async () => {
    const names = jobNames('sasl-wrong');
    await createTopic(names.topic, { partitions: 1 });
    const wrong = `wrong-${broker.password}-Zx9`;
    const logger = memoryLogger();
    const error = await runJob(saslConfig(names, join(await tempDir(), 'alerts.jsonl'), 'scram-sha-512', { KAFKA_PASSWORD: wrong }), {
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      logger,
      signal: new AbortController().signal,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDriftwatchError(error, 'DW_SOURCE_FAILED'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/SASL|authentication/i);
    for (const secret of [wrong, broker.password]) {
      expect((error as Error).message).not.toContain(secret);
      expect(logger.lines.join('\n')).not.toContain(secret);
    }
  });

  it('TLS without the broker\'s CA: the certificate is refused (DW_SOURCE_FAILED), no password anywhere', { timeout: 120_000 }, async () => {
    const names = jobNames('sasl-tls-untrusted');
    await createTopic(names.topic, { partitions: 1 });
    const logger = memoryLogger();
    const config = saslConfig(names, join(await tempDir(), 'alerts.jsonl'), 'scram-sha-512', { KAFKA_PASSWORD: broker.password }, {
      cert: certs.clientCertFile,
      key: certs.clientKeyFile,
    });
    const error = await runJob(config, { stdin: new PassThrough(), stdout: new PassThrough(), logger, signal: new AbortController().signal }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDriftwatchError(error, 'DW_SOURCE_FAILED'), String(error)).toBe(true);
    expect((error as Error).message).not.toContain(broker.password);
    expect(logger.lines.join('\n')).not.toContain(broker.password);
  });
});
