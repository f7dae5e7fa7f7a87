import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  /** Give up after this long (ms, monotonic). */
  timeoutMs: number;
  /** Between probes (ms; default 250). */
  everyMs?: number;
  /** Stops the wait early: the probe's latest answer is then `undefined`. */
  signal?: AbortSignal;
}

/**
 * Probes until `probe` returns a value other than `undefined` or `false`, and returns it; throws
 * `timed out after … ms waiting for <what>` past `timeoutMs`. The one poll loop of the tools (verify,
 * chaos) and of the test kit's `waitFor`; a probe that must stop the wait at once (the process it
 * waits on died) throws.
 */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined | false>, options: PollOptions): Promise<T> {
  const { timeoutMs, everyMs = 250, signal } = options;
  const deadline = performance.now() + timeoutMs; // a duration: monotonic, whatever clock the process set
  for (;;) {
    signal?.throwIfAborted();
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs, undefined, signal ? { signal } : undefined);
  }
}
