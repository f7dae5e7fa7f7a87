import { HitboardError, isRetriable } from '@hitboard/errors';

export interface RetryOptions {
  /** First delay; doubles each attempt up to maxDelayMs, with full jitter. */
  baseDelayMs?: number; // default 200 ms
  maxDelayMs?: number; // default 10 s
  /** Give up after this many attempts (Infinity: keep trying until `signal` aborts). */
  attempts?: number;
  signal?: AbortSignal;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Whether an error may pass on a later attempt; default `isRetriable` (an error's own `retriable` flag). */
  retriable?: (err: unknown) => boolean;
}

/** `retry` gave up at once: the error says it cannot pass. The original is the `cause`. */
export class NotRetriableError extends HitboardError {
  constructor(cause: unknown, attempt: number) {
    super(`not retried (attempt ${attempt}): ${(cause as Error)?.message ?? String(cause)}`, { retriable: false, cause });
  }
}

/**
 * Runs `fn` until it succeeds, backing off exponentially with full jitter
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 * Used where a dependency may be briefly away (Postgres restarting) and waiting is right.
 * An error that cannot pass (`retriable` false: bad input, a refused value) stops it at once with
 * `NotRetriableError`, so a caller never loops forever on it.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { baseDelayMs = 200, maxDelayMs = 10_000, attempts = Infinity, signal, onRetry, retriable = isRetriable } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!retriable(err)) throw new NotRetriableError(err, attempt);
      if (attempt >= attempts || signal?.aborted) throw err;
      const delayMs = Math.round(Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
      onRetry?.(err, attempt, delayMs);
      await sleep(delayMs, signal);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
