import { resolve } from 'node:path';
import { z } from 'zod';
import { HitboardError } from '@hitboard/errors';
import { LocalLakeStore } from './local-lake-store';
import type { LakeStore } from './lake-store';
import { S3LakeStore } from './s3-lake-store';

const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

/**
 * The lake's settings, one zod field per environment variable: every app that touches the lake spreads
 * these into its config schema (`z.object({ ...LAKE_SETTINGS, … })`), so they are read the same way
 * everywhere and listed by `--help`. The AWS variables are the SDK's standard ones.
 */
export const LAKE_SETTINGS = {
  LAKE_DIR: z.string().min(1).default('.data/lake').describe('the lake as a local folder (raw/, rollup/); used when LAKE_URL is unset'),
  LAKE_URL: z
    .string()
    .regex(S3_URL, 'must be s3://bucket or s3://bucket/prefix')
    .optional()
    .describe('the lake in an S3-compatible bucket, s3://bucket/prefix (overrides LAKE_DIR; endpoint, region and keys from AWS_*)'),
  LAKE_CACHE_DIR: z
    .string()
    .min(1)
    .default('.data/lake-cache')
    .describe('with LAKE_URL: local copies of lake objects for DuckDB, and staged writes; one folder per process'),
  LAKE_CACHE_BYTES: z.coerce
    .number()
    .int()
    .min(1 << 20)
    .default(2 ** 30)
    .describe('with LAKE_URL: the read cache holds at most this many bytes (least recently used evicted; a single read wider than it may pass it until it ends)'),
  AWS_ENDPOINT_URL_S3: z.url().optional().describe('S3 endpoint, e.g. http://127.0.0.1:19400 (a local server: path-style requests)'),
  AWS_ENDPOINT_URL: z.url().optional().describe('endpoint for every AWS service (AWS_ENDPOINT_URL_S3 wins)'),
  AWS_REGION: z.string().min(1).default('us-east-1').describe('S3 region'),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional().describe('S3 access key (unset: the SDK default chain)'),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional().describe('S3 secret key'),
  AWS_SESSION_TOKEN: z.string().min(1).optional().describe('S3 session token, for temporary credentials'),
};

const lakeSettingsSchema = z.object(LAKE_SETTINGS);
export type LakeSettings = z.input<typeof lakeSettingsSchema>;

/** `s3://bucket/prefix/` → bucket and prefix (no leading or trailing slash). */
export function parseLakeUrl(url: string): { bucket: string; prefix: string } {
  const m = S3_URL.exec(url);
  if (!m) throw new HitboardError(`LAKE_URL ${JSON.stringify(url)} must be s3://bucket or s3://bucket/prefix`);
  return { bucket: m[1]!, prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

/**
 * The one place that decides where the lake is: LAKE_URL (S3) when set, else the folder LAKE_DIR.
 * Takes parsed settings (an app's config) or raw environment variables; apps never branch on the kind.
 */
export function openLakeStore(settings: LakeSettings): LakeStore {
  const s = lakeSettingsSchema.parse(settings);
  if (!s.LAKE_URL) return new LocalLakeStore(resolve(s.LAKE_DIR));
  if ((s.AWS_ACCESS_KEY_ID === undefined) !== (s.AWS_SECRET_ACCESS_KEY === undefined)) {
    throw new HitboardError('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: set both, or neither (the SDK default chain)');
  }
  const endpoint = s.AWS_ENDPOINT_URL_S3 ?? s.AWS_ENDPOINT_URL;
  return new S3LakeStore({
    ...parseLakeUrl(s.LAKE_URL),
    region: s.AWS_REGION,
    ...(endpoint ? { endpoint } : {}),
    // A custom endpoint is a local or self-hosted server: they answer path-style requests.
    forcePathStyle: endpoint !== undefined,
    ...(s.AWS_ACCESS_KEY_ID && s.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: s.AWS_ACCESS_KEY_ID, secretAccessKey: s.AWS_SECRET_ACCESS_KEY, ...(s.AWS_SESSION_TOKEN ? { sessionToken: s.AWS_SESSION_TOKEN } : {}) } }
      : {}),
    cacheDir: resolve(s.LAKE_CACHE_DIR),
    cacheMaxBytes: s.LAKE_CACHE_BYTES,
  });
}

/** A store for callers that still hold a folder path (tests, benches): the folder as a LocalLakeStore. */
export function asLakeStore(lake: string | LakeStore): LakeStore {
  return typeof lake === 'string' ? new LocalLakeStore(lake) : lake;
}
