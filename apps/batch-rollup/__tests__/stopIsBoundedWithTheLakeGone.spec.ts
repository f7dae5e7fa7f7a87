/**
 * Issue 29: a stop is bounded with the S3 lake unreachable. The real main.ts (a child process) reads
 * and writes the lake through S3 (LAKE_URL, S3Proxy) behind a proxy that is frozen mid-catch-up (S3
 * requests hang, as with a stopped or partitioned endpoint); SIGTERM must end with exit 0 within the
 * stop bound, naming what it left, and the next start builds every window exactly.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLakeStore, type LakeStore } from '@hitboard/lake';
import { TABLES } from '@hitboard/schema';
import { startAppProcess, startTcpProxy, startTestS3, waitFor, type AppProcess, type TcpProxy, type TestS3 } from '@hitboard/testkit';
import { batchRows, expectedWindow, H, randomCells, scenario, setWatermark, writeFlush, type Scenario } from './support';

const t0 = Date.parse('2026-02-10T00:00:00Z');
const HOURS = 24;

describe('a stop is bounded with the S3 lake gone', () => {
  let s3: TestS3;
  let s: Scenario;
  let lake: LakeStore;
  let proxy: TcpProxy;
  const apps: AppProcess[] = [];
  beforeAll(async () => (s3 = await startTestS3()), 600_000);
  afterAll(() => s3?.destroy());
  beforeEach(async () => {
    s = await scenario('UTC');
    const endpoint = new URL(s3.endpoint);
    proxy = await startTcpProxy({ host: endpoint.hostname, port: Number(endpoint.port) });
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.stop()));
    await lake?.close();
    await proxy.close();
    await s.close();
  });

  it('SIGTERM mid-pass with S3 hanging: exits 0 within the bound saying what it left; the next start builds every window exactly', async () => {
    const prefix = `stop-${s.db.name}`;
    const lakeEnv = (endpoint: string) => {
      const env = s3.env(prefix, mkdtempSync(join(tmpdir(), 'rollup-s3-cache-')));
      return { ...env, AWS_ENDPOINT_URL_S3: endpoint };
    };
    lake = openLakeStore(lakeEnv(s3.endpoint));
    s.lake = lake;
    const cells = randomCells(29, t0, t0 + HOURS * H, 40 * HOURS, 40);
    for (let h = 0; h < HOURS; h++) await writeFlush(s, cells.filter((c) => c.minuteStartMs >= t0 + h * H && c.minuteStartMs < t0 + (h + 1) * H));
    await setWatermark(s, t0 + (HOURS + 2) * H);

    const start = (name: string, endpoint: string) => {
      const app = startAppProcess({
        name,
        cwd: join(__dirname, '..'),
        args: ['src/main.ts'],
        env: { ...process.env, ...lakeEnv(endpoint), DATABASE_URL: s.db.url, TOPIC_EVENTS: s.topic, REPORTING_TIME_ZONE: 'UTC', OPS_PORT: '0', LOG_LEVEL: 'info', ROLLUP_CONCURRENCY: '1', STOP_BOUND_MS: '8000' },
      });
      apps.push(app);
      return app;
    };
    const succeeded = async () => Number((await s.knex(TABLES.rollupRuns).where({ status: 'succeeded' }).count<Array<{ count: string }>>('* as count'))[0]!.count);

    const first = start('stopped while S3 hangs', `http://127.0.0.1:${proxy.port}`);
    await waitFor('the catch-up pass to have built a window', async () => (await succeeded()) > 0, 60_000);
    proxy.freeze();
    await first.stop();
    expect(await first.finished()).toEqual({ code: 0, signal: null });
    expect(first.output()).not.toMatch(/stop bound reached/);
    expect(first.output()).toMatch(/stop: the scheduler pass did not finish/);

    const next = start('next start', s3.endpoint);
    const windows = [...Array.from({ length: HOURS }, (_, h) => s.registry.windowAt('hour', t0 + h * H)), s.registry.windowAt('day', t0)];
    await waitFor('every hour and the day to be built', async () => {
      const built = await s.knex(TABLES.rollupRuns).where({ status: 'succeeded' }).whereIn('interval', ['hour', 'day']).countDistinct<Array<{ count: string }>>({ count: ['interval', 'window_start'] });
      return Number(built[0]!.count) === HOURS + 1;
    }, 120_000);
    for (const w of windows) expect(await batchRows(s, w)).toEqual(expectedWindow(cells, w, new Map()).rows);
    await next.stop();
    expect(await next.finished()).toEqual({ code: 0, signal: null });
  }, 240_000);
});
