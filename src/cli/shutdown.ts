import { constants as osConstants } from 'node:os';
import { EXIT } from './exit-codes.js';
import { undelivered, type RunSummary } from './summary.js';

/**
 * Runs a job with SIGTERM and SIGINT turned into an abort of `signal` (the job finishes its batch
 * in flight, flushes its sinks and ends) instead of Node's default of exiting at once.
 */
export async function runUntilSignalled(job: (signal: AbortSignal) => Promise<RunSummary>): Promise<{ summary: RunSummary; received?: NodeJS.Signals }> {
  const shutdown = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    received ??= signal;
    shutdown.abort();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    const summary = await job(shutdown.signal);
    return { summary, received };
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/** 1 when alerts were not delivered; 128 + the signal's number when a signal cut a bounded input short; else 0. */
export function exitCodeOf(summary: RunSummary, received: NodeJS.Signals | undefined): number {
  if (undelivered(summary) > 0) return EXIT.FAILURE;
  return summary.stoppedAfterLine !== undefined && received !== undefined ? 128 + osConstants.signals[received] : EXIT.OK;
}
