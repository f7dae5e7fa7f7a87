import { HitboardError } from '@hitboard/errors';

/**
 * One error hierarchy for the aggregates. None of these is retriable: each says the input
 * or the state is wrong, and retrying the same call gives the same answer.
 */
export class TopKError extends HitboardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { retriable: false, ...options });
  }
}

/** The parameters that must agree before two aggregates may be merged. */
export type SketchParameter = 'width' | 'depth' | 'seed' | 'planes' | 'capacity';

/**
 * `plus` was asked to merge two aggregates built with different parameters. Their counters
 * (or candidate sets) do not line up, so any merged number would be silently wrong.
 */
export class SketchParameterMismatchError extends TopKError {
  constructor(
    readonly parameter: SketchParameter,
    readonly left: number,
    readonly right: number,
  ) {
    super(
      `cannot merge sketches with different ${parameter}: ${left} vs ${right} ` +
        `(build every sketch that will be merged from the same parameters, e.g. DEFAULT_SKETCH_PARAMS)`,
    );
  }
}

/** A serialised sketch or top-K state that is truncated, corrupt or of an unknown version. */
export class SketchDecodeError extends TopKError {}

/** A count is negative, fractional, NaN or not a safe integer. */
export class InvalidCountError extends TopKError {}

/**
 * A sum would leave the range where doubles hold integers exactly (2^53 - 1). Past it,
 * additions round silently, so we stop instead.
 */
export class SafeIntegerOverflowError extends TopKError {
  constructor(
    readonly field: string,
    readonly left: number,
    readonly right: number,
  ) {
    super(`${field} overflows Number.MAX_SAFE_INTEGER: ${left} + ${right}`);
  }
}
