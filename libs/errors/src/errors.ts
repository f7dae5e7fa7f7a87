/**
 * hitboard's one error base class. `retriable` says whether the same call may succeed later
 * (a dependency briefly away: true) or will fail the same way every time (bad input, broken state:
 * false). `retry` in libs/runtime stops at once on a non-retriable error and says why. Subclasses add
 * context (topic, partition, window) as fields.
 */
export class HitboardError extends Error {
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/**
 * Whether an error may pass if the same call is retried. Errors that say so (`retriable`, set by
 * HitboardError and by kafkajs's own errors) are believed; anything else (a driver's connection
 * error, a timeout) is presumed transient.
 */
export function isRetriable(err: unknown): boolean {
  if (err !== null && typeof err === 'object' && 'retriable' in err && typeof err.retriable === 'boolean') return err.retriable;
  return true;
}
