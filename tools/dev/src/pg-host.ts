/**
 * Hosts the embedded Postgres in its own process group (npm start spawns it detached), so the
 * terminal's Ctrl-C — sent to the whole foreground group — does not reach the postgres server
 * (which would take SIGINT as "fast shutdown" while the apps still flush their last batch).
 * npm start stops it last, with SIGTERM. Prints `ready <url>` once the server accepts connections.
 */
import { startEmbeddedPostgres } from '@hitboard/db';
import { runMain } from '@hitboard/runtime';

async function main(): Promise<void> {
  const dataDir = process.env['PG_HOST_DATA_DIR'];
  const port = Number(process.env['PG_HOST_PORT']);
  if (!dataDir || !(port > 0)) throw new Error('pg-host needs PG_HOST_DATA_DIR and PG_HOST_PORT');
  // Listening before the server starts: a stop during start-up waits for it to be up, then stops it
  // (leaving at once would orphan a postgres that is still coming up).
  let stopRequested = false;
  let stop = () => void (stopRequested = true);
  process.on('SIGTERM', () => stop());
  process.on('SIGINT', () => stop());
  const pg = await startEmbeddedPostgres({ dataDir, port, persistent: true });
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
