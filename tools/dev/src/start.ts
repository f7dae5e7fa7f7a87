import { clock, startClock, systemClock } from '@hitboard/runtime';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { createDb } from '@hitboard/db-client';
import { appRoleUrls, migrateLatest, setReaderPassword } from '@hitboard/db';
import { createKafka, createProducer, dlqTopicSpec, ensureTopics, type LevelLogger } from '@hitboard/kafka';
import { chunkFloor, GroundTruthWriter, kafkaSender, makeCatalog, planResume, CheckpointFile, RecurringSpikes, runStream, SalesStream, type GeneratorCheckpoint } from '@hitboard/generator';
import { appConfigSchema, dataFolderSecret, loadConfig, parseBrokers, runMain, signalProcessGroup, sleep, startSystemApp, SYSTEM_APPS } from '@hitboard/runtime';
import { IntervalRegistry } from '@hitboard/time';
import { TABLES, VIEWS } from '@hitboard/schema';
import type { Knex } from 'knex';
import { dashboardSignIn } from './access';
import { startPostgresHost } from './local-postgres';
import { buildIsCurrent, recordBuild, sourceFingerprint } from './dashboard-build';
import { kafkaPrerequisites } from './preflight';
import { PidFiles, stopGroup } from './process-groups';

const ROOT = resolve(__dirname, '../../..');

const HELP = `Usage: npm start [-- options]

Runs hitboard on this machine: an embedded Postgres (kept between runs), a local Kafka broker
(infra/kafka; needs Java 17, and Maven once to fetch its jars), the aggregator, the speed
pipeline, the rollup scheduler, the notifier (alerts, reports) and the dashboard (when those apps are
present), and a generator.
On a first run (empty data folder) the generator fills --history of past sales as fast as the
system takes them, with a progress bar, then sells live at --rate. A later run resumes where the
last one stopped: nothing is generated twice. Ctrl-C stops everything in order; a second forces.

Options:
  --history D        history to generate on a first run: 3d, 7d, 12h, 0 (default 3d)
  --history-rate N   sales per second of history, weekly average        (default 1)
  --rate N           live sales per second, weekly average; 0: none      (default 20)
  --products N       catalog size (fixed by the first run)               (default 2000)
  --zone ZONE        reporting time zone                                 (default $REPORTING_TIME_ZONE or UTC)
  --data DIR         data folder (Postgres, Kafka, lake, logs, generator state) (default .data)
  --pg-port N        embedded Postgres port                              (default 54329)
  --ops-port N       first of the apps' /metrics ports: aggregator N, speed N+2, rollups N+4, notifier N+6, dashboard N+8 (default 9464)
  --dashboard-port N                                                     (default 3000)
  -h, --help         this text

The dashboard wants sign-in: open the link it prints (http://127.0.0.1:3000/?token=…). The token is
$HITBOARD_TOKEN if set, else a new one each run; tools (verify) read it from HITBOARD_TOKEN.
On the embedded Postgres each app connects as its own role (hitboard_aggregator, hitboard_speed,
hitboard_batch, hitboard_notifier, hitboard_reader); with your DATABASE_URL the apps use that URL as it is.

Environment: DATABASE_URL, KAFKA_BROKERS, LAKE_DIR or LAKE_URL (+ AWS_*): use these instead of the embedded ones.
KAFKA_PORT moves the local broker off 19092 (its controller takes KAFKA_PORT+1).
TOPIC_EVENTS, TOPIC_DLQ, TOPIC_PRODUCT_SUMS, ALLOWED_LATENESS_MS: the deployment settings every app
reads (see any app's --help); the topics are created if missing.
NOTIFIER_RULES_FILE: the notifier's alert rules, webhooks and report schedules (unset: alerts off, daily
and weekly top-10 reports to the lake's reports/ only; see the README, "Ops: alerts and reports").
Each process group it starts is recorded in <data>/pids while it runs: a start after a crash or a
kill -9 of npm start stops what the earlier run left first.
Ground truth of what the generator sent: <data>/generator/ground-truth.ndjson, for
\`npx tsx tools/verify/src/cli.ts --truth <data>/generator/ground-truth.ndjson\`.`;

/** The deployment settings npm start itself uses (the apps read the same variables from the environment it passes on). */
const settingsSchema = appConfigSchema(['TOPIC_EVENTS', 'TOPIC_DLQ', 'TOPIC_PRODUCT_SUMS', 'REPORTING_TIME_ZONE'], {});
type Settings = ReturnType<typeof settingsSchema.parse>;

interface Options {
  settings: Settings;
  historyMs: number;
  historyRate: number;
  rate: number;
  products: number;
  zone: string;
  dataDir: string;
  pgPort: number;
  opsPort: number;
  dashboardPort: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      history: { type: 'string', default: '3d' },
      'history-rate': { type: 'string', default: '1' },
      rate: { type: 'string', default: '20' },
      products: { type: 'string', default: '2000' },
      zone: { type: 'string', default: process.env['REPORTING_TIME_ZONE'] ?? 'UTC' },
      data: { type: 'string', default: process.env['HITBOARD_DATA_DIR'] ?? join(ROOT, '.data') },
      'pg-port': { type: 'string', default: '54329' },
      'ops-port': { type: 'string', default: '9464' },
      'dashboard-port': { type: 'string', default: '3000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const num = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!(n >= min)) throw new Error(`--${name} must be a number ≥ ${min}, got ${v} (see --help)`);
    return n;
  };
  const history = /^(\d+)([hd])?$/.exec(values.history);
  if (!history) throw new Error(`--history must look like 3d, 7d, 12h or 0, got ${values.history}`);
  const settings = loadConfig('npm start', settingsSchema, { ...process.env, REPORTING_TIME_ZONE: values.zone });
  return {
    settings,
    historyMs: Number(history[1]) * (history[2] === 'h' ? 3_600_000 : 86_400_000),
    historyRate: num('history-rate', values['history-rate'], 0.001),
    rate: num('rate', values.rate, 0),
    products: num('products', values.products, 1),
    zone: settings.REPORTING_TIME_ZONE,
    dataDir: resolve(values.data),
    pgPort: num('pg-port', values['pg-port'], 1),
    opsPort: num('ops-port', values['ops-port'], 1),
    dashboardPort: num('dashboard-port', values['dashboard-port'], 1),
  };
}

const say = (msg: string): void => void process.stdout.write(`[hitboard] ${msg}\n`);

async function main(): Promise<void> {
  // A chosen clock (HITBOARD_CLOCK_START) is anchored here, once, so every app started later reads the same time.
  if (process.env['HITBOARD_CLOCK_START'] && !process.env['HITBOARD_CLOCK_STARTED_AT']) process.env['HITBOARD_CLOCK_STARTED_AT'] = String(systemClock.now());
  startClock(process.env);
  const options = parseOptions();
  const data = options.dataDir;
  // Before anything starts: can the local broker run at all?
  if (!process.env['KAFKA_BROKERS']) {
    const problems = kafkaPrerequisites(ROOT);
    if (problems.length > 0) {
      process.stderr.write(`[hitboard] cannot start the local Kafka broker:\n${problems.map((p) => `  - ${p}`).join('\n')}\nOr point KAFKA_BROKERS at a broker of your own.\n`);
      process.exit(1);
    }
  }
  mkdirSync(join(data, 'logs'), { recursive: true });
  mkdirSync(join(data, 'generator'), { recursive: true });
  const pids = new PidFiles(join(data, 'pids'));
  await stopWhatAnEarlierRunLeft(pids, data);

  const stops: Stops = [];
  /** The process groups of the apps (each app's pid is its group's id). */
  const groups: number[] = [];
  const stopAll = async () => {
    for (const [, stop] of stops.reverse()) await stop();
  };
  // Ctrl-C reaches us twice (the terminal signals the foreground group, and npm forwards it too):
  // signals in the first two seconds of stopping are that echo; a later one forces the exit.
  let stoppingSinceMs = 0;
  const onSignal = () => {
    if (stoppingSinceMs === 0) {
      stoppingSinceMs = clock.now();
      say('stopping in order: generator, dashboard, rollups, speed pipeline, aggregator, Kafka, Postgres (Ctrl-C again to force)…');
      void stopAll().then(() => {
        say('stopped');
        process.exit(0);
      });
    } else if (clock.now() - stoppingSinceMs > 2000) {
      say('forced: killing what is left');
      process.exit(130); // the 'exit' handler below kills the apps
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Whatever way we leave, the apps' process groups (a wrapper and its children) must not outlive us.
  // Postgres's host gets a SIGTERM instead: it then stops the server (a SIGKILL would orphan it).
  let pgChild: ChildProcess | undefined;
  process.on('exit', () => {
    for (const pgid of groups) signalProcessGroup(pgid, 'SIGKILL');
    if (pgChild && pgChild.exitCode === null && pgChild.signalCode === null) pgChild.kill('SIGTERM');
    pids.forget('launcher');
  });
  try {
    await startEverything(options, stops, groups, pids, (child) => (pgChild = child));
  } catch (err) {
    // Whatever had started is stopped before the error is reported.
    if (stoppingSinceMs === 0) {
      stoppingSinceMs = clock.now();
      await stopAll().catch(() => undefined);
    }
    throw err;
  }
}

type Stops = Array<[string, () => Promise<void> | void]>;

/**
 * Another npm start on this data folder is refused; processes an earlier run left (the launcher was
 * killed outright, or crashed) are stopped, apps first and Postgres last, each named.
 */
async function stopWhatAnEarlierRunLeft(pids: PidFiles, data: string): Promise<void> {
  const running = pids.leftovers().find((g) => g.name === 'launcher');
  if (running) throw new Error(`npm start (pid ${running.pgid}) is already running on ${data}: stop it first (Ctrl-C in its terminal, or kill ${running.pgid})`);
  pids.record({ name: 'launcher', pgid: process.pid, marker: 'tools/dev/src/start.ts', single: true });
  const left = pids.leftovers().filter((g) => g.name !== 'launcher');
  if (left.length === 0) return;
  say(`an earlier run left ${left.map((g) => `${g.name} (process group ${g.pgid})`).join(', ')} running: stopping them first…`);
  for (const group of [...left.filter((g) => g.name !== 'postgres'), ...left.filter((g) => g.name === 'postgres')]) {
    await stopGroup(group.pgid, 30_000);
    pids.forget(group.name);
  }
}

async function startEverything(options: Options, stops: Stops, groups: number[], pids: PidFiles, onPostgres: (child: ChildProcess) => void): Promise<void> {
  const data = options.dataDir;
  const where: string[] = [];

  // 1. Postgres: the caller's, or an embedded one that keeps its data between runs.
  let databaseUrl = process.env['DATABASE_URL'];
  if (!databaseUrl) {
    say(`starting embedded Postgres (${join(data, 'pg')}, port ${options.pgPort})…`);
    // Registered at spawn, before it is ready: a Ctrl-C during its start-up stops it too.
    const pg = startPostgresHost(data, options.pgPort, join(data, 'logs/postgres.log'));
    onPostgres(pg.child);
    pids.record({ name: 'postgres', pgid: pg.child.pid!, marker: join(data, 'pg') });
    stops.push(['postgres', () => stopGroupOf(pg.child.pid!, pids, 'postgres')]);
    databaseUrl = await pg.url;
  }
  const db = createDb(databaseUrl);
  stops.push(['db client', () => db.destroy()]);
  await migrateLatest(db);
  // The dashboard connects as the read-only role; on our own embedded server we give it a password.
  let readerPassword = process.env['HITBOARD_READER_PASSWORD'];
  let roleUrls: Record<string, string> = {};
  if (!process.env['DATABASE_URL']) {
    // Per data folder, kept in it (0600): a fixed password would open the data to any local user, around sign-in.
    readerPassword ??= dataFolderSecret(data, 'reader-password');
    await setReaderPassword(db, readerPassword);
    roleUrls = await appRoleUrls(db, databaseUrl);
  }
  const catalog = makeCatalog(options.products, 1);
  for (let i = 0; i < catalog.length; i += 1000) {
    const rows = catalog.slice(i, i + 1000).map(({ product_id, name, category }) => ({ product_id, name, category }));
    await db(TABLES.products).insert(rows).onConflict('product_id').merge(['name', 'category']);
  }
  where.push(`Postgres      ${redact(databaseUrl)} (${catalog.length} products)`);

  // 2. Kafka: the caller's, or the local broker from infra/kafka.
  let brokers = process.env['KAFKA_BROKERS'];
  if (!brokers) {
    const port = process.env['KAFKA_PORT'] ?? '19092';
    const env = { ...process.env, KAFKA_DATA_DIR: process.env['KAFKA_DATA_DIR'] ?? join(data, 'kafka') };
    say(`starting the local Kafka broker on 127.0.0.1:${port} (the first run downloads its jars)…`);
    const kafkaSh = join(ROOT, 'infra/kafka/kafka.sh');
    const wasRunning = spawnSync('bash', [kafkaSh, 'status'], { stdio: 'ignore', env }).status === 0;
    // A broker an earlier npm start began (its mark is in the pid folder) is ours: stopped on the way out.
    const ownedMark = join(pids.dir, 'kafka.owned');
    const earlierRunsBroker = wasRunning && existsSync(ownedMark);
    if (earlierRunsBroker) say(`the local Kafka broker an earlier run started is still running (${env.KAFKA_DATA_DIR}): using it`);
    // Registered before starting: a broker that came up but failed a later step is stopped too.
    if (!wasRunning || earlierRunsBroker) {
      writeFileSync(ownedMark, `${env.KAFKA_DATA_DIR}\n`);
      let stopped = false;
      const stopKafka = () => {
        if (stopped) return;
        stopped = true;
        spawnSync('bash', [kafkaSh, 'stop'], { stdio: 'inherit', env });
        rmSync(ownedMark, { force: true });
      };
      stops.push(['kafka', stopKafka]);
      // The broker runs detached (setsid): if we die without the ordered stop, stop it on the way out.
      process.on('exit', stopKafka);
    }
    const started = spawnSync('bash', [kafkaSh, 'start'], { stdio: 'inherit', env });
    if (started.status !== 0) throw new Error(`the Kafka broker did not start: see ${env.KAFKA_DATA_DIR}/broker.log`);
    brokers = `127.0.0.1:${port}`;
    where.push(`Kafka         ${brokers} (log ${env.KAFKA_DATA_DIR}/broker.log)`);
  } else {
    where.push(`Kafka         ${brokers}`);
  }

  // The deployment's topics (kafka.sh makes the default names; other names are made here, as kafka.sh would).
  const { settings } = options;
  await ensureTopics(createKafka({ brokers: parseBrokers(brokers), clientId: 'hitboard-dev-setup', logger: kafkaLog(data) }), [
    { topic: settings.TOPIC_EVENTS, numPartitions: 6 },
    { topic: settings.TOPIC_PRODUCT_SUMS, numPartitions: 6 },
    dlqTopicSpec(settings.TOPIC_DLQ),
  ]);

  // 3. The apps, each its own process, as in production (libs/runtime's SYSTEM_APPS, which chaos runs too;
  // stopped in reverse: the aggregator last of them).
  const logs = join(data, 'logs');
  const lakeDir = process.env['LAKE_DIR'] ?? join(data, 'lake');
  const common = { ...process.env, KAFKA_BROKERS: brokers, DATABASE_URL: databaseUrl, REPORTING_TIME_ZONE: options.zone, LAKE_DIR: lakeDir };
  let signInUrl: string | null = null;
  // Alerts need NOTIFIER_RULES_FILE (passed on from this environment); without it the notifier says alerts are off and
  // writes the default daily/weekly reports to the lake's reports/ only.
  for (const app of SYSTEM_APPS) {
    if (!existsSync(join(ROOT, app.entry))) {
      say(`${app.entry} is not there: no ${app.name}`);
      continue;
    }
    const opsPort = options.opsPort + app.opsPortOffset;
    let env: Record<string, string> = { OPS_PORT: String(opsPort), ...(roleUrls[app.name] ? { DATABASE_URL: roleUrls[app.name]! } : {}) };
    if (app.name === 'dashboard') {
      const dashboard = await prepareDashboard(options, data, databaseUrl, readerPassword);
      if (!dashboard) continue;
      env = { ...env, ...dashboard.env };
      signInUrl = dashboard.signInUrl;
    }
    const logFile = join(logs, `${app.name}.log`);
    const started = startSystemApp(app, { env: { ...common, ...env }, logFile });
    void started.finished().then(({ code, signal }) => {
      // 143: a wrapper (the dashboard's serve) that passed our SIGTERM on and exited with 128 + 15.
      if (code !== 0 && code !== 143 && signal !== 'SIGTERM') say(`${app.name} exited (${signal ?? code}); see ${logFile}`);
    });
    groups.push(started.pid);
    // Text in the command line of its processes: how a later start recognises them.
    pids.record({ name: app.name, pgid: started.pid, marker: join(ROOT, app.cwd === '.' ? app.entry : app.cwd) });
    stops.push([app.name, () => stopGroupOf(started.pid, pids, app.name)]);
    const port = app.serves === 'dashboard' ? options.dashboardPort : opsPort;
    where.push(`${app.name.padEnd(13)} pid ${started.pid}, ${app.serves} http://127.0.0.1:${port}${app.serves === 'metrics' ? '/metrics' : ''}, log ${logFile}`);
  }
  where.push(`lake          ${lakeDir}`);

  // 4. Sales: history on a first run, then live; a later run resumes.
  const abort = new AbortController();
  const generatorDone = options.rate > 0 || options.historyMs > 0 ? runGenerator(options, data, parseBrokers(brokers), catalog, abort.signal, where) : Promise.resolve();
  stops.push(['generator', async () => {
    abort.abort();
    await generatorDone;
  }]);

  // 5. Until Ctrl-C: the dashboard, or the live top 10 in the terminal while there is none.
  const registry = IntervalRegistry.standard(options.zone);
  const shown = signInUrl ? `dashboard (sign-in link): ${signInUrl}` : 'no dashboard: the live top 10 of the current hour follows every 10 s';
  await sleep(1000, abort.signal);
  say(`running:\n  ${where.join('\n  ')}\n${shown}`);
  const startedMs = clock.now();
  let exactSeen = false;
  while (!abort.signal.aborted) {
    await sleep(signInUrl ? 3000 : 10_000, abort.signal);
    if (abort.signal.aborted) break;
    if (!exactSeen) {
      // The moment the first exact (batch) window can be seen on the dashboard.
      const first = await db(TABLES.rollupRuns).where({ status: 'succeeded' }).orderBy('finished_at').first<{ interval: string; window_start: Date } | undefined>('interval', 'window_start').catch(() => undefined);
      // Said once the link works: on a resumed run the window is there at once, the dashboard not yet.
      if (first && (!signInUrl || (await listening(options.dashboardPort)))) {
        exactSeen = true;
        say(`first exact window rolled up after ${Math.round((clock.now() - startedMs) / 1000)} s: ${first.interval} from ${first.window_start.toISOString()}${signInUrl ? ` — http://127.0.0.1:${options.dashboardPort}/` : ''}`);
      }
    }
    if (!signInUrl) await printTop10(db, registry).catch((err: Error) => say(`top 10 unavailable: ${err.message}`));
  }
}

/** True when something accepts connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolveListening) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolveListening(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

/**
 * kafkajs's log for this process's own clients (topic setup, the generator): every entry goes to
 * <data>/logs/generator.log, like an app's log; only an error is also said here. (kafkajs's console logger
 * printed raw JSON into the summary, including a fresh broker's "coordinator is loading" retry: libs/kafka
 * logs such retries at warn.)
 */
function kafkaLog(data: string): LevelLogger {
  const file = join(data, 'logs', 'generator.log');
  const out = createWriteStream(file, { flags: 'a' });
  const write = (level: string) => (fields: object, msg?: string) => void out.write(`${JSON.stringify({ level, time: clock.date().toISOString(), app: 'dev', msg, ...fields })}\n`);
  return {
    error: (fields, msg) => {
      write('error')(fields, msg);
      say(`Kafka client error: ${msg ?? ''}${'error' in fields ? ` (${String(fields.error)})` : ''}; see ${file}`);
    },
    warn: write('warn'),
    info: write('info'),
    debug: write('debug'),
  };
}

/** The generator, resumable: its checkpoint and ground truth live in <data>/generator. */
async function runGenerator(options: Options, data: string, brokers: string[], catalog: ReturnType<typeof makeCatalog>, signal: AbortSignal, where: string[]): Promise<void> {
  const checkpointPath = join(data, 'generator/checkpoint.json');
  // Its name before 2026-12: a data folder made then resumes too.
  if (!existsSync(checkpointPath) && existsSync(join(data, 'generator/progress.json'))) renameSync(join(data, 'generator/progress.json'), checkpointPath);
  const checkpointFile = new CheckpointFile(checkpointPath);
  const truthPath = join(data, 'generator/ground-truth.ndjson');
  const nowMs = clock.now();
  const live = chunkFloor(nowMs);
  const historyFrom = chunkFloor(nowMs - options.historyMs);
  const fresh: GeneratorCheckpoint = {
    seed: 1,
    products: options.products,
    segments: options.historyMs > 0 ? [{ fromMs: historyFrom, ratePerSec: options.historyRate }, { fromMs: live, ratePerSec: options.rate }] : [{ fromMs: live, ratePerSec: options.rate }],
    position: { chunkStartMs: options.historyMs > 0 ? historyFrom : live, emitted: 0 },
    inflightUntil: null,
    sentEvents: 0,
  };
  // A stop of more than 10 minutes leaves a gap (the shop was closed) rather than a burst of catch-up sales.
  const plan = planResume(checkpointFile.read(), fresh, nowMs, { maxCatchUpMs: 10 * 60_000, ratePerSec: options.rate });
  // A first-time user should see "Rising now" working: live sales get a ×20 spike of a mid-tail
  // product for 5 minutes in every 15 (a pure function of the time slot, so a resumed run agrees).
  const byRank = new SalesStream({ seed: 1, catalog, segments: plan.state.segments }).productsByRank();
  const spikes = new RecurringSpikes({ seed: 1, catalog, fromMs: live, everyMs: 15 * 60_000, durationMs: 5 * 60_000, factor: 20, ranks: [30, 300], byRank });
  const stream = new SalesStream({ seed: 1, catalog, segments: plan.state.segments, spikes });
  const producer = createProducer(createKafka({ brokers, clientId: 'hitboard-dev-generator', logger: kafkaLog(data) }));
  await producer.connect();
  const truth = new GroundTruthWriter(truthPath);
  const checkpoint = { file: checkpointFile, state: plan.state };
  const send = kafkaSender(producer, options.settings.TOPIC_EVENTS);
  where.push(`generator     ${options.rate}/s live; ground truth ${truthPath}`);
  try {
    if (plan.resumed) {
      say(`generator: resuming after ${plan.state.sentEvents.toLocaleString('en')} events (at ${new Date(plan.continueFrom.chunkStartMs).toISOString()})`);
      if (plan.replayUntilMs !== null) await runStream({ stream, from: plan.state.position, untilMs: plan.replayUntilMs, batchSize: 2000, send, truth, checkpoint, signal });
    }
    // History (event time already past) goes as fast as the system takes it, with a progress bar.
    const historyEnd = chunkFloor(clock.now());
    const from = plan.continueFrom;
    if (from.chunkStartMs < historyEnd - 60_000) {
      const bar = new SingleBar({ format: '[hitboard] history |{bar}| {percentage}% {events} events, event time {at} {eta_formatted} left', stream: process.stdout }, Presets.shades_classic);
      bar.start(historyEnd - from.chunkStartMs, 0, { events: 0, at: '' });
      const done = await runStream({
        stream, from, untilMs: historyEnd, batchSize: 2000, send, truth, checkpoint, signal,
        onBatch: (p) => bar.update(p.position.chunkStartMs - from.chunkStartMs, { events: p.validEvents.toLocaleString('en'), at: new Date(p.position.chunkStartMs).toISOString().slice(0, 16) }),
      });
      bar.stop();
      say(`history: ${done.validEvents.toLocaleString('en')} events sent; now selling live`);
      if (signal.aborted) return;
      await runStream({ stream, from: done.position, untilMs: Infinity, batchSize: 2000, send, truth, checkpoint, signal });
    } else {
      await runStream({ stream, from, untilMs: Infinity, batchSize: 2000, send, truth, checkpoint, signal });
    }
  } catch (err) {
    if (!signal.aborted) say(`generator stopped: ${(err as Error).message} (a restart resumes where it stopped)`);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await truth.close();
  }
}

/**
 * The dashboard (apps/dashboard's serve command): a production build, made once and reused while
 * its sources are unchanged (a fingerprint of them is kept in the data folder). It connects as the
 * read-only role: on our embedded Postgres we set that role's password; on yours, give it in
 * HITBOARD_READER_PASSWORD.
 */
async function prepareDashboard(options: Options, data: string, databaseUrl: string, readerPassword: string | undefined): Promise<{ env: Record<string, string>; signInUrl: string } | null> {
  const dir = join(ROOT, 'apps/dashboard');
  const serve = join(dir, 'src/serve.ts');
  if (!readerPassword) {
    say('no dashboard: with your own DATABASE_URL, set HITBOARD_READER_PASSWORD (the password of the hitboard_reader role)');
    return null;
  }
  const stamp = join(data, 'dashboard-build.sha256');
  const fingerprint = sourceFingerprint(dir, [join(ROOT, 'package-lock.json')]);
  if (!buildIsCurrent(stamp, join(dir, '.next/BUILD_ID'), fingerprint)) {
    say('building the dashboard (a production build, once; reused while its sources are unchanged)…');
    const built = spawnSync(process.execPath, ['--require', 'tsx/cjs', serve, '--rebuild', '--build-only'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
    if (built.status !== 0) throw new Error('the dashboard build failed (see above)');
    recordBuild(stamp, fingerprint);
  }
  const signIn = dashboardSignIn(data, options.dashboardPort);
  return {
    env: { DATABASE_URL: databaseUrl, HITBOARD_READER_PASSWORD: readerPassword, PORT: String(options.dashboardPort), DASHBOARD_HOST: '127.0.0.1', REPORTING_TIME_ZONE: options.zone, ...signIn.env },
    signInUrl: signIn.signInUrl,
  };
}

/** SIGTERM to a process group (a wrapper and what it started), SIGKILL to what is left after 30 s; its pid file goes. */
async function stopGroupOf(pgid: number, pids: PidFiles, name: string): Promise<void> {
  await stopGroup(pgid, 30_000);
  pids.forget(name);
}

async function printTop10(db: Knex, registry: IntervalRegistry): Promise<void> {
  const hour = registry.windowAt('hour', clock.now());
  const rows = await db(VIEWS.top1000)
    .join(TABLES.products, `${VIEWS.top1000}.product_id`, `${TABLES.products}.product_id`)
    .where({ interval: 'hour', metric: 'units' })
    .andWhere('window_start', hour.start)
    .andWhere('rank', '<=', 10)
    .orderBy('rank')
    .select('rank', `${VIEWS.top1000}.product_id`, 'name', 'units', 'revenue_cents', 'error_bound', 'source');
  if (!rows.length) return say(`no sales yet in the hour from ${hour.start.toISOString()}`);
  const first = rows[0] as { source: string };
  const lines = rows.map((r: { rank: number; product_id: string; name: string; units: bigint; revenue_cents: bigint; error_bound: bigint }) =>
    `  ${String(r.rank).padStart(2)}. ${r.product_id} ${r.name.padEnd(28)} ${String(r.units).padStart(7)} units ±${r.error_bound}  $${(Number(r.revenue_cents) / 100).toFixed(2)}`,
  );
  say(`hour from ${hour.start.toISOString()} (${first.source}):\n${lines.join('\n')}`);
}

runMain(main);
