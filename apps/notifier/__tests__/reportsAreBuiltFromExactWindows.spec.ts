import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { createDb } from '@hitboard/db-client';
import { openLakeStore, type LakeStore } from '@hitboard/lake';
import { createLogger, createMetricsRegistry } from '@hitboard/runtime';
import { IntervalRegistry, type Window } from '@hitboard/time';
import { TABLES } from '@hitboard/schema';
import { freshDatabase, ranksBy, startTestS3, type FreshDatabase } from '@hitboard/testkit';
import { createNotifierMetrics } from '../src/metrics';
import { Reporter } from '../src/reports/reporter';
import { ReportStore } from '../src/reports/report-store';
import type { ReportSpec, Webhook } from '../src/rules-file';
import { notifierUrl, startReceiver, type Receiver } from './support';

// A zone whose days start at 18:30 UTC: the report's day must be the zone's calendar day.
const ZONE = 'Asia/Kolkata';
const registry = IntervalRegistry.standard(ZONE);
const DAY_20 = registry.windowAt('day', Date.parse('2026-11-20T12:00:00+05:30'));
const DAY_21 = registry.next(DAY_20);

/** 15 products' sales of a day, deterministic by its date (so two days differ). */
function sales(day: Window) {
  const seed = day.start.getUTCDate();
  return Array.from({ length: 15 }, (_, i) => ({
    product_id: `p-${String(i).padStart(2, '0')}`,
    category: i % 2 ? 'toys' : 'books',
    units: BigInt(((seed * 7 + i * 13) % 97) + 5),
    revenue_cents: BigInt(((seed * 11 + i * 29) % 500) * 100 + 99),
    orders: BigInt(((seed + i) % 9) + 1),
  }));
}

/**
 * Publishes a day's rollup as the batch layer does: a succeeded run, its overall top rows (channel 'all')
 * with ranks per metric, and one channel's rows ranked within it (a part of each product's sales, in
 * another order: a report that read them would show another top).
 */
async function rollUp(knex: Knex, day: Window): Promise<void> {
  const rows = sales(day);
  const web = rows.map((r, i) => ({ ...r, units: BigInt(i + 1), revenue_cents: BigInt(i + 1) * 100n, orders: 1n }));
  const ranked = (channel: string, of: typeof rows) => {
    const byUnits = ranksBy(of, (r) => r.units, (r) => r.product_id);
    const byRevenue = ranksBy(of, (r) => r.revenue_cents, (r) => r.product_id);
    return of.map((r) => ({ interval: 'day', window_start: day.start, channel, ...r, rank_units: byUnits.get(r.product_id), rank_revenue: byRevenue.get(r.product_id) }));
  };
  await knex.transaction(async (tx) => {
    const [run] = await tx(TABLES.rollupRuns).insert({ interval: 'day', window_start: day.start, status: 'succeeded', started_at: day.end, finished_at: day.end, rows: rows.length }).returning('run_id');
    await tx(TABLES.batchTable).insert([...ranked('all', rows), ...ranked('web', web)].map((r) => ({ ...r, run_id: run.run_id })));
  });
}

describe('scheduled reports', () => {
  let db: FreshDatabase;
  let knex: Knex;
  let receiver: Receiver;
  let lakeDir: string;
  let lake: LakeStore;

  beforeEach(async () => {
    db = await freshDatabase();
    knex = createDb(await notifierUrl(db.knex, db.url), { pool: { min: 0, max: 2 } });
    receiver = await startReceiver();
    lakeDir = mkdtempSync(join(tmpdir(), 'hitboard-report-lake-'));
    lake = openLakeStore({ LAKE_DIR: lakeDir });
    await db.knex(TABLES.products).insert(Array.from({ length: 15 }, (_, i) => ({ product_id: `p-${String(i).padStart(2, '0')}`, name: `Product, "${i}"`, category: i % 2 ? 'toys' : 'books' })));
  });
  afterEach(async () => {
    await receiver.close();
    await lake.close();
    await knex.destroy();
    await db.drop();
  });

  function reporter(instance = 'test', store: LakeStore = lake) {
    const registry_ = createMetricsRegistry('notifier-test');
    const webhook: Webhook = { name: 'audit', format: 'json', url: `${receiver.url}/reports`, headers: {}, allowPrivateAddress: true };
    const daily: ReportSpec = { name: 'daily', interval: 'day', cron: '15 1 * * *', top: 10, metric: 'units', webhooks: ['audit'] };
    const r = new Reporter({
      store: new ReportStore(knex),
      lake: store,
      registry,
      reports: [daily],
      webhooks: new Map([['audit', webhook]]),
      delivery: { timeoutMs: 5000, attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
      instance,
      leaseMs: 60_000,
      metrics: createNotifierMetrics(registry_),
      log: createLogger('notifier-test', 'silent'),
    });
    const metric = async (name: string) => (await registry_.getSingleMetric(name)!.get()).values.reduce((n, v) => n + v.value, 0);
    return { r, metric };
  }

  /** The report's CSV as objects (a small parser: quoted fields with "" escapes). */
  const readCsv = (key: string) => {
    const text = readFileSync(join(lakeDir, key), 'utf8');
    const rows = text.trimEnd().split('\r\n').map((line) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].map((m) => m[1]!.replace(/^"|"$/g, '').replace(/""/g, '"')).slice(0, 10));
    const [header, ...body] = rows;
    return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]])));
  };

  it('a rolled-up day: the top 10 of batch_table (rows, ranks, units), the period\'s movers, CSV + SVG in the lake, delivered once', async () => {
    await rollUp(db.knex, DAY_20);
    await db.knex(TABLES.moverEpisodes).insert([
      { product_id: 'p-14', direction: 'up', since: new Date(DAY_20.start.getTime() + 3_600_000), peak_factor: 12.5, units: 40, orders: 20, is_new: false },
      { product_id: 'p-03', direction: 'up', since: new Date(DAY_21.start.getTime() + 60_000), peak_factor: 30, units: 40, orders: 20, is_new: false }, // next day
    ]);
    const { r, metric } = reporter();
    // The cron tick of 01:15 on the 21st (local) makes the 20th due.
    const window = await r.due('daily', new Date('2026-11-21T01:15:00+05:30'));
    expect(window).toEqual(DAY_20);
    await r.process();

    const row = await db.knex(TABLES.reports).first();
    expect(row).toMatchObject({ report: 'daily', interval: 'day', status: 'delivered', rows: 10, late_since: null, csv_key: 'reports/daily/daily-2026-11-20.csv', svg_key: 'reports/daily/daily-2026-11-20.svg' });
    expect(row.window_start).toEqual(new Date('2026-11-19T18:30:00Z'));

    const expected = await db.knex(TABLES.batchTable).where({ interval: 'day', window_start: DAY_20.start, channel: 'all' }).where('rank_units', '<=', 10).orderBy('rank_units');
    expect(expected).toHaveLength(10);
    const csv = readCsv(row.csv_key);
    expect(csv.filter((c) => c['section'] === 'top').map((c) => [c['rank'], c['product_id'], c['units'], c['revenue_cents'], c['orders'], c['category'], c['name']])).toEqual(
      expected.map((e) => [String(e.rank_units), e.product_id, String(e.units), String(e.revenue_cents), String(e.orders), e.category, `Product, "${Number(e.product_id.slice(2))}"`]),
    );
    expect(csv.filter((c) => c['section'] === 'mover').map((c) => [c['product_id'], c['factor']])).toEqual([['p-14', '12.50']]);
    const svg = readFileSync(join(lakeDir, row.svg_key), 'utf8');
    expect(svg.match(/<rect x="280"/g)).toHaveLength(10);
    expect(svg).toContain('Product, &quot;14&quot;');

    expect(receiver.received).toHaveLength(1);
    const body = receiver.received[0]!.body as { window: { label: string; zone: string }; top: Array<{ productId: string; rank: number; units: string }>; files: { csv: string } };
    expect(body.window).toMatchObject({ label: '2026-11-20', zone: ZONE });
    expect(body.top.map((t) => [t.rank, t.productId, t.units])).toEqual(expected.map((e) => [e.rank_units, e.product_id, String(e.units)]));
    expect(body.files.csv).toBe(row.csv_key);
    expect(await metric('hitboard_notifier_reports_delivered_total')).toBe(1);

    // The tick again, and a restarted notifier: nothing is rebuilt or resent.
    await r.due('daily', new Date('2026-11-21T01:15:00+05:30'));
    await r.process();
    await reporter('restarted').r.process();
    expect(receiver.received).toHaveLength(1);
  });

  it('a day not rolled up yet is reported late (log + metric), then built once its rollup is done', async () => {
    const { r, metric } = reporter();
    await r.due('daily', new Date('2026-11-22T01:15:00+05:30'));
    await r.process();
    await r.process();
    const waiting = await db.knex(TABLES.reports).first();
    expect(waiting).toMatchObject({ status: 'waiting', csv_key: null });
    expect(waiting.window_start).toEqual(DAY_21.start);
    expect(waiting.late_since).toBeInstanceOf(Date);
    expect(await metric('hitboard_notifier_reports_late_total')).toBe(1); // said once, not every poll
    expect(await metric('hitboard_notifier_reports_waiting')).toBe(1);
    expect(receiver.received).toHaveLength(0);
    expect(await lake.list('reports/')).toEqual([]);

    // Rolled up, but late data marked it dirty: still not exact, still waiting.
    await rollUp(db.knex, DAY_21);
    await db.knex(TABLES.rollupDirty).insert({ interval: 'day', window_start: DAY_21.start, late_files: 1, late_rows: 3 });
    await r.process();
    expect((await db.knex(TABLES.reports).first()).status).toBe('waiting');

    await db.knex(TABLES.rollupDirty).delete();
    await r.process();
    const built = await db.knex(TABLES.reports).first();
    expect(built).toMatchObject({ status: 'delivered', rows: 10, csv_key: 'reports/daily/daily-2026-11-21.csv' });
    expect(await lake.list('reports/')).toEqual(['reports/daily/daily-2026-11-21.csv', 'reports/daily/daily-2026-11-21.svg']);
    expect(await metric('hitboard_notifier_reports_waiting')).toBe(0);
    const top = readCsv(built.csv_key).filter((c) => c['section'] === 'top');
    const want = await db.knex(TABLES.batchTable).where({ interval: 'day', window_start: DAY_21.start, channel: 'all' }).where('rank_units', '<=', 10).orderBy('rank_units').select('product_id', 'units');
    expect(top.map((c) => [c['product_id'], c['units']])).toEqual(want.map((w) => [w.product_id, String(w.units)]));
    expect(receiver.received).toHaveLength(1);
  });

  it('lands in the lake on S3 as in a folder (through the LakeStore)', async () => {
    const s3 = await startTestS3('reports-test');
    const s3Lake = openLakeStore(s3.env('lake', mkdtempSync(join(tmpdir(), 'hitboard-report-cache-'))));
    try {
      await rollUp(db.knex, DAY_20);
      const { r } = reporter('s3', s3Lake);
      await r.due('daily', new Date('2026-11-21T01:15:00+05:30'));
      await r.process();
      expect(await s3Lake.list('reports/')).toEqual(['reports/daily/daily-2026-11-20.csv', 'reports/daily/daily-2026-11-20.svg']);
      const csv = await s3Lake.withLocalFiles(['reports/daily/daily-2026-11-20.csv'], async ([path]) => readFileSync(path!, 'utf8'));
      const want = await db.knex(TABLES.batchTable).where({ interval: 'day', window_start: DAY_20.start, channel: 'all' }).where('rank_units', '<=', 10).orderBy('rank_units').select('product_id');
      expect(csv.split('\n').slice(1, 11).map((l) => l.split(',')[2])).toEqual(want.map((w) => w.product_id));
      expect((receiver.received[0]!.body as { files: { lake: string } }).files.lake).toBe('s3://reports-test/lake');
    } finally {
      await s3Lake.close();
      await s3.destroy();
    }
  }, 180_000);
});
