import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { isRetriable } from '@hitboard/errors';
import { LakeObjectMissingError, LakeWriteError, LocalLakeStore, openLakeStore, S3LakeStore, type LakeStore } from '../src';
import { useS3AndScratch } from './support/s3-and-scratch';

/** The same behaviour from both stores: what the aggregator, the rollups and verify rely on. */
const kinds: Array<{ name: string; open(): Promise<LakeStore> }> = [];
const lab = useS3AndScratch();
const dir = (prefix: string) => lab.dir(prefix);
let prefixSeq = 0;

kinds.push({ name: 'local folder', open: async () => new LocalLakeStore(dir('lake-local-')) });
kinds.push({ name: 'S3 (S3Proxy)', open: async () => openLakeStore(lab.s3.env(`contract-${prefixSeq++}`, dir('lake-cache-'))) });

/** Writes `content` into the store's staging folder, as a writer's COPY … TO would. */
function staged(store: LakeStore, content: string | Buffer): string {
  mkdirSync(store.stagingDir, { recursive: true });
  const file = join(store.stagingDir, `t-${Math.random().toString(36).slice(2)}.tmp`);
  writeFileSync(file, content);
  return file;
}

const readAll = (store: LakeStore, keys: string[]) => store.withLocalFiles(keys, async (paths) => paths.map((p) => readFileSync(p, 'utf8')));

describe.each(kinds)('lake store: $name', ({ open }) => {
  let store: LakeStore;
  beforeEach(async () => (store = await open()));
  afterEach(() => store.close());

  it('puts a staged file under its key and hands it back as a local file, consuming the staged copy', async () => {
    const file = staged(store, 'flush one');
    await store.put('raw/date=2026-11-22/hour=07/p3-100-250.parquet', file);
    expect(existsSync(file)).toBe(false);
    expect(await readAll(store, ['raw/date=2026-11-22/hour=07/p3-100-250.parquet'])).toEqual(['flush one']);
  });

  it('a second PUT of the same key replaces the object: one key, the last bytes (a replayed flush never duplicates)', async () => {
    await store.put('raw/date=2026-11-22/hour=07/p0-0-9.parquet', staged(store, 'first'));
    expect(await readAll(store, ['raw/date=2026-11-22/hour=07/p0-0-9.parquet'])).toEqual(['first']);
    await store.put('raw/date=2026-11-22/hour=07/p0-0-9.parquet', staged(store, 'second, longer'));
    expect(await store.list('raw/')).toEqual(['raw/date=2026-11-22/hour=07/p0-0-9.parquet']);
    // A reader after the rewrite sees the new content, never a stale cached copy.
    expect(await readAll(store, ['raw/date=2026-11-22/hour=07/p0-0-9.parquet'])).toEqual(['second, longer']);
  });

  it('lists keys under a prefix, sorted, without staging files', async () => {
    staged(store, 'left behind by a crashed writer');
    for (const k of ['rollup/day/2026-01-02/d.parquet', 'raw/date=2026-01-01/hour=01/p1-0-1.parquet', 'raw/date=2026-01-01/hour=00/p0-0-1.parquet'])
      await store.put(k, staged(store, k));
    expect(await store.list('raw/')).toEqual(['raw/date=2026-01-01/hour=00/p0-0-1.parquet', 'raw/date=2026-01-01/hour=01/p1-0-1.parquet']);
    expect(await store.list('raw/date=2026-01-01/hour=01/')).toEqual(['raw/date=2026-01-01/hour=01/p1-0-1.parquet']);
    expect(await store.list('rollup/')).toEqual(['rollup/day/2026-01-02/d.parquet']);
    expect(await store.list('nothing/')).toEqual([]);
  });

  it('gives many objects at once, in the order asked', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `raw/date=2026-01-01/hour=00/p${i}-0-1.parquet`);
    for (const k of keys) await store.put(k, staged(store, `content of ${k}`));
    const reversed = [...keys].reverse();
    expect(await readAll(store, reversed)).toEqual(reversed.map((k) => `content of ${k}`));
  });

  it('a missing key is a LakeObjectMissingError that retrying will not fix, and the reader never runs', async () => {
    await store.put('raw/a.parquet', staged(store, 'a'));
    let ran = false;
    const read = store.withLocalFiles(['raw/a.parquet', 'raw/missing.parquet'], async () => (ran = true));
    await expect(read).rejects.toBeInstanceOf(LakeObjectMissingError);
    await expect(read).rejects.toMatchObject({ retriable: false, key: 'raw/missing.parquet' });
    expect(ran).toBe(false);
  });

  it('refuses keys that would leave the lake', async () => {
    for (const bad of ['../escape.parquet', '/abs.parquet', 'raw//x.parquet', 'raw/./x', '']) {
      await expect(store.put(bad, staged(store, 'x'))).rejects.toThrow(/not a relative path inside the lake/);
    }
  });
});

describe('S3 store', () => {
  it('keeps two prefixes of one bucket apart', async () => {
    const a = openLakeStore(lab.s3.env('tenant-a', dir('lake-cache-')));
    const b = openLakeStore(lab.s3.env('tenant-b', dir('lake-cache-')));
    try {
      await a.put('raw/x.parquet', staged(a, 'a'));
      expect(await a.list('raw/')).toEqual(['raw/x.parquet']);
      expect(await b.list('raw/')).toEqual([]);
      await expect(b.withLocalFiles(['raw/x.parquet'], async () => 0)).rejects.toBeInstanceOf(LakeObjectMissingError);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a PUT while the server is down is a retriable LakeWriteError; after it is back the same PUT succeeds', async () => {
    const store = openLakeStore(lab.s3.env('outage', dir('lake-cache-'))) as S3LakeStore;
    try {
      await lab.s3.stop();
      const file = staged(store, 'during the outage');
      const put = store.put('raw/p0-0-1.parquet', file);
      await expect(put).rejects.toBeInstanceOf(LakeWriteError);
      await expect(put.catch((e) => isRetriable(e))).resolves.toBe(true);
      expect(existsSync(file)).toBe(false);
      await lab.s3.start();
      await store.put('raw/p0-0-1.parquet', staged(store, 'after'));
      expect(await readAll(store, ['raw/p0-0-1.parquet'])).toEqual(['after']);
    } finally {
      await lab.s3.start();
      await store.close();
    }
  }, 180_000);

  describe('read cache', () => {
    const KB = 1024;
    const objectBytes = (cacheDir: string) =>
      readdirSync(join(cacheDir, 'objects'))
        .filter((n) => !n.endsWith('.part'))
        .reduce((sum, n) => sum + statSync(join(cacheDir, 'objects', n)).size, 0);

    it('stays within its byte bound, evicting the least recently used, and serves a repeat read from disk', async () => {
      const cacheDir = dir('lake-cache-');
      const store = new S3LakeStore({ ...s3Options('cache-bound'), cacheDir, cacheMaxBytes: 300 * KB });
      try {
        const keys = Array.from({ length: 8 }, (_, i) => `raw/p${i}.parquet`);
        for (const k of keys) await store.put(k, staged(store, Buffer.alloc(100 * KB, k)));
        for (const k of keys) {
          await store.withLocalFiles([k], async ([p]) => expect(statSync(p!).size).toBe(100 * KB));
          expect(objectBytes(cacheDir)).toBeLessThanOrEqual(300 * KB);
        }
        expect(store.cacheStats()).toMatchObject({ files: 3, bytes: 300 * KB, downloads: 8, evictions: 5 });
        // The three most recent are still there: reading them again downloads nothing.
        await store.withLocalFiles(keys.slice(5), async () => undefined);
        expect(store.cacheStats()).toMatchObject({ downloads: 8, hits: 3 });
        // One read wider than the bound keeps every file it uses until it ends, then the next read trims.
        await store.withLocalFiles(keys.slice(0, 5), async (paths) => {
          for (const p of paths) expect(statSync(p).size).toBe(100 * KB);
        });
        await store.withLocalFiles([keys[7]!], async () => undefined);
        expect(objectBytes(cacheDir)).toBeLessThanOrEqual(300 * KB);
      } finally {
        await store.close();
      }
    }, 120_000);

    it('is one process per folder: a second live owner is refused', async () => {
      const cacheDir = dir('lake-cache-');
      const first = new S3LakeStore({ ...s3Options('lock'), cacheDir, cacheMaxBytes: 1 << 20 });
      const second = new S3LakeStore({ ...s3Options('lock'), cacheDir, cacheMaxBytes: 1 << 20 });
      try {
        await first.put('raw/a.parquet', staged(first, 'a'));
        await first.withLocalFiles(['raw/a.parquet'], async () => undefined);
        await expect(second.withLocalFiles(['raw/a.parquet'], async () => undefined)).rejects.toThrow(/already open in this process/);
      } finally {
        await first.close();
        await second.close();
      }
    });
  });

  function s3Options(prefix: string) {
    const e = lab.s3.env(prefix, '');
    return {
      bucket: lab.s3.bucket,
      prefix,
      endpoint: lab.s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: e['AWS_ACCESS_KEY_ID']!, secretAccessKey: e['AWS_SECRET_ACCESS_KEY']! },
    };
  }
});
