import type { DetectorFailure } from '../engine/engine.js';
import type { Logger } from './log.js';

export interface DetectorErrorLogOptions {
  /** Failures of one detector logged each, one by one, before the rest are summed up. */
  burst?: number;
  /** After the burst, at most one line per detector this often, with the failures not logged since. */
  intervalMs?: number;
  now?: () => number;
}

/**
 * Logs detector failures without flooding the log: a detector that throws on every event (a
 * plugin's bug) would write a line per event, thousands a second. The first `burst` failures of
 * each detector are logged, then one line per `intervalMs` carrying the count of those left out.
 * Every failure is still counted (the summary's and the metrics' `errors`).
 */
export function detectorErrorLog(logger: Logger, { burst = 10, intervalMs = 60_000, now = Date.now }: DetectorErrorLogOptions = {}): (failure: DetectorFailure) => void {
  const perDetector = new Map<string, { logged: number; skipped: number; lastAt: number }>();
  return ({ detector, agentId, eventId, phase, error }) => {
    let seen = perDetector.get(detector);
    if (seen === undefined) perDetector.set(detector, (seen = { logged: 0, skipped: 0, lastAt: 0 }));
    const at = now();
    if (seen.logged >= burst && at - seen.lastAt < intervalMs) {
      seen.skipped++;
      return;
    }
    logger.log('error', phase === 'checkpoint' ? 'detector state dropped: a checkpoint cannot store it' : 'detector failed; event goes on to the other detectors', {
      code: 'DW_DETECTOR_FAILED',
      detector,
      agent: agentId,
      ...(eventId === undefined ? {} : { event: eventId }),
      phase,
      error: error instanceof Error ? error.message : String(error),
      ...(seen.skipped > 0 ? { not_logged_since: seen.skipped } : {}),
    });
    seen.logged++;
    seen.skipped = 0;
    seen.lastAt = at;
  };
}
