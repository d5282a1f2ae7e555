import { describe, expect, it } from 'vitest';
import type { DetectorFailure } from '../../../src/engine/engine.js';
import { detectorErrorLog } from '../../../src/telemetry/detector-errors.js';
import type { Logger } from '../../../src/telemetry/log.js';

describe('detector error log', () => {
  it('logs the first failures of each detector, then one line a minute with the count left out', () => {
    const lines: Record<string, unknown>[] = [];
    const logger: Logger = { log: (_level, _message, fields = {}) => void lines.push(fields) };
    let clock = 0;
    const log = detectorErrorLog(logger, { burst: 3, intervalMs: 60_000, now: () => clock });
    const failure = (detector: string, n: number): DetectorFailure => ({ detector, agentId: 'a', eventId: `e${n}`, phase: 'score', error: new Error('boom') });
    for (let n = 0; n < 100; n++) {
      log(failure('noisy', n));
      clock += 1_000; // one failure a second
    }
    log(failure('quiet', 0));
    const noisy = lines.filter((line) => line.detector === 'noisy');
    // 3 at once, then one a minute after the last: at 62 s (e62), with the 59 left out since.
    expect(noisy.map((line) => line.event)).toEqual(['e0', 'e1', 'e2', 'e62']);
    expect(noisy[3]).toMatchObject({ not_logged_since: 59, code: 'DW_DETECTOR_FAILED', phase: 'score', error: 'boom' });
    expect(lines.filter((line) => line.detector === 'quiet')).toHaveLength(1);
  });
});
