import { clock, pollUntil } from '@hitboard/runtime';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { createDb } from '@hitboard/db-client';
import { appRoleUrls, migrateLatest, setReaderPassword } from '@hitboard/db';
import { createKafka, createProducer, DLQ_TOPIC_CONFIG } from '@hitboard/kafka';
import { openLakeStore } from '@hitboard/lake';
import { makeCatalog, seededRandom } from '@hitboard/generator';
import { ACCESS_TOKEN_ENV, newAccessToken, newSessionSecret, tokenSha256, writeAccessFile } from '@hitboard/access';
import { TABLES, TOPICS } from '@hitboard/schema';
import type { Knex } from 'knex';
import { SalesDriver } from './driver';
import { Cluster, PostgresHost, S3Server } from './infra';
import { Observer, type Check, type Topics } from './invariants';
import { Layout, lakeEnv, type LayoutOptions } from './layout';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultResult, Scenario, ScenarioContext } from './scenarios';

export interface SuiteOptions {
  seed: number;
  scenarios: Array<[string, Scenario]>;
  dataDir: string;
  clusterEnv: NodeJS.ProcessEnv;
  pgPort: number;
  opsPortBase: number;
  dashboardPort: number | null;
  /**
   * The lake every app shares: 's3' (the run's own S3 server, a fresh prefix per run), 'local' (a fresh
   * folder per run), or a folder / s3://bucket/prefix of the caller's (AWS_* from the environment).
   */
  lake: string;
  /** The port of the run's own S3 server (lake 's3'). */
  s3Port: number;
  products: number;
  historyHours: number;
  historyRate: number;
  liveRate: number;
  allowedLatenessMs: number;
  /** Settle and check the invariants after every scenario (else once, after the last: the quick form). */
  settleEach: boolean;
  /** Target of "fault end → lag zero". */
  recoveryTargetMs: number;
  say(msg: string): void;
}

export interface ScenarioReport {
  name: string;
  ok: boolean;
  /** Fault end → the speed layer caught up with everything produced by then (null: never, or not measured). */
  recoveryMs: number | null;
  /** Fault end → the ledger held every events offset of then (the first part of recoveryMs). */
  ledgerMs: number | null;
  /** What the recovery waits on when it misses the target (the scenario's own account; see docs/CHAOS.md for measurements). */
  slowBecause: string | null;
  checks: Check[];
  notes: string[];
  durationMs: number;
}

const SESSION_TIMEOUT_MS = 6000;

/** The dashboard's API token: $HITBOARD_TOKEN (so tools pointed at this run need nothing else), or one made for the process. */
let madeToken: string | undefined;
const dashboardToken = () => process.env[ACCESS_TOKEN_ENV] || (madeToken ??= newAccessToken());

/** Who may sign in to the run's dashboard: its token only, in an access file in the run folder; a fresh session secret. */
function dashboardAccess(runDir: string, port: number, opsPort: number, readerPassword: string): NonNullable<LayoutOptions['dashboard']> {
  const accessFile = join(runDir, 'dashboard-access.json');
  writeAccessFile(accessFile, { tokens: [{ name: 'chaos', sha256: tokenSha256(dashboardToken()) }] });
  return { port, opsPort, readerPassword, accessFile, sessionSecret: newSessionSecret() };
}

/** The sizes and ports of a run: the full suite, or the short CI form (less history and traffic). */
export function suiteDefaults(quick: boolean, dataDir: string): Omit<SuiteOptions, 'seed' | 'scenarios' | 'say' | 'dashboardPort'> {
  const shift = chaosPortShift();
  return {
    dataDir,
    clusterEnv: process.env,
    // The full suite shares an S3 lake, as machines would; the CI form a folder (one JVM fewer, within its 5 minutes).
    lake: quick ? 'local' : 's3',
    s3Port: 29400 + shift,
    pgPort: 9699 + shift,
    opsPortBase: 9600 + shift,
    products: 200,
    historyHours: quick ? 2 : 3,
    historyRate: quick ? 2 : 3,
    liveRate: quick ? 10 : 20,
    allowedLatenessMs: 10_000,
    recoveryTargetMs: 10_000,
    settleEach: !quick,
  };
}
/** CHAOS_PORT_SHIFT moves the suite's own ports (S3, Postgres, the apps' ops ports) by that much: two runs on one host. */
export function chaosPortShift(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['CHAOS_PORT_SHIFT'] ?? '0';
  const shift = Number(raw);
  if (!Number.isInteger(shift) || shift < 0 || shift > 30_000) throw new Error(`CHAOS_PORT_SHIFT must be an integer from 0 to 30000, got '${raw}'`);
  return shift;
}
const fmt = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);

/**
 * One run of the chaos suite: a fresh database and lake and freshly created topics on the
 * three-broker cluster, the two-machine layout, the generator with its ground truth, then each
 * scenario in turn: fault while sales flow, recovery timed (fault end → everything produced by then
 * in the ledger and through the speed layer), generator paused, settle, invariants, one verdict line.
 */
export async function runSuite(o: SuiteOptions): Promise<ScenarioReport[]> {
  const say = o.say;
  const runDir = join(o.dataDir, `run-${o.seed}-${clock.now()}`);
  mkdirSync(runDir, { recursive: true });
  say(`seed ${o.seed}; run folder ${runDir}; scenarios: ${o.scenarios.map(([n]) => n).join(', ')}`);
  const cleanups: Array<() => Promise<void> | void> = [];
  const reports: ScenarioReport[] = [];
  const cleanUp = async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch((err: Error) => say(`cleanup: ${err.message}`));
  };
  // Ctrl-C mid-run: stop the apps, the cluster, Postgres and S3 this run started, not leave them running.
  const interrupted = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping everything this run started`);
    void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    const cluster = new Cluster(o.clusterEnv);
    const t0 = clock.now();
    await cluster.start();
    if (cluster.startedHere) cleanups.push(() => cluster.stop());
    say(`cluster ready in ${fmt(clock.now() - t0)}`);
    const brokers = cluster.bootstrap();

    const postgres = new PostgresHost(join(o.dataDir, 'postgres'), o.pgPort);
    const superUrl = await postgres.start();
    cleanups.push(() => postgres.stop());
    const dbName = `chaos_${o.seed}_${clock.now()}`;
    const admin0 = createDb(superUrl);
    await admin0.raw(`CREATE DATABASE ${dbName}`);
    await admin0.destroy();
    const databaseUrl = superUrl.replace(/\/[^/]*$/, `/${dbName}`);
    let db: Knex = createDb(databaseUrl, { pool: { min: 0, max: 4 } });
    cleanups.push(() => db.destroy());
    await migrateLatest(db);
    const readerPassword = 'chaos-reader';
    await setReaderPassword(db, readerPassword);
    // Each service connects as its own least-privilege role, as npm start and a deployment run them.
    const roleUrls = await appRoleUrls(db, databaseUrl);
    const catalog = makeCatalog(o.products, 1);
    await db(TABLES.products).insert(catalog.map(({ product_id, name, category }) => ({ product_id, name, category }))).onConflict('product_id').merge();

    const kafka: Kafka = createKafka({ brokers, clientId: 'chaos', logLevel: 'nothing' });
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    // The apps read the default topic names (the rollups have no topic setting): a run recreates them fresh.
    const topics: Topics = { events: TOPICS.salesEvents, dlq: TOPICS.salesEventsDlq, sums: TOPICS.productSums };
    const recreateTopic = async (topic: string) => {
      const existing = await admin.listTopics();
      if (existing.includes(topic)) {
        await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
        for (let i = 0; i < 100 && (await admin.listTopics()).includes(topic); i++) await sleep(200);
      }
      const configEntries = [{ name: 'min.insync.replicas', value: '2' }, ...(topic === topics.dlq ? DLQ_TOPIC_CONFIG : [])];
      // Kafka may still be removing the old one for a moment: retry the create.
      for (let i = 0; ; i++) {
        try {
          await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: topic === topics.dlq ? 1 : 6, replicationFactor: 3, configEntries }] });
          return;
        } catch (err) {
          if (i >= 20) throw err;
          await sleep(500);
        }
      }
    };
    for (const t of [topics.events, topics.dlq, topics.sums]) await recreateTopic(t);

    let s3: S3Server | null = null;
    let lake: { location: string; env: Record<string, string> };
    if (o.lake === 's3') {
      const server = (s3 = new S3Server(join(o.dataDir, 's3'), o.s3Port));
      const t3 = clock.now();
      await server.start();
      cleanups.push(() => server.stop());
      const env = server.lakeEnv(`run-${o.seed}-${clock.now()}`);
      lake = { location: `${env['LAKE_URL']} on S3Proxy :${o.s3Port}`, env };
      say(`S3 server ready in ${fmt(clock.now() - t3)}: lake ${lake.location}`);
    } else {
      const value = o.lake === 'local' ? join(runDir, 'lake') : o.lake;
      lake = { location: value, env: lakeEnv(value) };
    }
    // The runner reads the lake as the rollups do (the lake module's reader, its own cache), to check it against the truth.
    const lakeReader = openLakeStore({ ...process.env, LAKE_URL: undefined, LAKE_DIR: undefined, ...lake.env, LAKE_CACHE_DIR: join(runDir, 'runner-lake-cache') });
    cleanups.push(() => lakeReader.close());

    const layout = new Layout({
      runDir,
      brokers,
      databaseUrl,
      roleUrls,
      lake,
      groupPrefix: `chaos-${o.seed}-${clock.now()}`,
      allowedLatenessMs: o.allowedLatenessMs,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      opsPortBase: o.opsPortBase,
      dashboard: o.dashboardPort ? dashboardAccess(runDir, o.dashboardPort, o.opsPortBase + 90, readerPassword) : null,
    });
    cleanups.push(() => layout.stop());
    const t1 = clock.now();
    await layout.start();
    say(`layout up in ${fmt(clock.now() - t1)}: ${layout.base.map((a) => `${a.name} pid ${a.pid} :${a.opsPort}`).join(', ')}`);
    if (layout.o.dashboard) say(`dashboard: sign in with http://127.0.0.1:${layout.o.dashboard.port}/?token=${dashboardToken()} (the API takes it as Bearer)`);

    const producer = createProducer(kafka, { allowAutoTopicCreation: false });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const now = clock.now();
    const historyFrom = now - o.historyHours * 3_600_000;
    const stream = SalesDriver.catalogStream(o.seed, catalog, historyFrom, o.historyRate, now, o.liveRate);
    const driver = new SalesDriver(stream, producer, topics.events, historyFrom, (err) => say(`generator: send failed, retrying (${err.message})`));
    cleanups.push(() => driver.pause());
    const observer = new Observer(kafka, admin, () => db, topics, `${layout.o.groupPrefix}-speed`, o.allowedLatenessMs);

    const random = seededRandom(o.seed);
    const ctx: ScenarioContext = { layout, cluster, postgres, s3, kafka, admin, driver, observer, db: () => db, topics, random, sessionTimeoutMs: SESSION_TIMEOUT_MS, say, recreateTopic };

    // History first, so the scenarios run with closed hours to check and live sales flowing.
    driver.resume();
    const t2 = clock.now();
    await pollUntil('the history to be sent', async () => driver.position.chunkStartMs >= now - 2000, { timeoutMs: Infinity, everyMs: 200 });
    say(`history sent in ${fmt(clock.now() - t2)}: ${driver.validEvents} valid events, ${driver.malformed.size} malformed`);

    for (const [index, [key, scenario]] of o.scenarios.entries()) {
      const started = clock.now();
      say(`── ${scenario.name} (${key}) at +${fmt(started - t0)}`);
      driver.resume();
      // A fault that could not be injected or undone fails its scenario; the run goes on to the next.
      const fault: FaultResult = await scenario.inject(ctx).catch((err: Error) => ({
        endedAtMs: clock.now(),
        notes: [`injection failed: ${err.message}`],
        checks: [{ name: 'fault injected and undone', ok: false, detail: err.message }],
      }));
      if (key === 'postgres-restart') {
        // The runner's own pool saw the server go away: a fresh one, as the apps' pools reconnect.
        await db.destroy();
        db = createDb(databaseUrl, { pool: { min: 0, max: 4 } });
      }
      const skip = new Set(fault.skip ?? []);
      let caught: { ledgerAtMs: number; speedAtMs: number } | null = null;
      if (!skip.has('lag')) caught = await observer.waitCaughtUp(await observer.logEnds(topics.events), 180_000);
      const sinceEnd = caught === null ? null : caught.speedAtMs - fault.endedAtMs;
      const missed = (ms: number | null) => !skip.has('lag') && (ms === null || ms > o.recoveryTargetMs);
      const ledgerSinceEnd = caught === null ? null : caught.ledgerAtMs - fault.endedAtMs;
      const checks: Check[] = [...(fault.checks ?? [])];
      if (fault.afterRecovery) {
        const later = await fault.afterRecovery().catch((err: Error) => ({ notes: [], checks: [{ name: 'checks after recovery', ok: false, detail: err.message }] }));
        fault.notes.push(...later.notes);
        checks.push(...later.checks);
      }
      if (!o.settleEach && index < o.scenarios.length - 1) {
        // Quick form: the next fault follows at once; the invariants are checked after the last one.
        say(`   fault: ${fault.notes.join('; ')}; recovery ${fmt(sinceEnd)} (ledger ${fmt(ledgerSinceEnd)}); invariants after the last scenario`);
        reports.push({ name: scenario.name, ok: checks.every((c) => c.ok), recoveryMs: sinceEnd, ledgerMs: ledgerSinceEnd, slowBecause: missed(sinceEnd) ? (scenario.slowBecause ?? null) : null, checks, notes: fault.notes, durationMs: clock.now() - started });
        continue;
      }
      // Settle: stop sending, let everything drain, then have a rollup scheduler run its catch-up pass now
      // (rather than wait for the next */5 tick) and wait for every closed hour.
      await driver.pause();
      if (!skip.has('lag')) {
        const drained = await observer.waitCaughtUp(await observer.logEnds(topics.events), 180_000);
        checks.push({ name: 'lag back to zero', ok: drained !== null, detail: drained === null ? 'ledger or speed group still behind after 180 s' : 'ledger at every partition end, speed group at every product-sums end' });
      }
      const nudge = layout.rollups[0]!;
      await nudge.stop();
      const before = nudge.output.length;
      nudge.start();
      await nudge.waitUp();
      // The scheduler marks windows dirty from the ledger's late files during a pass: only once a pass that
      // began after the drain has finished is "no dirty mark" a fact rather than a race.
      await pollUntil('a rollup pass to finish', async () => nudge.output.slice(before).includes('"msg":"pass finished"'), { timeoutMs: 240_000 }).catch(() => undefined);
      const closed = await observer.closedHours(driver);
      const notRolled = await observer.waitRolledUp(closed, 240_000);
      if (notRolled.length) checks.push({ name: 'closed windows rolled up', ok: false, detail: `${notRolled.length} closed hours without a succeeded, clean rollup: ${notRolled.map((h) => new Date(h).toISOString().slice(0, 13)).join(', ')}` });
      checks.push(await observer.checkClosedExact(driver, closed));
      if (!skip.has('tiling')) checks.push(await observer.checkTiling());
      if (!skip.has('dlq')) checks.push(await observer.checkDlq(driver));
      if (!skip.has('open')) checks.push(await observer.checkOpenBounds(driver, closed));
      if (!skip.has('lag')) {
        checks.push(await observer.checkLake(driver, lakeReader));
        checks.push(await observer.checkProductSums(driver));
      }
      const ok = checks.every((c) => c.ok);
      const report: ScenarioReport = { name: scenario.name, ok, recoveryMs: sinceEnd, ledgerMs: ledgerSinceEnd, slowBecause: missed(sinceEnd) ? (scenario.slowBecause ?? null) : null, checks, notes: fault.notes, durationMs: clock.now() - started };
      reports.push(report);
      for (const n of fault.notes) say(`   fault: ${n}`);
      for (const c of checks) say(`   ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
      const target = sinceEnd === null ? '' : sinceEnd <= o.recoveryTargetMs ? ' (within target)' : ` (target ${fmt(o.recoveryTargetMs)} missed${report.slowBecause ? `: ${report.slowBecause}` : ''})`;
      say(`   verdict: ${ok ? 'PASS' : 'FAIL'} — ${scenario.name}; recovery ${skip.has('lag') ? 'n/a (log refused)' : `${fmt(sinceEnd)} (ledger ${fmt(ledgerSinceEnd)}, then speed layer)`}${target}; ${driver.validEvents} events so far; scenario took ${fmt(report.durationMs)}; replay: --seed ${o.seed} --scenarios ${key}`);
    }
    return reports;
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    await cleanUp();
  }
}
