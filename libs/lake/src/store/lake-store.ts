import { HitboardError } from '@hitboard/errors';

/**
 * Where the lake's objects live: a local folder (the embedded default) or an S3-compatible bucket.
 * Keys are lake-relative paths (`raw/date=…/hour=…/p3-100-250.parquet`, `rollup/day/…`), the form the
 * ledger stores. Apps hold a LakeStore and never ask which kind it is.
 *
 * Exactly-once needs only this: a key is derived from what it holds (partition + offset range, window),
 * `put` of an existing key replaces it whole (a replay writes the same name, never a second one), and a
 * reader never sees half an object. Nothing relies on rename across the store.
 */
export interface LakeStore {
  /** For logs and errors: the folder, or `s3://bucket/prefix`. */
  readonly location: string;
  /**
   * A local folder where writers stage a file before `put` (COPY … TO a unique name here). Stable across
   * restarts, so a writer that died between COPY and `put` can find its leftovers by name.
   */
  readonly stagingDir: string;
  /**
   * Stores the local file `localFile` as `key`, replacing any object of that key. Consumes the file: it is
   * moved into place or removed, whether `put` succeeds or fails. A failure is a retriable LakeWriteError:
   * nothing was listed, so the caller's flush retries or resets like any other flush failure.
   */
  put(key: string, localFile: string): Promise<void>;
  /**
   * Runs `read` with local paths holding the objects `keys` (same order), which DuckDB can read. The paths
   * stay valid until `read` settles (a cached copy is pinned until then). A missing key is a
   * LakeObjectMissingError; an unreachable store a retriable LakeReadFailedError.
   */
  withLocalFiles<T>(keys: readonly string[], read: (paths: string[]) => Promise<T>): Promise<T>;
  /** Keys under `prefix` (lake-relative, `/`-separated), sorted; staging files are never listed. */
  list(prefix: string): Promise<string[]>;
  /** Releases clients and cache locks. */
  close(): Promise<void>;
}

/** A PUT that did not complete: nothing was listed, so the flush (or rollup) retries. */
export class LakeWriteError extends HitboardError {
  constructor(
    readonly key: string,
    readonly location: string,
    cause: unknown,
  ) {
    super(`writing ${key} to the lake at ${location} failed: ${(cause as Error)?.message ?? String(cause)}`, { retriable: true, cause });
  }
}

/** The store could not be read (unreachable, timed out): try again later. */
export class LakeReadFailedError extends HitboardError {
  constructor(
    readonly key: string,
    readonly location: string,
    cause: unknown,
  ) {
    super(`reading ${key} from the lake at ${location} failed: ${(cause as Error)?.message ?? String(cause)}`, { retriable: true, cause });
  }
}

/** A key the caller expected (the ledger lists it) is not in the store: retrying will not bring it back. */
export class LakeObjectMissingError extends HitboardError {
  constructor(
    readonly key: string,
    readonly location: string,
  ) {
    super(`lake object ${key} does not exist in ${location}`, { retriable: false });
  }
}

/** Refuses keys that could escape the lake's root or prefix (absolute, `..`, empty segments). */
export function checkKey(key: string): string {
  if (key === '' || key.startsWith('/') || key.endsWith('/') || key.split('/').some((s) => s === '' || s === '.' || s === '..') || key.includes('\\')) {
    throw new HitboardError(`lake key ${JSON.stringify(key)} is not a relative path inside the lake`);
  }
  return key;
}
