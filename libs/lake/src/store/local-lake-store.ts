import { copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { withGlobSafePaths } from '../file-snapshot';
import { tmpDir } from '../paths';
import { checkKey, LakeObjectMissingError, LakeReadFailedError, LakeWriteError, type LakeStore } from './lake-store';

/**
 * The lake as a local folder (the embedded default, or a shared filesystem). `put` makes the staged file
 * durable and renames it into place: atomic on one filesystem, so a reader never sees half a file and a
 * replay's rename replaces the first copy. Readers get the files themselves (no cache).
 */
export class LocalLakeStore implements LakeStore {
  readonly location: string;
  readonly stagingDir: string;

  constructor(readonly root: string) {
    this.location = root;
    this.stagingDir = tmpDir(root);
  }

  async put(key: string, localFile: string): Promise<void> {
    const target = join(this.root, checkKey(key));
    try {
      await mkdir(dirname(target), { recursive: true });
      // Durable before the ledger lists it: the file's data, then (after the rename) its directory entry.
      await fsync(localFile);
      await rename(localFile, target).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EXDEV') throw err;
        // Staged on another filesystem: copy beside the target first, so the last step is still a rename.
        const beside = `${target}.${process.pid}.put`;
        await copyFile(localFile, beside);
        await fsync(beside);
        await rename(beside, target);
      });
      await fsync(dirname(target));
    } catch (err) {
      throw new LakeWriteError(key, this.location, err);
    } finally {
      await rm(localFile, { force: true });
    }
  }

  async withLocalFiles<T>(keys: readonly string[], read: (paths: string[]) => Promise<T>): Promise<T> {
    const paths = keys.map((k) => join(this.root, checkKey(k)));
    await Promise.all(
      paths.map((p, i) =>
        stat(p).catch((err: NodeJS.ErrnoException) => {
          throw err.code === 'ENOENT' ? new LakeObjectMissingError(keys[i]!, this.location) : new LakeReadFailedError(keys[i]!, this.location, err);
        }),
      ),
    );
    return withGlobSafePaths(paths, read);
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const staging = this.stagingDir;
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (full !== staging) await walk(full);
        } else if (entry.isFile()) {
          const key = relative(this.root, full).split(sep).join('/');
          if (key.startsWith(prefix)) out.push(key);
        }
      }
    };
    // Walk from the deepest folder the prefix names, not the whole lake.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    await walk(join(this.root, folder));
    return out.sort();
  }

  async close(): Promise<void> {}
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
