import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { withGlobSafePaths } from '../file-snapshot';
import { tmpDir } from '../paths';
import { LakeCache } from './lake-cache';
import { checkKey, LakeObjectMissingError, LakeReadFailedError, LakeWriteError, type LakeStore } from './lake-store';

export interface S3LakeOptions {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing `/` ('' for the bucket's root). */
  prefix: string;
  /** `http://127.0.0.1:19400` for a local server; undefined: AWS's own endpoint for the region. */
  endpoint?: string;
  region: string;
  /** Undefined: the SDK's default chain (instance profile, ~/.aws, …). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Path-style URLs (`endpoint/bucket/key`): what local servers such as S3Proxy and MinIO answer. */
  forcePathStyle: boolean;
  /** Local folder for the read cache (objects/) and the writers' staging files (_tmp/). */
  cacheDir: string;
  cacheMaxBytes: number;
  /** Attempts per request inside the SDK before a call fails (the flush or rollup then retries as a whole). */
  maxAttempts?: number;
  /** Objects fetched at once when a reader asks for many. */
  readConcurrency?: number;
}

const isNotFound = (err: unknown): boolean => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
};

/**
 * The lake in an S3-compatible bucket. A PUT replaces an object whole and atomically, so a replayed flush's
 * PUT of the same key is idempotent and no rename is needed. Readers get objects through a bounded local
 * cache (LakeCache) keyed by key + ETag + size, which DuckDB reads as local files: DuckDB's httpfs
 * extension is not bundled with @duckdb/node-api and cannot be fetched on every host.
 *
 * The client sends and checks checksums only when an operation requires them: with the SDK's newer default
 * ('WHEN_SUPPORTED') S3Proxy and other S3-compatible servers answer 501 NotImplemented to a PUT.
 */
export class S3LakeStore implements LakeStore {
  readonly location: string;
  readonly stagingDir: string;
  private readonly client: S3Client;
  private readonly cache: LakeCache;

  constructor(private readonly o: S3LakeOptions) {
    this.location = `s3://${o.bucket}${o.prefix ? `/${o.prefix}` : ''}`;
    this.stagingDir = tmpDir(o.cacheDir);
    this.cache = new LakeCache(o.cacheDir, o.cacheMaxBytes);
    this.client = new S3Client({
      region: o.region,
      forcePathStyle: o.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: o.maxAttempts ?? 3,
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      ...(o.credentials ? { credentials: o.credentials } : {}),
    });
  }

  private objectKey(key: string): string {
    return this.o.prefix ? `${this.o.prefix}/${checkKey(key)}` : checkKey(key);
  }

  async put(key: string, localFile: string): Promise<void> {
    const Key = this.objectKey(key);
    try {
      // A buffer, not a stream: the SDK retries a failed request only when it can resend the body (lake files
      // are a flush's or a window's rows, megabytes at most).
      await this.client.send(new PutObjectCommand({ Bucket: this.o.bucket, Key, Body: await readFile(localFile) }));
    } catch (err) {
      throw new LakeWriteError(key, this.location, err);
    } finally {
      await rm(localFile, { force: true });
    }
  }

  async withLocalFiles<T>(keys: readonly string[], read: (paths: string[]) => Promise<T>): Promise<T> {
    const acquired: string[] = [];
    try {
      const paths = new Array<string>(keys.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < keys.length) {
          const i = next++;
          const { contentKey, path } = await this.fetchOne(keys[i]!);
          acquired.push(contentKey);
          paths[i] = path;
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.o.readConcurrency ?? 8, keys.length) }, worker));
      // The cache folder (LAKE_CACHE_DIR) may hold a glob character too.
      return await withGlobSafePaths(paths, read);
    } finally {
      for (const k of acquired) this.cache.release(k);
    }
  }

  /** HEAD for the object's identity, then the cached copy or a GET pinned to that ETag (If-Match). */
  private async fetchOne(key: string): Promise<{ contentKey: string; path: string }> {
    const Key = this.objectKey(key);
    let etag: string;
    let size: number;
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.o.bucket, Key }));
      etag = head.ETag ?? '';
      size = Number(head.ContentLength ?? -1);
    } catch (err) {
      throw isNotFound(err) ? new LakeObjectMissingError(key, this.location) : new LakeReadFailedError(key, this.location, err);
    }
    const contentKey = createHash('sha256').update(`${this.location}\0${key}\0${etag}\0${size}`).digest('hex');
    const path = await this.cache.acquire(contentKey, async (tmp) => {
      try {
        const got = await this.client.send(new GetObjectCommand({ Bucket: this.o.bucket, Key, ...(etag ? { IfMatch: etag } : {}) }));
        await pipeline(got.Body as Readable, createWriteStream(tmp));
      } catch (err) {
        throw isNotFound(err) ? new LakeObjectMissingError(key, this.location) : new LakeReadFailedError(key, this.location, err);
      }
      const written = (await stat(tmp)).size;
      if (size >= 0 && written !== size) throw new LakeReadFailedError(key, this.location, new Error(`got ${written} bytes, expected ${size}`));
    });
    return { contentKey, path };
  }

  async list(prefix: string): Promise<string[]> {
    const base = this.o.prefix ? `${this.o.prefix}/` : '';
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.o.bucket, Prefix: `${base}${prefix}`, ...(token ? { ContinuationToken: token } : {}) }),
        );
        for (const o of page.Contents ?? []) {
          // Filesystem-backed servers list their folders as `dir/` entries: not objects.
          if (o.Key && !o.Key.endsWith('/')) keys.push(o.Key.slice(base.length));
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw new LakeReadFailedError(prefix, this.location, err);
    }
    return keys.sort();
  }

  /** The read cache's size and counters. */
  cacheStats(): ReturnType<LakeCache['stats']> {
    return this.cache.stats();
  }

  async close(): Promise<void> {
    this.client.destroy();
    await this.cache.close();
  }
}
