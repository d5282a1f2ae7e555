// The run summary's per-detector lines count in words that agree with their numbers.
import { describe, expect, it } from 'vitest';
import { formatSummary, summarize } from '../../../src/cli/summary.js';
import { createEngineStats } from '../../../src/engine/stats.js';
import type { PipelineCounters } from '../../../src/pipeline/pipeline.js';

const counters: PipelineCounters = { records: 3, invalid: 0, invalidByCode: {}, alertsDelivered: 2, alertsRejected: 0, alertsUnrouted: 0 };

function detectorLines(set: (stats: ReturnType<typeof createEngineStats>) => void): string[] {
  const stats = createEngineStats(['scope-violation', 'stale-review']);
  set(stats);
  return formatSummary(summarize(counters, stats, 1, 1), false)
    .split('\n')
    .filter((line) => line.startsWith('    '))
    .map((line) => line.trim().replace(/\s+/g, ' '));
}

describe('run summary', () => {
  it('says "1 alert" and "1 repeat suppressed", and the plural otherwise', () => {
    const lines = detectorLines((stats) => {
      Object.assign(stats.detectors['scope-violation']!, { alerts: 1, suppressed: 1, excepted: 1, dryRun: 1, errors: 1, lastError: 'score: boom' });
      Object.assign(stats.detectors['stale-review']!, { alerts: 2, suppressed: 15, excepted: 3, dryRun: 2, errors: 2, lastError: 'score: boom' });
    });
    expect(lines).toEqual([
      'scope-violation 1 alert, 1 repeat suppressed, 1 event excepted, 1 dry-run finding, 1 error (last: score: boom)',
      'stale-review 2 alerts, 15 repeats suppressed, 3 events excepted, 2 dry-run findings, 2 errors (last: score: boom)',
    ]);
  });

  it('leaves out a detector with nothing to count', () => {
    expect(detectorLines(() => {})).toEqual([]);
  });
});
