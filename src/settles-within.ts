/** Whether `task` settles (resolves or rejects) within `ms`; it goes on either way. The timer is cleared once this answers. */
export async function settlesWithin(task: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([task.then(() => true, () => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
