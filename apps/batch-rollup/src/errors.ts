import { HitboardError } from '@hitboard/errors';

/** A lake file could not be read (missing, corrupt, not Parquet). Retried: storage may be briefly away. */
export class LakeReadError extends HitboardError {
  constructor(
    readonly window: string,
    detail: string,
    cause?: unknown,
  ) {
    super(`cannot read the lake for ${window}: ${detail}`, { retriable: true, cause });
  }
}

/** A parent was asked to run before one of its children was built: a planning bug or a race; the next pass retries. */
export class ChildNotReadyError extends HitboardError {
  constructor(window: string, child: string) {
    super(`${window}: child ${child} has no succeeded run and is not an empty closed window`, { retriable: false });
  }
}
