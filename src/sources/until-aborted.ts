export const ABORTED = Symbol('aborted');

/**
 * The promise's value, or ABORTED as soon as the signal aborts (at once when it already has). The
 * listener and the promise waiting for the abort are dropped once this settles: one long-lived
 * promise raced again and again would keep every value it was raced against reachable.
 */
export async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | typeof ABORTED> {
  if (signal === undefined) return promise;
  if (signal.aborted) return ABORTED;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<typeof ABORTED>((resolve) => signal.addEventListener('abort', (onAbort = () => resolve(ABORTED)), { once: true }));
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}
