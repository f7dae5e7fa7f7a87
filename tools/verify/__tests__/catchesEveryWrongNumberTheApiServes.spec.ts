import { clock } from '@hitboard/runtime';
/**
 * verify against a stand-in dashboard API (a real HTTP server) that serves the exact answer,
 * computed here in plain TypeScript from the generator's events — independently of verify's
 * DuckDB — and then serves it wrong in each way that matters. The ground truth file is real
 * generator output, read by real DuckDB.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroundTruthWriter, makeCatalog, SalesStream, batches, truthOf } from '@hitboard/generator';
import { IntervalRegistry } from '@hitboard/time';
import { revenueCentsOf, type SaleEvent, type Metric } from '@hitboard/schema';
import { DashboardApi, GroundTruth, verify, byteOrder, formatReport } from '../src';

const ZONE = 'Asia/Kolkata'; // windows start at :30 UTC: the registry, not UTC hours, must be used
const start = Date.parse('2026-11-20T00:00:00Z');
const end = start + 2 * 86_400_000;

type Row = { productId: string; units: bigint; revenue: bigint; orders: bigint };
/** Changes what the stand-in serves: `interval` is 'range' for a range (`windowStart` its from), `channel` 'all' for the overall figures. */
type Mutation = (interval: string, windowStart: string, metric: string, body: ServedBody, channel: string) => void;
const keyOf = (interval: string, windowStart: string, metric: string) => `${interval} ${windowStart} ${metric}`;
interface ServedBody {
  interval?: string;
  windowStart?: string;
  windowEnd?: string;
  from?: string;
  to?: string;
  hours?: { exact: Array<{ from: string; to: string }>; estimate: Array<{ from: string; to: string }>; missing: Array<{ from: string; to: string }> };
  metric: string;
  category: null;
  channel: string;
  source: string;
  exact: boolean;
  asOf: string;
  totals: { units: string; revenue: string; orders: string; products: string } | null;
  rows: Array<{ rank: number; productId: string; name: string; category: string; units: string; revenue: string; errorBound: string; share: number; movement: null }>;
}

function exactTop(events: SaleEvent[], fromMs: number, toMs: number, metric: Metric, k: number, channel: string): { rows: Row[]; totals: Row & { products: bigint } } {
  const by = new Map<string, Row>();
  for (const e of events) {
    const t = Date.parse(e.occurred_at);
    if (t < fromMs || t >= toMs || (channel !== 'all' && e.channel !== channel)) continue;
    const r = by.get(e.product_id) ?? { productId: e.product_id, units: 0n, revenue: 0n, orders: 0n };
    r.units += BigInt(e.quantity);
    r.revenue += BigInt(revenueCentsOf(e));
    r.orders += 1n;
    by.set(e.product_id, r);
  }
  const rows = [...by.values()].sort((a, b) => (a[metric] === b[metric] ? byteOrder(a.productId, b.productId) : a[metric] > b[metric] ? -1 : 1));
  const totals = { productId: '', units: 0n, revenue: 0n, orders: 0n, products: 0n };
  for (const r of rows) {
    totals.units += r.units;
    totals.revenue += r.revenue;
    totals.orders += r.orders;
    totals.products += 1n;
  }
  return { rows: rows.slice(0, k), totals };
}

describe('verify', () => {
  let dir: string;
  let truthPath: string;
  let events: SaleEvent[];
  let server: Server;
  let baseUrl: string;
  let mutate: Mutation = () => {};
  const TOKEN = 'hbt_verify-test-token';
  const registry = IntervalRegistry.standard(ZONE);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verify-'));
    truthPath = join(dir, 'truth.ndjson');
    const stream = new SalesStream({ seed: 4, catalog: makeCatalog(40, 4), segments: [{ fromMs: start, ratePerSec: 0.05 }], duplicateShare: 0.05, malformedShare: 0.05 });
    const writer = new GroundTruthWriter(truthPath);
    events = [];
    for (const b of batches(stream, { chunkStartMs: start, emitted: 0 }, end, 2000)) {
      const valid = truthOf(b.emissions);
      events.push(...valid);
      writer.append(valid);
    }
    // A chunk the generator re-sent after a crash lands in the file twice: verify counts it once.
    writer.append(events.slice(0, 50));
    await writer.close();
    // Late events reach back before `start`; the served system saw them, so they belong to the truth too.

    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      // Like the dashboard: no listed token, no answer.
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: 'sign-in required' }));
      }
      const send = (body: unknown) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(body));
      };
      if (url.pathname === '/api/intervals') return send({ intervals: ['hour', 'day', 'week'].map((name) => ({ name, rolledUpFrom: registry.get(name).rolledUpFrom })), timeZone: ZONE });
      if (url.pathname === '/api/top') {
        const metric = url.searchParams.get('metric') as Metric;
        const k = Number(url.searchParams.get('k'));
        const channel = url.searchParams.get('channel') ?? 'all';
        // A window (interval + window), or a range (from + to): every hour of a range built, so exact.
        const range = url.searchParams.has('from');
        const w = range
          ? { start: new Date(url.searchParams.get('from')!), end: new Date(url.searchParams.get('to')!) }
          : registry.windowStartingAt(url.searchParams.get('interval')!, Date.parse(url.searchParams.get('window')!));
        const { rows, totals } = exactTop(events, w.start.getTime(), w.end.getTime(), metric, k, channel);
        const whole = [{ from: w.start.toISOString(), to: w.end.toISOString() }];
        const body: ServedBody = {
          ...(range
            ? { from: w.start.toISOString(), to: w.end.toISOString(), hours: rows.length ? { exact: whole, estimate: [], missing: [] } : { exact: [], estimate: [], missing: whole } }
            : { interval: url.searchParams.get('interval')!, windowStart: w.start.toISOString(), windowEnd: w.end.toISOString() }),
          metric,
          category: null,
          channel,
          source: rows.length ? 'batch' : 'none',
          exact: rows.length > 0,
          asOf: clock.date().toISOString(),
          totals: rows.length ? { units: String(totals.units), revenue: String(totals.revenue), orders: String(totals.orders), products: String(totals.products) } : null,
          rows: rows.map((r, i) => ({ rank: i + 1, productId: r.productId, name: r.productId, category: 'x', units: String(r.units), revenue: String(r.revenue), errorBound: '0', share: 0, movement: null })),
        };
        mutate(range ? 'range' : body.interval!, range ? body.from! : body.windowStart!, metric, body, channel);
        return send(body);
      }
      res.statusCode = 404;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (options: Partial<Parameters<typeof verify>[2]> = {}) => {
    const truth = await GroundTruth.load(truthPath);
    try {
      // Overall windows only unless a test asks for channels or ranges (the counts below are of overall windows).
      return await verify(new DashboardApi(baseUrl, TOKEN), truth, { metrics: ['units', 'revenue'], k: 1000, intervals: ['hour', 'day'], channels: ['all'], ranges: null, ...options });
    } finally {
      truth.close();
    }
  };

  it('sends the API token ($HITBOARD_TOKEN by default) as Bearer; a dashboard that refuses says which variable to set', async () => {
    const saved = process.env.HITBOARD_TOKEN;
    try {
      process.env.HITBOARD_TOKEN = TOKEN;
      expect((await new DashboardApi(baseUrl).intervals()).timeZone).toBe(ZONE);
      delete process.env.HITBOARD_TOKEN;
      await expect(new DashboardApi(baseUrl).intervals()).rejects.toThrow(/HTTP 401: .*set HITBOARD_TOKEN/);
      await expect(new DashboardApi(baseUrl, `${TOKEN}x`).intervals()).rejects.toThrow(/HTTP 401/);
    } finally {
      if (saved === undefined) delete process.env.HITBOARD_TOKEN;
      else process.env.HITBOARD_TOKEN = saved;
    }
  });

  it('passes every window when the API serves the exact answer, counting a repeated event once', async () => {
    mutate = () => {};
    // The defaults: every channel view of every window, and the fixed and random ranges.
    const { reports, timeZone } = await run({ intervals: ['hour', 'day', 'week'], channels: undefined, ranges: undefined });
    expect(timeZone).toBe(ZONE);
    expect(reports.filter((r) => !r.ok)).toEqual([]);
    expect([...new Set(reports.map((r) => r.channel))].sort()).toEqual(['all', 'app', 'marketplace', 'store', 'unknown', 'web']);
    // The generator's events all carry a channel: nothing is unknown, and each sold channel has exact windows.
    expect(reports.filter((r) => r.channel === 'unknown').every((r) => r.source === 'none')).toBe(true);
    for (const c of ['web', 'app', 'store', 'marketplace']) expect(reports.some((r) => r.channel === c && r.source === 'batch' && r.productsChecked > 5)).toBe(true);
    const ranges = reports.filter((r) => r.interval === 'range');
    // every hour, the last 36, across a day boundary, two random: each for 6 channel views and 2 metrics (duplicates asked once).
    expect(ranges.length).toBeGreaterThanOrEqual(3 * 6 * 2);
    expect(ranges.every((r) => r.windowEnd !== undefined && r.windowEnd.getUTCMinutes() === 30 && r.windowStart.getUTCMinutes() === 30)).toBe(true);
    expect(formatReport(reports, ZONE)).toMatch(/ windows and \d+ ranges checked \(reporting zone Asia\/Kolkata, 6 channel views\)/);
    const hours = new Set(reports.filter((r) => r.interval === 'hour').map((r) => r.windowStart.getTime()));
    // Every Kolkata hour in the truth's range, each starting at :30 UTC.
    expect(hours.size).toBeGreaterThanOrEqual(48);
    expect([...hours].every((t) => new Date(t).getUTCMinutes() === 30)).toBe(true);
    expect(reports.some((r) => r.source === 'batch' && r.productsChecked > 10)).toBe(true);
  });

  it('fails a channel’s window one unit off, and only that channel’s', async () => {
    mutate = (interval, _w, metric, body, channel) => {
      if (interval === 'day' && metric === 'units' && channel === 'app' && body.rows[0]) body.rows[0].units = String(BigInt(body.rows[0].units) + 1n);
    };
    const { reports } = await run({ channels: ['all', 'web', 'app'] });
    const failed = reports.filter((r) => !r.ok);
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed.every((r) => r.interval === 'day' && r.channel === 'app' && r.metric === 'units' && r.maxDeviation === 1n)).toBe(true);
    expect(reports.filter((r) => r.channel === 'all').every((r) => r.ok)).toBe(true);
  });

  it('fails a dashboard that answers a channel with the overall figures', async () => {
    mutate = (interval, windowStart, metric, body, channel) => {
      if (interval !== 'hour' || channel !== 'store') return;
      const w = registry.windowStartingAt('hour', Date.parse(windowStart));
      const overall = exactTop(events, w.start.getTime(), w.end.getTime(), metric as Metric, 1000, 'all');
      body.rows = overall.rows.map((r, i) => ({ rank: i + 1, productId: r.productId, name: r.productId, category: 'x', units: String(r.units), revenue: String(r.revenue), errorBound: '0', share: 0, movement: null }));
    };
    const failed = (await run({ channels: ['all', 'store'] })).reports.filter((r) => !r.ok);
    expect(failed.length).toBeGreaterThanOrEqual(48); // every hour with sales, both metrics
    expect(failed.every((r) => r.interval === 'hour' && r.channel === 'store')).toBe(true);
  });

  it('fails a range one cent off, and a range whose hours leave a gap', async () => {
    mutate = (interval, _w, metric, body, channel) => {
      if (interval === 'range' && metric === 'revenue' && channel === 'web' && body.rows[0]) body.rows[0].revenue = String(BigInt(body.rows[0].revenue) + 1n);
    };
    const { reports } = await run({ channels: ['all', 'web'], ranges: { random: 1, seed: 3, maxRangeDays: 400 } });
    const failed = reports.filter((r) => !r.ok);
    expect(failed.length).toBeGreaterThanOrEqual(3); // at least the three fixed ranges
    expect(failed.every((r) => r.interval === 'range' && r.channel === 'web' && r.metric === 'revenue' && r.maxDeviation === 1n)).toBe(true);
    expect(reports.filter((r) => r.interval !== 'range').every((r) => r.ok)).toBe(true);

    mutate = (interval, _w, _m, body) => {
      if (interval === 'range' && body.hours && body.hours.exact.length) body.hours.exact = [{ from: body.from!, to: new Date(Date.parse(body.to!) - 3_600_000).toISOString() }];
    };
    const gaps = (await run({ ranges: { random: 0, seed: 1, maxRangeDays: 400 } })).reports.filter((r) => !r.ok);
    expect(gaps.length).toBeGreaterThanOrEqual(6);
    expect(gaps.every((r) => r.interval === 'range' && r.problems.some((p) => p.startsWith('hours: the spans end at')))).toBe(true);
  });

  it('holds a range with estimated hours to the bound it states', async () => {
    const estimate = (extra: bigint, bound: bigint): Mutation => (interval, _w, metric, body) => {
      if (interval !== 'range' || !body.hours || body.rows.length === 0) return;
      const mid = new Date(Date.parse(body.to!) - 3_600_000).toISOString();
      body.source = 'mixed';
      body.exact = false;
      body.hours = { exact: [{ from: body.from!, to: mid }], estimate: [{ from: mid, to: body.to! }], missing: [] };
      for (const r of body.rows) {
        if (metric === 'units') r.units = String(BigInt(r.units) + extra);
        else r.revenue = String(BigInt(r.revenue) + extra);
        r.errorBound = String(bound);
      }
    };
    const ranges = { random: 1, seed: 5, maxRangeDays: 400 };
    mutate = estimate(2n, 2n);
    const within = (await run({ ranges, channels: ['all', 'app'] })).reports.filter((r) => r.interval === 'range');
    expect(within.length).toBeGreaterThanOrEqual(12);
    expect(within.filter((r) => !r.ok)).toEqual([]);
    expect(within.every((r) => r.source === 'mixed' && r.maxDeviation === 2n)).toBe(true);
    mutate = estimate(3n, 2n);
    const beyond = (await run({ ranges, channels: ['all', 'app'] })).reports.filter((r) => !r.ok);
    expect(beyond.length).toBe(within.length);
    expect(beyond.every((r) => r.interval === 'range' && r.problems[0]!.includes('beyond its bound 2'))).toBe(true);
  });

  it('fails a batch window whose row is one unit off', async () => {
    mutate = (interval, _w, metric, body) => {
      if (interval === 'day' && metric === 'units' && body.rows[3]) body.rows[3].units = String(BigInt(body.rows[3].units) + 1n);
    };
    const { reports } = await run();
    const failed = reports.filter((r) => !r.ok);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((r) => r.interval === 'day' && r.metric === 'units' && r.maxDeviation === 1n)).toBe(true);
  });

  it('fails a batch window whose top list is out of order, or misses a product', async () => {
    const swapped = new Set<string>();
    mutate = (interval, windowStart, metric, body) => {
      if (interval === 'hour' && metric === 'revenue' && body.rows.length > 2) {
        [body.rows[0], body.rows[1]] = [body.rows[1]!, body.rows[0]!];
        body.rows[0]!.rank = 1;
        body.rows[1]!.rank = 2;
        swapped.add(keyOf(interval, windowStart, metric));
      }
    };
    const outOfOrder = (await run()).reports.filter((r) => !r.ok);
    // Exactly the windows served out of order fail, each for its rank 1 (and there are some).
    expect(swapped.size).toBeGreaterThanOrEqual(24);
    expect(new Set(outOfOrder.map((r) => keyOf(r.interval, r.windowStart.toISOString(), r.metric)))).toEqual(swapped);
    expect(outOfOrder.filter((r) => !r.problems.some((p) => p.startsWith('rank 1')))).toEqual([]);
    mutate = (interval, _w, _m, body) => {
      if (interval === 'day') body.rows.pop();
    };
    const failed = (await run()).reports.filter((r) => !r.ok);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]!.problems.join()).toMatch(/rows, the true top has/);
  });

  it('fails wrong totals, and a window served as empty that had sales', async () => {
    const miscounted = new Set<string>();
    mutate = (interval, windowStart, metric, body) => {
      if (interval === 'day' && body.totals) {
        body.totals.orders = String(BigInt(body.totals.orders) - 1n);
        miscounted.add(keyOf(interval, windowStart, metric));
      }
    };
    const wrongTotals = (await run()).reports.filter((r) => !r.ok);
    // Two days or more (units and revenue each), and exactly those fail, each on its totals.
    expect(miscounted.size).toBeGreaterThanOrEqual(4);
    expect(new Set(wrongTotals.map((r) => keyOf(r.interval, r.windowStart.toISOString(), r.metric)))).toEqual(miscounted);
    expect(wrongTotals.filter((r) => !r.problems.some((p) => p.startsWith('totals')))).toEqual([]);
    let dropped = '';
    mutate = (interval, windowStart, _m, body) => {
      if (interval === 'hour' && body.rows.length && (!dropped || dropped === windowStart)) {
        dropped = windowStart;
        body.source = 'none';
        body.rows = [];
        body.totals = null;
      }
    };
    const failed = (await run()).reports.filter((r) => !r.ok);
    expect(failed).toHaveLength(2); // units and revenue of that one hour
    expect(failed[0]!.problems[0]).toMatch(/nothing served/);
  });

  it('holds speed windows to their stated bound: within passes, beyond fails', async () => {
    const estimate = (extra: bigint, bound: bigint): Mutation => (interval, _w, metric, body) => {
      if (interval !== 'hour') return;
      body.source = 'speed';
      body.exact = false;
      for (const r of body.rows) {
        if (metric === 'units') r.units = String(BigInt(r.units) + extra);
        else r.revenue = String(BigInt(r.revenue) + extra);
        r.errorBound = String(bound);
      }
    };
    mutate = estimate(3n, 3n);
    const within = (await run()).reports;
    expect(within.filter((r) => !r.ok)).toEqual([]);
    expect(within.some((r) => r.source === 'speed' && r.maxDeviation === 3n)).toBe(true);
    mutate = estimate(4n, 3n);
    const beyond = (await run()).reports.filter((r) => !r.ok);
    expect(beyond.length).toBeGreaterThan(0);
    expect(beyond.every((r) => r.source === 'speed' && r.problems[0]!.includes('beyond its bound 3'))).toBe(true);
  });

  describe('beside a live system (the generator still selling while verify runs)', () => {
    const HORIZON_MS = 3 * 3_600_000;
    // The truth as verify first reads it lacks the last hour's sales (still being generated); the
    // API already serves some of them, and the reload at the end finds them all.
    const newest = () => Math.max(...events.map((e) => Date.parse(e.occurred_at)));
    const lines = (list: SaleEvent[]) => list.map((e) => `${JSON.stringify(e)}\n`).join('');
    const runLive = async (grows: boolean, growsAtReload = 1) => {
      const cut = newest() - 3_600_000;
      const livePath = join(dir, `live-${grows}.ndjson`);
      // Not growing: the generator has stopped, and the file already holds every sale.
      writeFileSync(livePath, lines(events.filter((e) => !grows || Date.parse(e.occurred_at) < cut)));
      const truth = await GroundTruth.load(livePath);
      try {
        let reloads = 0;
        const reloadTruth = async () => {
          // The sales arrive at the `growsAtReload`-th read (a quiet generator appends nothing for a while).
          if (grows && ++reloads === growsAtReload) appendFileSync(livePath, lines(events.filter((e) => Date.parse(e.occurred_at) >= cut)));
          return GroundTruth.load(livePath);
        };
        // The whole range: what the first read knows ends an hour early.
        const range = { fromMs: truth.fromMs, toMs: newest() + 60_000 };
        const result = await verify(new DashboardApi(baseUrl, TOKEN), truth, {
          metrics: ['units', 'revenue'],
          k: 1000,
          intervals: ['hour', 'day'],
          channels: ['all'],
          ranges: null,
          reloadTruth,
          inFlightMs: HORIZON_MS,
          truthGrowthWaitMs: 5000,
          ...range,
        });
        return { ...result, cut };
      } finally {
        truth.close();
      }
    };
    const endOf = (r: { interval: string; windowStart: Date }) => registry.windowStartingAt(r.interval, r.windowStart).end.getTime();
    /** The pipeline is behind in the newest hour: one unit of its top product not shown yet. */
    const behindInNewestHour: Mutation = (interval, windowStart, _m, body) => {
      const w = registry.windowStartingAt(interval, Date.parse(windowStart));
      if (interval === 'hour' && w.end.getTime() > newest() && body.rows[0] && body.totals) {
        body.rows[0].units = String(BigInt(body.rows[0].units) - 1n);
        body.totals.units = String(BigInt(body.totals.units) - 1n);
      }
    };

    it('compares every settled window exactly and reports the ones still receiving sales as in flight, not failed', async () => {
      mutate = behindInNewestHour;
      const { reports, cut } = await runLive(true);
      expect(reports.filter((r) => !r.ok)).toEqual([]);
      const inFlight = reports.filter((r) => r.inFlight);
      // The last hour's windows (hours after the cut and the day holding them), each metric.
      expect(inFlight.length).toBeGreaterThanOrEqual(4);
      expect(inFlight.filter((r) => endOf(r) <= cut)).toEqual([]);
      expect(inFlight.find((r) => r.interval === 'hour' && endOf(r) > newest() && r.metric === 'units')!.inFlight).toMatch(/^\d+ units behind the ground truth$/);
      const exact = reports.filter((r) => !r.inFlight);
      expect(exact.length).toBeGreaterThan(90);
      expect(exact.filter((r) => endOf(r) <= newest() - HORIZON_MS).length).toBeGreaterThan(80);
      expect(formatReport(reports, ZONE)).toMatch(new RegExp(`${inFlight.length} in flight \\(still receiving sales`));
    }, 240_000);

    it('waits for a quiet generator: a truth that grows only at the third read still makes the newest windows in flight', async () => {
      // Seen with `npm start` at 06:30 UTC (~4 sales/s): verify ran 2 s, the truth had not grown at its one reload,
      // and the newest hour, its day, week, month and year all failed for sales the pipeline had not shown yet.
      mutate = behindInNewestHour;
      const { reports } = await runLive(true, 3);
      expect(reports.filter((r) => !r.ok)).toEqual([]);
      expect(reports.filter((r) => r.inFlight).length).toBeGreaterThanOrEqual(4);
    }, 240_000);

    it('still fails a settled window that trails the truth, an in-flight window that serves more than the truth holds, and trailing when nothing is selling', async () => {
      const oldest = registry.windowAt('hour', start).start.toISOString();
      mutate = (interval, windowStart, metric, body) => {
        if (interval === 'hour' && windowStart === oldest && metric === 'units' && body.rows[0]) body.rows[0].units = String(BigInt(body.rows[0].units) - 1n);
      };
      const settled = (await runLive(true)).reports.filter((r) => !r.ok);
      expect(settled.map((r) => [r.interval, r.windowStart.toISOString(), r.metric, r.inFlight])).toEqual([['hour', oldest, 'units', undefined]]);

      mutate = (interval, windowStart, _m, body) => {
        const w = registry.windowStartingAt(interval, Date.parse(windowStart));
        if (interval === 'hour' && w.end.getTime() > newest() && body.rows[0]) body.rows[0].units = String(BigInt(body.rows[0].units) + 1n);
      };
      const ahead = (await runLive(true)).reports.filter((r) => !r.ok);
      expect(ahead.length).toBeGreaterThanOrEqual(1);
      expect(ahead.filter((r) => !r.problems.some((p) => p.includes('more than the ground truth holds')))).toEqual([]);

      // The same trailing newest hour when the truth did not grow: nothing is in flight, it fails.
      mutate = behindInNewestHour;
      const quiet = (await runLive(false)).reports.filter((r) => !r.ok || r.inFlight);
      expect(quiet.map((r) => [r.interval, r.metric, r.ok, r.inFlight])).toEqual([
        ['hour', 'units', false, undefined],
        ['hour', 'revenue', false, undefined], // the revenue list's rows carry the lowered units too
      ]);
    }, 240_000);
  });
});
