import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A secret kept in the data folder (`<data>/secrets/<name>`, the folder 0700, the file 0600): made once, on
 * the first run, and read on every later one, so each data folder has its own and no other local user can
 * read it. npm start's embedded superuser and the dashboard's reader role get theirs from here: a fixed
 * password would let any local user read (or own) what the sign-in protects.
 */
export function dataFolderSecret(dataDir: string, name: string): string {
  const dir = join(dataDir, 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const path = join(dir, name);
  if (!existsSync(path)) {
    try {
      writeFileSync(path, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another start made it first: use theirs
    }
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < 16) throw new Error(`${path}: holds no usable secret (delete it to make a new one)`);
  return secret;
}
