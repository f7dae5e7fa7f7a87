/**
 * The test kit's object store: a real S3 server (S3Proxy, filesystem backend; infra/s3/s3.sh) of the test's
 * own, on a free port with a throwaway data folder, so a test may stop and restart it mid-flush without
 * touching anyone else's. Not an in-process fake: the lake's S3 code talks HTTP to the real thing.
 *
 * ```ts
 * let s3: TestS3;
 * beforeAll(async () => (s3 = await startTestS3()), 120_000);
 * afterAll(() => s3.destroy());
 * it('…', async () => { const store = openLakeStore(s3.env('my-prefix', cacheDir)); … });
 * ```
 *
 * Needs Java 17+ (and Maven on first use: `s3.sh start` fetches the jars into infra/s3/lib), as Kafka does.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from '@hitboard/db';

export const S3_SH = resolve(__dirname, '../../../infra/s3/s3.sh');
const run = promisify(execFile);

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** The variables an app reads to use this server as its lake under `prefix` (LAKE_URL, AWS_*, cache). */
  env(prefix: string, cacheDir: string, cacheBytes?: number): Record<string, string>;
  /** Stops the server (its data stays): requests fail until `start()`. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

const IDENTITY = 'hitboard-test';
const CREDENTIAL = 'hitboard-test-secret';

export async function startTestS3(bucket = 'lake-test'): Promise<TestS3> {
  const port = await findFreePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'hitboard-s3-'));
  const env = { ...process.env, S3_PORT: String(port), S3_DATA_DIR: dataDir, S3_BUCKET: bucket, S3_IDENTITY: IDENTITY, S3_CREDENTIAL: CREDENTIAL };
  const sh = (cmd: string) => run('bash', [S3_SH, cmd], { env, timeout: 600_000 }).then(() => undefined);
  await sh('start');
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: (prefix, cacheDir, cacheBytes) => ({
      LAKE_URL: `s3://${bucket}/${prefix}`,
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: IDENTITY,
      AWS_SECRET_ACCESS_KEY: CREDENTIAL,
      LAKE_CACHE_DIR: cacheDir,
      ...(cacheBytes !== undefined ? { LAKE_CACHE_BYTES: String(cacheBytes) } : {}),
    }),
    stop: () => sh('stop'),
    start: () => sh('start'),
    destroy: async () => {
      await sh('stop');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
