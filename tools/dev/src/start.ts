import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createDb } from '@hitboard/db-client';
import { migrateLatest, startEmbeddedPostgres, type EmbeddedPostgresServer } from '@hitboard/db';
import { createKafka } from '@hitboard/kafka';
import { generateEvents, makeCatalog } from '@hitboard/generator';
import { handleHelp, runMain, sleep } from '@hitboard/runtime';
import { IntervalRegistry, TABLES, TOPICS, VIEWS } from '@hitboard/schema';
import type { Knex } from 'knex';

const ROOT = resolve(__dirname, '../../..');
const DATA = join(ROOT, '.data');

const HELP = {
  name: 'npm start',
  summary: `Runs hitboard on this machine: an embedded Postgres (under .data/pg, kept between runs),
a local Kafka broker (infra/kafka, started if none runs), the aggregator and the speed pipeline,
and a generator sending realistic sales now. Every few seconds it prints the live top 10 of the
current hour from the top_1000 view. Ctrl-C stops everything it started.
App logs: .data/logs/*.log. Set DATABASE_URL or KAFKA_BROKERS to use servers of your own
(KAFKA_PORT moves the local broker off 19092).`,
  usage: [
    '--rate N        events per second from the generator (default 200; 0: no generator)',
    '--products N    catalog size (default 5000)',
    '--zone ZONE     reporting time zone (default UTC)',
  ],
};

interface Options {
  ratePerSec: number;
  products: number;
  zone: string;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { ratePerSec: 200, products: 5000, zone: process.env['REPORTING_TIME_ZONE'] ?? 'UTC' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value (see --help)`);
    if (flag === '--rate') options.ratePerSec = Number(value);
    else if (flag === '--products') options.products = Number(value);
    else if (flag === '--zone') options.zone = value;
    else throw new Error(`unknown option ${flag} (see --help)`);
  }
  if (!(options.ratePerSec >= 0) || !(options.products >= 1)) throw new Error('--rate must be ≥ 0 and --products ≥ 1');
  return options;
}

const say = (msg: string): void => {
  process.stdout.write(`[hitboard] ${msg}\n`);
};

async function main(): Promise<void> {
  const options = parseOptions(handleHelp(HELP));
  const stops: Array<() => Promise<void> | void> = [];
  const children: ChildProcess[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  // Ctrl-C reaches us twice (the terminal signals the foreground group, and npm forwards it too):
  // signals in the first two seconds of stopping are that echo; a later one forces the exit.
  let stoppingSinceMs = 0;
  const onSignal = () => {
    if (stoppingSinceMs === 0) {
      stoppingSinceMs = Date.now();
      say('stopping… (Ctrl-C again to force)');
      void stopAll().then(() => {
        say('stopped');
        process.exit(0);
      });
    } else if (Date.now() - stoppingSinceMs > 2000) {
      say('forced: killing what is left');
      process.exit(130); // the 'exit' handler below kills the apps
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Whatever way we leave, the apps (in their own process groups) must not outlive us.
  process.on('exit', () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  // 1. Postgres: the caller's, or an embedded one that keeps its data between runs.
  let databaseUrl = process.env['DATABASE_URL'];
  if (!databaseUrl) {
    say('starting embedded Postgres (.data/pg)…');
    const pg: EmbeddedPostgresServer = await startEmbeddedPostgres({ dataDir: join(DATA, 'pg'), port: 54329, persistent: true });
    stops.push(() => pg.stop());
    databaseUrl = pg.url;
  }
  const db = createDb(databaseUrl);
  stops.push(() => db.destroy());
  await migrateLatest(db);
  const catalog = makeCatalog(options.products);
  for (let i = 0; i < catalog.length; i += 1000) {
    const rows = catalog.slice(i, i + 1000).map(({ product_id, name, category }) => ({ product_id, name, category }));
    await db(TABLES.products).insert(rows).onConflict('product_id').merge(['name', 'category']);
  }
  say(`Postgres ready: ${databaseUrl} (migrated, ${catalog.length} products)`);

  // 2. Kafka: the caller's, or the local broker from infra/kafka.
  let brokers = process.env['KAFKA_BROKERS'];
  if (!brokers) {
    say('starting the local Kafka broker (infra/kafka/kafka.sh start; the first run downloads its jars)…');
    const wasRunning = spawnSync('bash', [join(ROOT, 'infra/kafka/kafka.sh'), 'status'], { stdio: 'ignore' }).status === 0;
    const started = spawnSync('bash', [join(ROOT, 'infra/kafka/kafka.sh'), 'start'], { stdio: 'inherit' });
    if (started.status !== 0) throw new Error('the Kafka broker did not start: see .data/kafka/broker.log (needs Java 17 and Maven)');
    if (!wasRunning) stops.push(() => void spawnSync('bash', [join(ROOT, 'infra/kafka/kafka.sh'), 'stop'], { stdio: 'inherit' }));
    brokers = `127.0.0.1:${process.env['KAFKA_PORT'] ?? 19092}`;
  }

  // 3. The apps, as their own processes, as in production.
  const logs = join(DATA, 'logs');
  mkdirSync(logs, { recursive: true });
  const common = { ...process.env, KAFKA_BROKERS: brokers, DATABASE_URL: databaseUrl, REPORTING_TIME_ZONE: options.zone };
  const apps: Array<[string, string, Record<string, string>]> = [
    ['aggregator', 'apps/aggregator/src/main.ts', { OPS_PORT: '9464', LAKE_DIR: join(DATA, 'lake') }],
    ['speed-pipeline', 'apps/speed-pipeline/src/main.ts', { OPS_PORT: '9466' }],
  ];
  for (const [name, entry, env] of apps) {
    const child = startApp(name, entry, { ...common, ...env }, join(logs, `${name}.log`));
    children.push(child);
    stops.push(() => stopChild(child));
    say(`${name}: pid ${child.pid}, metrics http://127.0.0.1:${env['OPS_PORT']}/metrics, log .data/logs/${name}.log`);
  }

  // 4. Sales, now.
  const abort = new AbortController();
  stops.push(() => abort.abort());
  if (options.ratePerSec > 0) void sendSales(brokers.split(','), catalog, options.ratePerSec, abort.signal);

  // 5. The live top 10 (the dashboard's job, until it exists).
  say(`top 10 of the current ${options.zone} hour, refreshed every 5 s (Ctrl-C to stop):`);
  while (!abort.signal.aborted) {
    await sleep(5000, abort.signal);
    if (!abort.signal.aborted) await printTop10(db, IntervalRegistry.standard(options.zone)).catch((err: Error) => say(`top 10 unavailable: ${err.message}`));
  }
}

function startApp(name: string, entry: string, env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const out = createWriteStream(logFile, { flags: 'a' });
  // detached: its own process group, so a Ctrl-C reaches only us and the app gets one SIGTERM (graceful) from stopChild.
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(ROOT, entry)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') say(`${name} exited (${signal ?? code}); see ${logFile}`);
  });
  return child;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => (clearTimeout(timer), done()));
    child.kill('SIGTERM');
  });
}

async function sendSales(brokers: string[], catalog: ReturnType<typeof makeCatalog>, ratePerSec: number, signal: AbortSignal): Promise<void> {
  const producer = createKafka({ brokers, clientId: 'hitboard-dev-generator' }).producer();
  await producer.connect();
  let seed = Math.floor(Date.now() / 1000);
  try {
    while (!signal.aborted) {
      // One second of sales, stamped with the current second.
      const now = Date.now();
      const events = [...generateEvents({ events: ratePerSec, startMs: now - 1000, endMs: now, seed: seed++ }, catalog)];
      await producer.send({ topic: TOPICS.salesEvents, messages: events.map((e) => ({ key: e.product_id, value: JSON.stringify(e) })) });
      await sleep(Math.max(0, 1000 - (Date.now() - now)), signal);
    }
  } catch (err) {
    if (!signal.aborted) say(`generator stopped: ${(err as Error).message}`);
  } finally {
    await producer.disconnect();
  }
}

async function printTop10(db: Knex, registry: IntervalRegistry): Promise<void> {
  const hour = registry.windowAt('hour', Date.now());
  const rows = await db(VIEWS.top1000)
    .join(TABLES.products, `${VIEWS.top1000}.product_id`, `${TABLES.products}.product_id`)
    .where({ interval: 'hour', metric: 'units' })
    .andWhere('window_start', hour.start)
    .andWhere('rank', '<=', 10)
    .orderBy('rank')
    .select('rank', `${VIEWS.top1000}.product_id`, 'name', 'units', 'revenue', 'error_bound', 'source');
  if (!rows.length) return say(`no sales yet in the hour from ${hour.start.toISOString()}`);
  const first = rows[0] as { source: string };
  const lines = rows.map((r: { rank: number; product_id: string; name: string; units: bigint; revenue: bigint; error_bound: bigint }) =>
    `  ${String(r.rank).padStart(2)}. ${r.product_id} ${r.name.padEnd(28)} ${String(r.units).padStart(7)} units ±${r.error_bound}  $${(Number(r.revenue) / 100).toFixed(2)}`,
  );
  say(`hour from ${hour.start.toISOString()} (${first.source}):\n${lines.join('\n')}`);
}

runMain(main);
