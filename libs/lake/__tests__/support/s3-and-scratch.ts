/** The lake specs' shared setup: an S3Proxy of their own and scratch folders, both removed after all. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestS3, type TestS3 } from '@hitboard/testkit';

export interface S3AndScratch {
  /** The spec's S3 server (set in beforeAll). */
  readonly s3: TestS3;
  /** A new scratch folder named `prefix…`. */
  dir(prefix: string): string;
  /** How many scratch folders were made so far (a unique suffix). */
  readonly made: number;
}

export function useS3AndScratch(): S3AndScratch {
  let s3: TestS3;
  const scratch: string[] = [];
  beforeAll(async () => {
    s3 = await startTestS3();
  }, 600_000);
  afterAll(async () => {
    await s3?.destroy();
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });
  return {
    get s3() {
      return s3;
    },
    dir(prefix) {
      const d = mkdtempSync(join(tmpdir(), prefix));
      scratch.push(d);
      return d;
    },
    get made() {
      return scratch.length;
    },
  };
}
