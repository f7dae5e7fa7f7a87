/**
 * The whole system on the embedded default, as `npm start` runs it: embedded Postgres, its own
 * Kafka broker, aggregator, speed pipeline, rollup scheduler and dashboard as separate processes.
 * Run 1 fills two days of history and sells live; Ctrl-C; run 2 resumes with no more sales. Then
 * `verify` over the dashboard's API: every closed, rolled-up window exact, every open one within
 * its bounds, against the generator's ground truth — nothing lost or doubled across the restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findFreePort } from '@hitboard/db';
import { describeKafka } from '@hitboard/testkit';
import { DashboardApi, formatReport, GroundTruth, verify, type WindowReport } from '@hitboard/verify';

const ROOT = resolve(__dirname, '../../..');

function start(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'tools/dev/src/start.ts'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return { child, output: () => out, exited: new Promise((r) => child.once('exit', r)) };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, log: () => string, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${log().slice(-4000)}`);
    if (child && child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}) while waiting for ${what}:\n${log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
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
    if (running && running.child.exitCode === null) {
      process.kill(-running.child.pid!, 'SIGINT');
      await running.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('history, live sales, Ctrl-C and resume: verify passes through the API (closed windows exact, open ones within bounds)', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_PORT: String(await findFreePort()), KAFKA_CONTROLLER_PORT: String(await findFreePort()), REPORTING_TIME_ZONE: 'UTC' };
    for (const v of ['KAFKA_BROKERS', 'DATABASE_URL', 'LAKE_DIR', 'HITBOARD_READER_PASSWORD']) delete env[v];
    const dashboardPort = await findFreePort();
    const common = ['--data', join(dir, 'data'), '--history', '2d', '--history-rate', '0.05', '--products', '30', '--pg-port', String(await findFreePort()), '--ops-port', String(await findFreePort()), '--dashboard-port', String(dashboardPort)];

    // Run 1: history, then a little live traffic, then Ctrl-C (SIGINT to the process group, as a terminal sends it).
    running = start([...common, '--rate', '5'], env);
    await until('history to be sent', () => /now selling live/.test(running!.output()), 900_000, running.output, running.child);
    await new Promise((r) => setTimeout(r, 10_000));
    process.kill(-running.child.pid!, 'SIGINT');
    expect(await running.exited).toBe(0);

    // Run 2: resumes (no more sales), rollups catch up.
    running = start([...common, '--rate', '0'], env);
    await until('the first exact window', () => /first exact window rolled up/.test(running!.output()), 600_000, running.output, running.child);
    const truthPath = join(dir, 'data/generator/ground-truth.ndjson');
    const api = new DashboardApi(`http://127.0.0.1:${dashboardPort}`);
    let reports: WindowReport[] = [];
    // The rollups and the speed layer settle: verify until it passes (or time runs out, then show why).
    await until(
      'verify to pass',
      async () => {
        const truth = await GroundTruth.load(truthPath);
        try {
          reports = (await verify(api, truth, { metrics: ['units', 'revenue'], k: 1000 })).reports;
        } catch {
          return false;
        } finally {
          truth.close();
        }
        const closedDays = reports.filter((r) => r.interval === 'day' && r.source === 'batch').length;
        return reports.every((r) => r.ok) && closedDays >= 2;
      },
      600_000,
      () => `${running!.output()}\n${formatReport(reports, 'UTC')}`,
    );
    expect(running.output()).toMatch(/generator: resuming after/);
    const bySource = (s: string) => reports.filter((r) => r.source === s);
    expect(bySource('batch').length).toBeGreaterThan(20); // closed hours and days, exact
    expect(bySource('speed').length).toBeGreaterThan(0); // the open hour / week / month, within bounds
    expect(reports.every((r) => r.ok)).toBe(true);
    process.kill(-running.child.pid!, 'SIGINT');
    expect(await running.exited).toBe(0);
  });
});
