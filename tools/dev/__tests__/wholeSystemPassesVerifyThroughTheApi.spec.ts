/**
 * The whole system on the embedded default, as `npm start` runs it: embedded Postgres, its own
 * Kafka broker, aggregator, speed pipeline, rollup scheduler and dashboard as separate processes.
 * Run 1 fills two days of history and sells live; Ctrl-C; run 2 resumes with no more sales. Then
 * `verify` over the dashboard's API: every closed, rolled-up window exact, every open one within
 * its bounds, against the generator's ground truth — nothing lost or doubled across the restart.
 * Then an export with rows for a day already rolled up is imported (twice: the repeat is skipped);
 * after a restart the rebuilt windows match the ground truth plus the imported rows exactly.
 *
 * A deployment as a user would configure one, not the defaults: topic names with a `prod.` prefix and
 * the reporting zone Asia/Kolkata (hours start at :30 UTC). Nothing depends on the time of day the test
 * runs at: the day it imports into is one the system has already rolled up, taken from verify's reports.
 */
import { dataFolderSecret } from '@hitboard/runtime';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findFreePort } from '@hitboard/db';
import { createDb } from '@hitboard/db-client';
import { describeKafka, startAppProcess, waitFor, waitForIngestCaughtUp, type AppProcess } from '@hitboard/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { DashboardApi, formatReport, GroundTruth, verify, type WindowReport } from '@hitboard/verify';

const ROOT = resolve(__dirname, '../../..');

/** The token in the dashboard's sign-in link npm start printed. */
function signInToken(output: string): string {
  const link = /dashboard \(sign-in link\): http:\/\/\S+\?token=(\S+)/.exec(output);
  if (!link) throw new Error(`npm start printed no sign-in link:\n${output.slice(-2000)}`);
  return link[1]!;
}
const ZONE = 'Asia/Kolkata';
const SETTINGS = { REPORTING_TIME_ZONE: ZONE, TOPIC_EVENTS: 'prod.sales.events', TOPIC_DLQ: 'prod.sales.events.dlq', TOPIC_PRODUCT_SUMS: 'prod.sales.product-sums' };

/** `npm start` (tools/dev/src/start.ts) as the test kit's app process: its own process group, as a terminal runs it. */
function start(args: string[], env: NodeJS.ProcessEnv): AppProcess {
  return startAppProcess({ name: 'npm start', cwd: ROOT, args: ['tools/dev/src/start.ts', ...args], env, loader: 'require', keepLines: 100_000 });
}

/** The test kit's waitFor (every second), failing at once when npm start exits; the message ends with `log()`'s tail. */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, log: () => string, app?: AppProcess): Promise<void> {
  await waitFor(
    what,
    async () => {
      if (app && !app.running()) throw new Error(`npm start exited (${JSON.stringify(await app.finished())}) while waiting for ${what}`);
      return check();
    },
    timeoutMs,
    1000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}:\n${log().slice(-4000)}`);
  });
}

describeKafka('the whole system', () => {
  jest.setTimeout(1_200_000);
  let dir: string;
  let running: ReturnType<typeof start> | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hb-system-'));
    chmodSync(dir, 0o755); // embedded Postgres runs as the 'postgres' user when we are root
  });
  afterAll(async () => {
    if (running?.running()) {
      running.signal('SIGINT');
      await running.finished();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('history, live sales, Ctrl-C and resume: verify passes through the API (closed windows exact, open ones within bounds)', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_PORT: String(await findFreePort()), KAFKA_CONTROLLER_PORT: String(await findFreePort()), ...SETTINGS };
    for (const v of ['KAFKA_BROKERS', 'DATABASE_URL', 'LAKE_DIR', 'HITBOARD_READER_PASSWORD', 'HITBOARD_TOKEN']) delete env[v];
    const dashboardPort = await findFreePort();
    const common = ['--data', join(dir, 'data'), '--history', '2d', '--history-rate', '0.05', '--products', '30', '--pg-port', String(await findFreePort()), '--ops-port', String(await findFreePort()), '--dashboard-port', String(dashboardPort)];

    // Run 1: history, then a little live traffic, then Ctrl-C (SIGINT to the process group, as a terminal sends it).
    running = start([...common, '--rate', '5'], env);
    await until('history to be sent', () => /now selling live/.test(running!.output()), 900_000, running.output, running);
    const truthLines = () => readFileSync(join(dir, 'data/generator/ground-truth.ndjson'), 'utf8').split('\n').length;
    const historyLines = truthLines();
    await until('some live sales in the ground truth (20 at --rate 5)', () => truthLines() >= historyLines + 20, 120_000, running.output, running);
    running.signal('SIGINT');
    expect((await running.finished()).code).toBe(0);

    // Run 2: resumes (no more sales), rollups catch up.
    running = start([...common, '--rate', '0'], env);
    await until('the first exact window', () => /first exact window rolled up/.test(running!.output()), 600_000, running.output, running);
    const truthPath = join(dir, 'data/generator/ground-truth.ndjson');
    // The dashboard wants sign-in: the token is the one in the link npm start printed.
    await expect(new DashboardApi(`http://127.0.0.1:${dashboardPort}`, undefined).intervals()).rejects.toThrow(/HTTP 401/);
    let api = new DashboardApi(`http://127.0.0.1:${dashboardPort}`, signInToken(running.output()));
    // Verify through the API until it passes and `settled` holds (or time runs out, then show why).
    const verifyUntil = async (what: string, truth: string, settled: (reports: WindowReport[]) => boolean): Promise<WindowReport[]> => {
      let reports: WindowReport[] = [];
      await until(
        what,
        async () => {
          const groundTruth = await GroundTruth.load(truth);
          try {
            reports = (await verify(api, groundTruth, { metrics: ['units', 'revenue'], k: 1000 })).reports;
          } catch {
            return false;
          } finally {
            groundTruth.close();
          }
          return reports.every((r) => r.ok) && settled(reports);
        },
        600_000,
        () => `${running!.output()}\n${formatReport(reports, ZONE)}`,
        running!,
      );
      return reports;
    };
    // The rollups and the speed layer settle.
    let reports = await verifyUntil('verify to pass', truthPath, (rs) => rs.filter((r) => r.interval === 'day' && r.source === 'batch').length >= 2);
    expect(running.output()).toMatch(/generator: resuming after/);
    // Each app logged in to the embedded Postgres as its own role, none as the owner (pools close idle
    // connections: watch pg_stat_activity until every app has been seen).
    const pgPort = common[common.indexOf('--pg-port') + 1];
    const owner = createDb(`postgres://postgres:${encodeURIComponent(dataFolderSecret(join(dir, 'data'), 'postgres-password'))}@127.0.0.1:${pgPort}/postgres`);
    const rolesSeen = new Map<string, Set<string>>();
    const apps = { 'hitboard-aggregator': 'hitboard_aggregator', 'hitboard-speed-pipeline': 'hitboard_speed', 'hitboard-batch-rollup': 'hitboard_batch', 'hitboard-notifier': 'hitboard_notifier', 'hitboard-dashboard': 'hitboard_reader' };
    try {
      await until(
        'every app to be seen connected',
        async () => {
          const rows = (await owner.raw(`SELECT DISTINCT application_name, usename FROM pg_stat_activity WHERE application_name LIKE 'hitboard-%'`)).rows as { application_name: string; usename: string }[];
          for (const r of rows) rolesSeen.set(r.application_name, new Set([...(rolesSeen.get(r.application_name) ?? []), r.usename]));
          return Object.keys(apps).every((app) => rolesSeen.has(app));
        },
        300_000,
        () => JSON.stringify([...rolesSeen].map(([app, roles]) => [app, [...roles]])),
      );
    } finally {
      await owner.destroy();
    }
    for (const [app, role] of Object.entries(apps)) expect([app, [...rolesSeen.get(app)!]]).toEqual([app, [role]]);
    const bySource = (s: string) => reports.filter((r) => r.source === s);
    expect(bySource('batch').length).toBeGreaterThan(20); // closed hours and days, exact
    expect(bySource('speed').length).toBeGreaterThan(0); // the open hour / week / month, within bounds
    expect(reports.every((r) => r.ok)).toBe(true);

    // Import history for a day already rolled up (the latest exact day verify saw, whatever the time now),
    // with two bad rows; then restart, so the scheduler's catch-up rebuilds the dirty windows at once.
    const exactDays = reports.filter((r) => r.interval === 'day' && r.source === 'batch').map((r) => r.windowStart.getTime());
    const dayStartMs = Math.max(...exactDays);
    const dayIso = new Date(dayStartMs).toISOString();
    const imported = Array.from({ length: 40 }, (_, i) => ({
      event_id: `import-${i}`, order_id: `io-${i}`, product_id: `P${String(1 + (i % 30)).padStart(6, '0')}`, quantity: 1 + (i % 3), unit_price_cents: 999,
      // Inside the local day: its start plus i % 24 hours and 15 minutes (Asia/Kolkata has no DST).
      currency: 'USD', occurred_at: new Date(dayStartMs + (i % 24) * 3_600_000 + 15 * 60_000).toISOString(), store_id: 's-1', user_id: 'u-1', channel: 'web',
    }));
    const csvPath = join(dir, 'export.csv');
    const header = Object.keys(imported[0]!).join(',');
    writeFileSync(csvPath, [header, ...imported.map((e) => Object.values(e).join(',')), 'bad-1,o,P000001,-2,999,USD,2026-01-01T00:00:00Z,s,u,web', 'bad-2,o,P000001,1,999,EUR,2026-01-01T00:00:00Z,s,u,web'].join('\n') + '\n');
    const importEnv = { ...env, DATABASE_URL: `postgres://postgres:${encodeURIComponent(dataFolderSecret(join(dir, 'data'), 'postgres-password'))}@127.0.0.1:${pgPort}/postgres`, KAFKA_BROKERS: `127.0.0.1:${env['KAFKA_PORT']}` };
    const importRun = () =>
      spawnSync(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'tools/import/src/cli.ts'), csvPath, '--topic', SETTINGS.TOPIC_EVENTS], { cwd: ROOT, env: importEnv, encoding: 'utf8' });
    const first = importRun();
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/sent to Kafka\s+40/);
    expect(first.stdout).toMatch(/refused\s+2/);
    expect(importRun().stdout).toMatch(/already imported/);
    // The imported sales in the lake: the ledger has reached the end of the events topic.
    const kafka = new Kafka({ brokers: [importEnv.KAFKA_BROKERS], logLevel: logLevel.NOTHING });
    const ledger = createDb(importEnv.DATABASE_URL);
    try {
      await waitForIngestCaughtUp(ledger, kafka, SETTINGS.TOPIC_EVENTS, 300_000);
    } finally {
      await ledger.destroy();
    }
    running.signal('SIGINT');
    expect((await running.finished()).code).toBe(0);

    const withImport = join(dir, 'truth-with-import.ndjson');
    writeFileSync(withImport, readFileSync(truthPath, 'utf8') + imported.map((e) => JSON.stringify(e)).join('\n') + '\n');
    running = start([...common, '--rate', '0'], env);
    // A new run, a new token.
    await until('the sign-in link', () => /\?token=/.test(running!.output()), 600_000, running.output, running);
    api = new DashboardApi(`http://127.0.0.1:${dashboardPort}`, signInToken(running.output()));
    reports = await verifyUntil('verify to pass with the imported day rebuilt', withImport, (rs) =>
      rs.some((r) => r.interval === 'day' && r.windowStart.toISOString() === dayIso && r.source === 'batch'),
    );
    running.signal('SIGINT');
    expect((await running.finished()).code).toBe(0);
  });
});
