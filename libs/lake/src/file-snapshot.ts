import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat, symlink, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

/** Characters DuckDB's file readers expand as a glob (`read_csv('export[1].csv')` read export1.csv). */
const GLOB = /[[\]*?{}]/;

/**
 * Runs `read` on paths DuckDB takes literally. A lake folder (or cache folder) whose path holds a glob
 * character (`LAKE_DIR=…/lake[1]`) would make `read_parquet` expand it and read another lake's files, as
 * the import once read export1.csv for `export[1].csv`. Plain paths pass as they are (no cost); otherwise
 * each file is given to DuckDB as a symlink in a fresh temporary folder with a plain name, removed after.
 */
export async function withGlobSafePaths<T>(paths: string[], read: (paths: string[]) => Promise<T>): Promise<T> {
  if (!paths.some((p) => GLOB.test(p))) return read(paths);
  const dir = await mkdtemp(join(tmpdir(), 'hitboard-lake-read-'));
  try {
    if (GLOB.test(dir)) throw new Error(`the temporary folder ${dir} holds a glob character; set TMPDIR to a plain path`);
    const links = await Promise.all(
      paths.map(async (p, i) => {
        if (!GLOB.test(p)) return p;
        const link = join(dir, `${i}${p.slice(p.lastIndexOf('.')).replace(/[^A-Za-z0-9.]/g, '')}`);
        await symlink(p, link);
        return link;
      }),
    );
    return await read(links);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export class FileChangedError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path} changed while it was read (${detail}): it is still being written; run again once it is complete`);
    this.name = 'FileChangedError';
  }
}

/** A private copy of a file: what DuckDB reads instead of the user's path, and the SHA-256 of exactly those bytes. */
export interface FileSnapshot {
  /** The copy, under a fresh temporary folder, with a name DuckDB cannot take for a glob. */
  path: string;
  sha256: string;
  bytes: number;
  /** Deletes the copy. */
  release(): Promise<void>;
}

export interface SnapshotOptions {
  /** The copy's file name (keep the extension DuckDB or the caller keys on). */
  name: string;
  /**
   * What a file that grows while it is copied means:
   * - 'refuse' (default): a FileChangedError — hashing one state and importing another, or
   *   recording a prefix as the whole file, loses or doubles rows;
   * - 'whole-lines': keep what was there, up to its last newline (a log that is appended to live,
   *   such as the generator's ground truth, read as of now).
   */
  whileGrowing?: 'refuse' | 'whole-lines';
}

/**
 * Copies a file once and hashes the same bytes as they pass, so whatever parses the copy parses
 * exactly what the hash names, and no path a user typed ever reaches DuckDB (which globs
 * `[ ] * ?`, and would read another file or several).
 */
export async function snapshotFile(source: string, options: SnapshotOptions): Promise<FileSnapshot> {
  if (GLOB.test(options.name)) throw new Error(`snapshot name ${JSON.stringify(options.name)} holds a glob character`);
  const dir = await mkdtemp(join(tmpdir(), 'hitboard-snapshot-'));
  const release = () => rm(dir, { recursive: true, force: true });
  const path = join(dir, options.name);
  try {
    if (GLOB.test(path)) throw new Error(`the temporary folder ${dir} holds a glob character; set TMPDIR to a plain path`);
    const before = await stat(source);
    if (!before.isFile()) throw new Error(`${source} is not a regular file`);
    const hash = createHash('sha256');
    let bytes = 0;
    let lastNewline = -1;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        const nl = chunk.lastIndexOf(10);
        if (nl >= 0) lastNewline = bytes + nl;
        bytes += chunk.length;
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(createReadStream(source), tap, createWriteStream(path, { flags: 'wx' }));
    const after = await stat(source);
    const grew = bytes !== before.size || after.size !== before.size || after.mtimeMs !== before.mtimeMs;
    if (grew && (options.whileGrowing ?? 'refuse') === 'refuse') {
      throw new FileChangedError(source, `${before.size} bytes when opened, ${bytes} read, ${after.size} now`);
    }
    if (options.whileGrowing === 'whole-lines' && lastNewline + 1 < bytes) {
      // A line being written has no newline yet: leave it for the next read, and hash what is kept.
      bytes = lastNewline + 1;
      await truncate(path, bytes);
      return { path, sha256: await sha256OfFile(path), bytes, release };
    }
    return { path, sha256: hash.digest('hex'), bytes, release };
  } catch (err) {
    await release();
    throw err;
  }
}

/** The SHA-256 of a file's content, hex. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
