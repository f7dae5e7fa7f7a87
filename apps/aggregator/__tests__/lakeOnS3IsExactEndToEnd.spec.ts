import { clock } from '@hitboard/runtime';
/**
 * The lake on a real S3 server (S3Proxy): the aggregator flushes with LAKE_URL=s3://…, the batch layer
 * rolls those objects up through its local cache, and every figure is exact. Each app connects as its
 * own least-privilege role (migration 0009). Then the fault: the S3 server stopped while the aggregator
 * flushes, and brought back — the failed PUTs retry or reset like any flush failure, totals stay exact.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Knex } from 'knex';
import { RollupEngine, runWindow } from '@hitboard/batch-rollup';
import { setRolePassword } from '@hitboard/db';
import { createDb } from '@hitboard/db-client';
import { openLakeStore, readLakeSums, rollupFilePath, type LakeStore } from '@hitboard/lake';
import { APP_ROLES, CHANNEL_ALL, TABLES } from '@hitboard/schema';
import { IntervalRegistry } from '@hitboard/time';
import { startTestS3, type TestS3 } from '@hitboard/testkit';
import {
  createScenario,
  describeKafka,
  expectedSums,
  good,
  produce,
  saleEvent,
  startAggregator,
  waitFor,
  waitForLedgerCaughtUp,
  type Child,
  type Produced,
  type Scenario,
} from './support/harness';
import type { Sums } from '@hitboard/testkit/lake-sums';

const H = 3_600_000;
/** A fixed past day: history is late, not bad, and the test never depends on today's date. */
const DAY = Date.parse('2026-03-02T00:00:00Z');
const ROLE_PASSWORD = 'hitboard-app-role-test';

const plain = (m: Map<string, Sums>) =>
  Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, `${v.units}/${v.revenueCents}/${v.orders}`]));

/** `n` good events over hours 05–07 UTC of DAY. */
const eventsOfDay = (n: number): Produced[] => Array.from({ length: n }, () => good(saleEvent({}, DAY + 5 * H)));

async function roleUrl(s: Scenario, role: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      await setRolePassword(s.db.knex, role, ROLE_PASSWORD);
      break;
    } catch (error) {
      if (attempt >= 5 || !/concurrently/.test(String(error))) throw error;
    }
  }
  const url = new URL(s.db.url);
  url.username = role;
  url.password = ROLE_PASSWORD;
  return url.toString();
}

describeKafka('the lake on S3 (S3Proxy)', () => {
  let s3: TestS3;
  const folders: string[] = [];
  const folder = (name: string) => {
    const d = mkdtempSync(join(tmpdir(), name));
    folders.push(d);
    return d;
  };
  beforeAll(async () => (s3 = await startTestS3()), 600_000);
  afterAll(async () => {
    await s3?.destroy();
    for (const d of folders) rmSync(d, { recursive: true, force: true });
  });

  let s: Scenario;
  let agg: Child | undefined;
  let reader: LakeStore;
  beforeEach(async () => (s = await createScenario('s3', 3)));
  afterEach(async () => {
    await agg?.kill();
    agg = undefined;
    await reader?.close();
    await s?.cleanup();
  });

  /** Lake (ledger-listed objects only, read from S3) == produced events; every flush committed; every listed key in the bucket. */
  async function expectS3LakeExact(items: Produced[]): Promise<void> {
    const lake = await readLakeSums(s.db.knex, reader);
    expect(plain(new Map([...lake].map(([k, v]) => [k, { units: v.units, revenueCents: v.revenueCents, orders: v.orders }])))).toEqual(plain(expectedSums(items)));
    expect(await s.db.knex(TABLES.ingestFlushes).whereNot({ status: 'committed' })).toEqual([]);
    const listed = await s.db.knex(TABLES.ingestFiles).pluck('path');
    expect(listed.length).toBeGreaterThan(0);
    const inBucket = new Set(await reader.list('raw/'));
    expect(listed.filter((p: string) => !inBucket.has(p))).toEqual([]);
    // Nothing went to the local folder the harness also passes (LAKE_DIR): LAKE_URL wins.
    expect(readdirSync(s.lakeDir).filter((n) => n !== '_tmp')).toEqual([]);
  }

  it('an aggregator flush and a batch rollup, each as its own role, are exact on LAKE_URL=s3://…', async () => {
    const prefix = `e2e-${clock.now().toString(36)}`;
    reader = openLakeStore(s3.env(prefix, folder('lake-cache-verify-')));
    agg = startAggregator(s.env({ ...s3.env(prefix, folder('lake-cache-agg-')), DATABASE_URL: await roleUrl(s, APP_ROLES.aggregator) }));
    const items = eventsOfDay(3000);
    await produce(s.kafka, s.topics.events, items);
    await waitForLedgerCaughtUp(s);
    await expectS3LakeExact(items);

    // The batch layer, as hitboard_batch, through its own cache: every hour of the day, then the day from the hours' full rollups.
    const batchKnex: Knex = createDb(await roleUrl(s, APP_ROLES.batchRollup), { pool: { min: 0, max: 2 } });
    const batchLake = openLakeStore(s3.env(prefix, folder('lake-cache-batch-')));
    const engine = await RollupEngine.create(batchLake, { threads: 1 });
    const registry = IntervalRegistry.standard('UTC');
    const deps = { knex: batchKnex, engine, registry, topic: s.topics.events, allowedLatenessMs: 0, log: pino({ level: 'silent' }) };
    try {
      for (const w of registry.windowsBetween('hour', DAY, DAY + 24 * H)) expect((await runWindow(deps, w, 'forced', { force: true })).status).toBe('succeeded');
      const day = registry.windowAt('day', DAY);
      expect((await runWindow(deps, day, 'forced', { force: true })).status).toBe('succeeded');
      expect(await batchLake.list(`rollup/day/`)).toEqual([rollupFilePath('day', DAY)]);

      const expected = expectedSums(items);
      for (const hour of [5, 6, 7]) {
        const w = registry.windowAt('hour', DAY + hour * H);
        const rows = await s.db.knex(TABLES.batchTable).where({ interval: 'hour', window_start: w.start, channel: CHANNEL_ALL }).select<{ product_id: string; units: bigint; revenue_cents: bigint; orders: bigint }[]>('product_id', 'units', 'revenue_cents', 'orders');
        const want = [...expected].filter(([k]) => k.startsWith(`${DAY + hour * H}|`));
        expect(want.length).toBeGreaterThan(0);
        expect(Object.fromEntries(rows.map((r) => [r.product_id, `${r.units}/${r.revenue_cents}/${r.orders}`]))).toEqual(
          Object.fromEntries(want.map(([k, v]) => [k.split('|')[1], `${v.units}/${v.revenueCents}/${v.orders}`])),
        );
      }
      const total = [...expected.values()].reduce((a, v) => ({ units: a.units + v.units, revenueCents: a.revenueCents + v.revenueCents, orders: a.orders + v.orders }), { units: 0n, revenueCents: 0n, orders: 0n });
      const dayTotals = await s.db.knex(TABLES.windowTotals).where({ interval: 'day', window_start: day.start, source: 'batch', channel: CHANNEL_ALL }).first();
      expect(`${dayTotals.units}/${dayTotals.revenue_cents}/${dayTotals.orders}`).toBe(`${total.units}/${total.revenueCents}/${total.orders}`);
    } finally {
      engine.close();
      await batchLake.close();
      await batchKnex.destroy();
    }
  }, 600_000);

  it('the S3 server stopped mid-flush and brought back: failed PUTs retry, nothing lost or doubled', async () => {
    const prefix = `outage-${clock.now().toString(36)}`;
    reader = openLakeStore(s3.env(prefix, folder('lake-cache-verify-')));
    agg = startAggregator(s.env({ ...s3.env(prefix, folder('lake-cache-agg-')), DATABASE_URL: await roleUrl(s, APP_ROLES.aggregator) }));
    const before = eventsOfDay(1000);
    await produce(s.kafka, s.topics.events, before);
    await waitForLedgerCaughtUp(s);

    await s3.stop();
    const during = eventsOfDay(2000);
    await produce(s.kafka, s.topics.events, during);
    // The fault really hit flushes: PUTs were refused and nothing of them was listed meanwhile.
    await waitFor('a flush to fail on the stopped S3 server', async () => agg!.lines().some((l) => /writing raw\/.* to the lake at s3:\/\/.* failed/.test(l)), 120_000);
    const listedWhileDown = Number((await s.db.knex(TABLES.ingestFiles).count<{ n: string }[]>('* as n'))[0]!.n);
    await s3.start();

    await waitForLedgerCaughtUp(s);
    expect(Number((await s.db.knex(TABLES.ingestFiles).count<{ n: string }[]>('* as n'))[0]!.n)).toBeGreaterThan(listedWhileDown);
    expect(agg.running()).toBe(true); // it rode the outage out, no crash
    await expectS3LakeExact([...before, ...during]);
  }, 600_000);
});
