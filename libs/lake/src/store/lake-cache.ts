import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HitboardError } from '@hitboard/errors';

interface Entry {
  path: string;
  bytes: number;
  pins: number;
}

/** What a cache holds: for the metrics and the tests. */
export interface LakeCacheStats {
  files: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  downloads: number;
  evictions: number;
}

/**
 * A bounded local copy of remote lake objects, for DuckDB to read. Entries are named by a content key
 * (the caller's hash of key + ETag + size), so a rewritten object (a rebuilt rollup) is a new entry and a
 * stale copy is never served; entries survive restarts and are reused.
 *
 * Bounded by bytes: after each download, least recently used entries are evicted until the total is at most
 * `maxBytes`. Entries in use (pinned by a reader) are never evicted, so one read wider than the bound may
 * exceed it until it ends; the next download evicts back under it.
 *
 * One process per cache folder: a lock file holding the owner's pid refuses a second live owner (an
 * eviction must not remove a file another process is reading).
 */
export class LakeCache {
  /** Least recently used first (Map keeps insertion order; a use re-inserts). */
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Entry>>();
  private totalBytes = 0;
  private readonly counters = { hits: 0, downloads: 0, evictions: 0 };
  private ready: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {
    if (!(maxBytes > 0)) throw new HitboardError(`lake cache size must be positive (got ${maxBytes})`);
  }

  private get objectsDir(): string {
    return join(this.dir, 'objects');
  }

  private get lockFile(): string {
    return join(this.dir, 'owner.pid');
  }

  /**
   * A local path holding the content `contentKey`, downloading it with `download(tmpPath)` if absent.
   * Pinned: call `release(contentKey)` once the path is no longer read.
   */
  async acquire(contentKey: string, download: (tmpPath: string) => Promise<void>): Promise<string> {
    if (!/^[0-9a-f]{16,}$/.test(contentKey)) throw new HitboardError(`lake cache key ${JSON.stringify(contentKey)} is not a hex digest`);
    await (this.ready ??= this.open());
    for (;;) {
      const cached = this.entries.get(contentKey);
      if (cached) {
        this.entries.delete(contentKey);
        this.entries.set(contentKey, cached);
        cached.pins += 1;
        this.counters.hits += 1;
        return cached.path;
      }
      const pending = this.inFlight.get(contentKey);
      if (pending) {
        // Another reader is downloading it: wait, then take it from the index (it may have been evicted meanwhile).
        await pending.catch(() => undefined);
        continue;
      }
      const fetching = this.fetch(contentKey, download).finally(() => this.inFlight.delete(contentKey));
      this.inFlight.set(contentKey, fetching);
      const entry = await fetching; // pinned for us by fetch(), so the eviction below cannot take it
      await this.evict();
      return entry.path;
    }
  }

  release(contentKey: string): void {
    const entry = this.entries.get(contentKey);
    if (entry && entry.pins > 0) entry.pins -= 1;
  }

  stats(): LakeCacheStats {
    return { files: this.entries.size, bytes: this.totalBytes, maxBytes: this.maxBytes, ...this.counters };
  }

  /** Releases the folder's lock (entries stay for the next owner). */
  async close(): Promise<void> {
    if (!this.ready) return;
    await this.ready.catch(() => undefined);
    const owner = await readFile(this.lockFile, 'utf8').catch(() => '');
    if (owner.trim() === String(process.pid)) await rm(this.lockFile, { force: true });
    this.ready = undefined;
    this.entries.clear();
    this.totalBytes = 0;
  }

  private async fetch(contentKey: string, download: (tmpPath: string) => Promise<void>): Promise<Entry> {
    const path = join(this.objectsDir, contentKey);
    const tmp = `${path}.${randomBytes(6).toString('hex')}.part`;
    try {
      await download(tmp);
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    const bytes = (await stat(path)).size;
    const entry: Entry = { path, bytes, pins: 1 };
    this.entries.set(contentKey, entry);
    this.totalBytes += bytes;
    this.counters.downloads += 1;
    return entry;
  }

  private async evict(): Promise<void> {
    for (const [key, entry] of this.entries) {
      if (this.totalBytes <= this.maxBytes) return;
      if (entry.pins > 0) continue;
      this.entries.delete(key);
      this.totalBytes -= entry.bytes;
      this.counters.evictions += 1;
      await rm(entry.path, { force: true });
    }
  }

  /** Takes the folder's lock, drops partial downloads, indexes what a previous owner left, trims to the bound. */
  private async open(): Promise<void> {
    await mkdir(this.objectsDir, { recursive: true });
    await this.lock();
    const names = await readdir(this.objectsDir);
    const found: Array<{ name: string; bytes: number; mtimeMs: number }> = [];
    for (const name of names) {
      const full = join(this.objectsDir, name);
      if (name.endsWith('.part')) {
        await rm(full, { force: true });
        continue;
      }
      const info = await stat(full).catch(() => null);
      if (info?.isFile()) found.push({ name, bytes: info.size, mtimeMs: info.mtimeMs });
    }
    for (const f of found.sort((a, b) => a.mtimeMs - b.mtimeMs)) {
      this.entries.set(f.name, { path: join(this.objectsDir, f.name), bytes: f.bytes, pins: 0 });
      this.totalBytes += f.bytes;
    }
    await this.evict();
  }

  private async lock(): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(this.lockFile, 'wx');
        await handle.writeFile(String(process.pid));
        await handle.close();
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const owner = Number((await readFile(this.lockFile, 'utf8').catch(() => '')).trim());
        if (owner > 0 && owner !== process.pid && isAlive(owner)) {
          throw new HitboardError(`lake cache ${this.dir} is in use by process ${owner}: give each process its own LAKE_CACHE_DIR`);
        }
        if (owner === process.pid) {
          throw new HitboardError(`lake cache ${this.dir} is already open in this process: give each store its own cache folder`);
        }
        await rm(this.lockFile, { force: true }); // left by a process that died
      }
    }
    throw new HitboardError(`could not lock lake cache ${this.dir}`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
