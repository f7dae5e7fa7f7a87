/**
 * Hosts the embedded Postgres in its own process group (npm start spawns it detached), so the
 * terminal's Ctrl-C — sent to the whole foreground group — does not reach the postgres server
 * (which would take SIGINT as "fast shutdown" while the apps still flush their last batch).
 * npm start stops it last, with SIGTERM. Prints `ready <url>` once the server accepts connections.
 */
import { Client } from 'pg';
import { startEmbeddedPostgres } from '@hitboard/db';
import { runMain } from '@hitboard/runtime';

// What npm start's superuser password was before each data folder got its own: a cluster made then is moved
// to the data folder's password on its next start.
const LEGACY_PASSWORD = 'postgres';

/** Makes `password` the superuser's when the cluster still has the legacy one (a no-op otherwise). */
async function retireLegacyPassword(url: string, password: string): Promise<void> {
  const ours = new Client({ connectionString: url });
  try {
    await ours.connect();
    return; // already the data folder's password
  } catch (err) {
    if ((err as { code?: string }).code !== '28P01') throw err; // 28P01: wrong password; anything else is a real failure
  } finally {
    await ours.end().catch(() => undefined);
  }
  const legacy = new URL(url);
  legacy.password = LEGACY_PASSWORD;
  const old = new Client({ connectionString: legacy.toString() });
  await old.connect();
  try {
    await old.query(`ALTER ROLE postgres PASSWORD '${password.replace(/'/g, "''")}'`);
  } finally {
    await old.end();
  }
}

async function main(): Promise<void> {
  const dataDir = process.env['PG_HOST_DATA_DIR'];
  const port = Number(process.env['PG_HOST_PORT']);
  const password = process.env['PG_HOST_PASSWORD'];
  if (!dataDir || !(port > 0) || !password) throw new Error('pg-host needs PG_HOST_DATA_DIR, PG_HOST_PORT and PG_HOST_PASSWORD');
  // Listening before the server starts: a stop during start-up waits for it to be up, then stops it
  // (leaving at once would orphan a postgres that is still coming up).
  let stopRequested = false;
  let stop = () => void (stopRequested = true);
  process.on('SIGTERM', () => stop());
  process.on('SIGINT', () => stop());
  const pg = await startEmbeddedPostgres({ dataDir, port, persistent: true, password });
  try {
    await retireLegacyPassword(pg.url, password);
  } catch (err) {
    await pg.stop(); // never leave a server behind that nobody can stop
    throw err;
  }
  let stopping = false;
  stop = () => {
    if (stopping) return;
    stopping = true;
    void pg.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  if (stopRequested) return stop();
  process.stdout.write(`ready ${pg.url}\n`);
  await new Promise(() => undefined);
}

runMain(main);
