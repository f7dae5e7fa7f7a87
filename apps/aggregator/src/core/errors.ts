import { HitboardError } from '@hitboard/errors';

/**
 * An aggregator error with where it happened. `retriable` false means the same step would fail the
 * same way every time (a broken invariant, a value beyond 2^53): the partition stops and says so on
 * `/healthz` and in `hitboard_aggregator_failures_total` instead of retrying forever.
 */
export class AggregatorError extends HitboardError {
  constructor(
    message: string,
    readonly partition: number | null,
    options: { retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** Whether the aggregator should retry a failed step: everything but an error that says it cannot pass. */
export function worthRetrying(err: unknown): boolean {
  return !(err instanceof HitboardError && !err.retriable);
}
