// Secrets: SASL credentials from the environment never reach the logs, also when the connection
// fails (here: SASL against the PLAINTEXT test broker).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_REGISTRY, jobNames, spawnJob, tempDir, writeJobConfig } from '../../helpers/kafka-job.js';

describe('kafka source: secrets', () => {
  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    it(`sasl ${mechanism} from \${ENV} against a PLAINTEXT listener: fails with a coded error, the password is never logged`, { timeout: 120_000 }, async () => {
      const password = `pw-${mechanism}-Zq8!x7#secret`;
      const dir = await tempDir();
      const names = jobNames('secrets');
      const config = await writeJobConfig(dir, {
        ...names,
        registry: DEMO_REGISTRY,
        alertsPath: join(dir, 'alerts.jsonl'),
        source: { sasl: { mechanism, username: 'alice', password: '${DW_TEST_KAFKA_PASSWORD}' } },
      });
      const job = spawnJob(config, { DW_TEST_KAFKA_PASSWORD: password });
      const timer = setTimeout(() => job.kill('SIGKILL'), 90_000);
      const exit = await job.exited;
      clearTimeout(timer);
      expect(exit.code).toBe(1);
      expect(job.stderr()).toMatch(/DW_SOURCE_FAILED/);
      expect(job.stderr()).toMatch(new RegExp(`SASL is on \\(sasl\\.mechanism ${mechanism}\\): is this listener SASL_PLAINTEXT or SASL_SSL`));
      expect(job.stderr()).not.toContain(password);
      expect(job.stdout()).not.toContain(password);
    });
  }
});
