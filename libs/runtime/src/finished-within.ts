import { sleep } from './retry';

/**
 * Whether `work` settled within `ms` (true) or the time ran out first (false; the work is left to
 * itself). A stop's step that waits on something unreachable (a query to a Postgres that hangs, a
 * webhook that never answers) is given its share of STOP_BOUND_MS this way, and the caller logs what
 * it left. A rejection counts as settled: the step's own error handling has said what went wrong.
 */
export async function finishedWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([work.then(() => true, () => true), sleep(Math.max(0, ms), timer.signal).then(() => false)]);
  } finally {
    timer.abort();
  }
}
