// Child process for embedded-postgres-signals.spec.ts: starts an embedded Postgres, then on SIGINT
// proves the server is still up (a query), stops it itself and exits 0.
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb } from '@hitboard/db-client';
import { startEmbeddedPostgres } from '../../src';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hb-sig-'));
  chmodSync(dir, 0o755); // as root, Postgres runs as the postgres user, which must reach the data directory
  const server = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), persistent: false, durable: false });
  process.on('SIGINT', () => {
    void (async () => {
      const db = createDb(server.url);
      const { rows } = await db.raw('select 1 as up');
      await db.destroy();
      process.stdout.write(`handled: up=${rows[0].up}\n`);
      await server.stop();
      process.exit(0);
    })();
  });
  process.stdout.write('ready\n');
}

void main();
