import { clock } from '@hitboard/runtime';
import type { Logger } from '@hitboard/runtime';
import { NotRetriableError, retry } from '@hitboard/runtime';
import { AggregatorError, worthRetrying } from '../core/errors';
import type { AggregatorMetrics } from '../metrics';

/**
 * Runs the aggregator's I/O steps (a flush's, a reset's) until they pass, backing off up to 5 s
 * (Postgres away, broker electing, disk full): nothing is lost meanwhile, the partition just waits and
 * its lag grows. Stops at once on an error that cannot pass (libs/runtime `retry`), and after the
 * current attempt once `shutdown` aborts (a shutdown is bounded: the ledger keeps what did not commit).
 */
export class RetryingSteps {
  /** When a ledger step last failed; null once one passed again (/healthz says `postgres: retrying`). */
  lastDbErrorAtMs: number | null = null;

  constructor(
    private readonly metrics: AggregatorMetrics,
    private readonly log: Logger,
    private readonly shutdown: AbortSignal,
  ) {}

  /** Runs `fn` as the step `step`; `heartbeat` keeps the group membership alive between attempts. */
  async run<T>(step: string, fn: () => Promise<T>, heartbeat?: () => Promise<void>): Promise<T> {
    const ledgerStep = step.startsWith('ledger');
    try {
      return await retry(
        async () => {
          if (this.shutdown.aborted) throw new AggregatorError(`shutting down: step ${step} not attempted`, null, { retriable: true });
          if (heartbeat) await heartbeat().catch(() => undefined);
          const result = await fn();
          if (ledgerStep) this.lastDbErrorAtMs = null;
          return result;
        },
        {
          baseDelayMs: 100,
          maxDelayMs: 5000,
          signal: this.shutdown,
          // kafkajs marks its own errors retriable or not; its client retries those itself, so only
          // our errors that say they cannot pass stop the loop.
          retriable: worthRetrying,
          onRetry: (err, attempt, delayMs) => {
            if (ledgerStep) this.lastDbErrorAtMs = clock.now();
            this.metrics.retries.inc({ step });
            this.log.warn({ err: (err as Error).message, step, attempt, delayMs }, 'step failed; retrying');
          },
        },
      );
    } catch (err) {
      if (err instanceof NotRetriableError) {
        this.metrics.failures.inc({ step });
        this.log.error({ err, step }, 'step failed with an error that cannot pass: not retried');
      }
      throw err;
    }
  }
}
