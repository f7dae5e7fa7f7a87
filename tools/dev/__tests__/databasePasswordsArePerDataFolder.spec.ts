/**
 * npm start's embedded Postgres and the dashboard's reader role: their passwords are the data folder's own
 * (<data>/secrets, 0600), never a fixed word any local user could try. A cluster an earlier version made with
 * the old fixed superuser password is moved to the data folder's on its next start.
 */
import { dataFolderSecret } from '@hitboard/runtime';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { findFreePort } from '@hitboard/db';
import { startPostgresHost } from '../src/local-postgres';

jest.setTimeout(180_000);

/** Whether Postgres lets `user:password` in, or refuses the password (28P01). */
async function passwordWorks(port: number, password: string): Promise<boolean> {
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  try {
    await client.connect();
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === '28P01') return false;
    throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('the data folder\'s database passwords', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'hb-data-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('are made once per data folder, readable by its owner only, and differ between folders', () => {
    const [a, b] = [fresh(), fresh()];
    const reader = dataFolderSecret(a, 'reader-password');
    expect(reader).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(['hitboard-reader', 'postgres']).not.toContain(reader);
    expect(dataFolderSecret(a, 'reader-password')).toBe(reader);
    expect(dataFolderSecret(b, 'reader-password')).not.toBe(reader);
    expect(statSync(join(a, 'secrets/reader-password')).mode & 0o777).toBe(0o600);
    expect(statSync(join(a, 'secrets')).mode & 0o777).toBe(0o700);
  });

  it('the embedded superuser has the data folder\'s password, and a cluster made with the old fixed one is moved to it', async () => {
    const data = fresh();
    chmodSync(data, 0o711); // under root the server runs as the OS user postgres, which must enter the folder (as npm start's .data)
    const port = await findFreePort();
    // A cluster as an earlier npm start made it: superuser password "postgres".
    const legacy = spawn(process.execPath, ['--require', 'tsx/cjs', join(__dirname, '../src/pg-host.ts')], {
      env: { ...process.env, PG_HOST_DATA_DIR: join(data, 'pg'), PG_HOST_PORT: String(port), PG_HOST_PASSWORD: 'postgres' },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    await new Promise<void>((resolve, reject) => {
      legacy.stdout!.on('data', (c: Buffer) => c.toString().includes('ready ') && resolve());
      legacy.once('exit', (code) => reject(new Error(`legacy pg-host exited ${code}`)));
    });
    expect(await passwordWorks(port, 'postgres')).toBe(true);
    await new Promise<void>((resolve) => {
      legacy.removeAllListeners('exit');
      legacy.once('exit', () => resolve());
      legacy.kill('SIGTERM');
    });

    // npm start's way now.
    const pg = startPostgresHost(data, port, join(data, 'postgres.log'));
    try {
      const url = new URL(await pg.url);
      const secret = readFileSync(join(data, 'secrets/postgres-password'), 'utf8').trim();
      expect(decodeURIComponent(url.password)).toBe(secret);
      expect(statSync(join(data, 'secrets/postgres-password')).mode & 0o777).toBe(0o600);
      expect(await passwordWorks(port, secret)).toBe(true);
      expect(await passwordWorks(port, 'postgres')).toBe(false);
    } finally {
      await new Promise<void>((resolve) => {
        if (pg.child.exitCode !== null) return resolve();
        pg.child.once('exit', () => resolve());
        pg.child.kill('SIGTERM');
      });
    }
  });
});
