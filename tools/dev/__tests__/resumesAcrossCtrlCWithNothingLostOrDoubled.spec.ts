/**
 * `npm start` as a user runs it, twice, with Ctrl-C in between (SIGINT to its whole process group,
 * as a terminal sends it): history, then live sales, stop, resume. Afterwards the lake (ledger-listed
 * files, what the batch layer reads) holds exactly the ground truth the generator recorded: each
 * acknowledged event once, nothing generated twice, nothing lost across the stop.
 * Its own broker (KAFKA_PORT) and a fresh test database (DATABASE_URL), so it shares nothing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findFreePort } from '@hitboard/db';
import { chosenClockEnv } from '@hitboard/runtime';
import { readLakeSums } from '@hitboard/lake';
import { Kafka, logLevel } from 'kafkajs';
import { TOPICS, type SaleEvent } from '@hitboard/schema';
import { describeKafka, freshDatabase, startAppProcess, waitFor, waitForIngestCaughtUp, type FreshDatabase } from '@hitboard/testkit';
import { comparableSums, sumsByHourAndProduct } from '@hitboard/testkit/lake-sums';

const ROOT = resolve(__dirname, '../../..');

/**
 * Runs npm start; once its output matches `stopWhen`, waits for `beforeCtrlC()` (a state, not a guess of
 * how long it takes) and sends Ctrl-C.
 */
async function run(args: string[], env: NodeJS.ProcessEnv, stopWhen: RegExp, beforeCtrlC: () => Promise<void>): Promise<string> {
  const app = startAppProcess({ name: 'npm start', cwd: ROOT, args: ['tools/dev/src/start.ts', ...args], env, loader: 'require', keepLines: 100_000 });
  const timer = setTimeout(() => app.signal('SIGKILL'), 240_000);
  try {
    await app.lineMatching(stopWhen, 240_000);
    await beforeCtrlC();
    app.signal('SIGINT');
    const { code, signal } = await app.finished();
    if (code !== 0) throw new Error(`npm start exited ${code ?? signal}`);
    return app.output();
  } catch (err) {
    app.signal('SIGKILL');
    throw new Error(`${(err as Error).message}:\n${app.output().slice(-3000)}`);
  } finally {
    clearTimeout(timer);
  }
}

describeKafka('npm start across Ctrl-C and restart', () => {
  jest.setTimeout(600_000);
  let db: FreshDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await freshDatabase();
    dir = mkdtempSync(join(tmpdir(), 'hb-start-'));
  });
  afterAll(async () => {
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('resumes the generator where it stopped, and the lake equals the ground truth exactly', async () => {
    const kafkaPort = await findFreePort();
    const lakeDir = join(dir, 'lake');
    // Both runs on one clock started at a Wednesday afternoon: the generator's daily cycle sells the same at any real hour.
    const env: NodeJS.ProcessEnv = { ...process.env, ...chosenClockEnv('2099-11-18T15:00:00Z').env, DATABASE_URL: db.url, LAKE_DIR: lakeDir, KAFKA_PORT: String(kafkaPort), KAFKA_CONTROLLER_PORT: String(await findFreePort()) };
    delete env['KAFKA_BROKERS'];
    const ops = String(await findFreePort());
    const args = ['--data', join(dir, 'data'), '--history', '2h', '--history-rate', '2', '--rate', '30', '--products', '40', '--ops-port', ops];

    const truthPath = join(dir, 'data/generator/ground-truth.ndjson');
    const truthLines = () => readFileSync(truthPath, 'utf8').split('\n').length;
    // Ctrl-C once 150 live sales (5 s at --rate 30) are in the ground truth since the moment that was printed,
    // and the aggregator has caught up with the topic (npm start's stop does not drain it: what it has not read
    // by then waits in Kafka for the next run, and the lake is compared after the last one).
    const kafka = new Kafka({ brokers: [`127.0.0.1:${kafkaPort}`], logLevel: logLevel.NOTHING });
    const after150More = async () => {
      const from = truthLines();
      await waitFor('150 more live sales in the ground truth', async () => truthLines() >= from + 150, 120_000, 250);
      await waitForIngestCaughtUp(db.knex, kafka, TOPICS.salesEvents, 120_000);
    };
    const first = await run(args, env, /now selling live/, after150More);
    expect(first).toMatch(/history: [\d,]+ events sent/);
    expect(first).toMatch(/stopped/);
    const afterFirst = readFileSync(truthPath, 'utf8').trim().split('\n').length;

    const second = await run(args, env, /generator: resuming after/, after150More);
    expect(second).toMatch(/generator: resuming after [\d,]+ events/);
    expect(second).toMatch(/stopped/);

    const truth = readFileSync(truthPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SaleEvent);
    expect(truth.length).toBeGreaterThan(afterFirst); // the second run sold more
    const ids = new Set(truth.map((e) => e.event_id));
    expect(ids.size).toBe(truth.length); // a graceful stop leaves no batch to re-send: nothing generated twice

    const lake = await readLakeSums(db.knex, lakeDir);
    expect(comparableSums(lake)).toEqual(comparableSums(sumsByHourAndProduct(truth)));
    expect(existsSync(join(dir, 'data/generator/checkpoint.json'))).toBe(true);
  });
});
