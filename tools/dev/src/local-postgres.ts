import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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

/**
 * Starts the embedded Postgres in its own process group (pg-host.ts), with the data folder's superuser
 * password. Resolves `url` with its superuser URL once it accepts connections.
 */
export function startPostgresHost(dataDir: string, port: number, logFile: string): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'pg-host.ts')], {
    cwd: join(__dirname, '../../..'),
    env: { ...process.env, PG_HOST_DATA_DIR: join(dataDir, 'pg'), PG_HOST_PORT: String(port), PG_HOST_PASSWORD: dataFolderSecret(dataDir, 'postgres-password') },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stderr?.pipe(log);
  const url = new Promise<string>((resolvePg, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /ready (\S+)/.exec(out);
      if (ready) resolvePg(ready[1]!);
    });
    child.once('exit', (code) => reject(new Error(`embedded Postgres did not start (exit ${code}); see ${logFile}`)));
  });
  url.catch(() => undefined); // a stop during start-up is not an unhandled rejection
  return { child, url };
}
