import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { dataFolderSecret } from '@hitboard/runtime';
import { join } from 'node:path';

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
