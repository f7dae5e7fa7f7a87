/**
 * /api/top under load, against the framework's floor in the same run.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench -w @hitboard/dashboard [-- --duration 10 --connections 50]
 *
 * Creates a scratch database (dropped at the end) holding one closed batch hour with 1000 products
 * (1000 rows per metric in top_1000) and the current hour on speed estimates (the same 1000
 * products on two shards, ranked by the view at query time). Builds the app if no build exists, starts it with the
 * documented command (behind sign-in: every request carries the server's API token as Bearer, so both the
 * floor and /api/top pay the access gate), and runs autocannon on loopback: the constant-JSON route /api/floor, then
 * /api/top on each window (k = 10 as the page asks, and k = 1000), with the per-process result cache
 * on (default) and off (DASHBOARD_CACHE_MS=0: every request queries Postgres). Prints P50, P99 and
 * requests/s of each, and the ratios to the floor measured on the same server just before and after it.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { IntervalRegistry } from '@hitboard/time';
import { VIEWS } from '@hitboard/schema';
import { freshDatabase, TEST_READER_PASSWORD } from '@hitboard/testkit';
import { buildDashboard, hasBuild } from '../src/serve';
import { seedBatchWindow, seedProducts, seedSpeedWindow, type Sale } from '../__tests__/support/seed';
import { startDashboard, type RunningDashboard } from '../__tests__/support/server';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'Usage: npm run bench -w @hitboard/dashboard [-- --duration S --connections N --quick --json FILE]\n\n' +
      '--quick: 3 s per route and 1 s warm-ups (default 10 s and 3 s); --json FILE: the figures as JSON too.\n' +
      '/api/top latency vs a constant-JSON route on the same Next.js server (autocannon, loopback).\n' +
      'Needs TEST_DATABASE_URL (an admin URL; a scratch database is created and dropped).\n',
  );
  process.exit(0);
}
const duration = values.quick ? 3 : Number(values.duration);
const warmupSeconds = values.quick ? 1 : 3;
const connections = Number(values.connections);

interface Measured {
  name: string;
  p50: number;
  p99: number;
  rps: number;
  /** Non-2xx answers plus errors (autocannon's 10 s timeouts included). */
  errors: number;
  /** The server's CPU per answered request, ms (its process group; Postgres not included): steadier than latency on busy cores. */
  cpuMsPerRequest: number;
  /** A route's floor: the mean of the constant-JSON route measured just before and just after it. */
  floorP99?: number;
  floorCpuMsPerRequest?: number;
}

/**
 * Waits for one more answer from the server: autocannon stops with requests still queued in the
 * server, and on busy cores that backlog would otherwise be served inside the next route's timing
 * (a run at load 20 had the next server's every route answer nothing for 3 s).
 */
async function drain(url: string, headers: Record<string, string>): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      await fetch(new URL('/api/floor', url), { headers, signal: AbortSignal.timeout(120_000) }).then((r) => r.arrayBuffer());
      return;
    } catch (error) {
      // A full accept queue refuses or times out the connection itself: try again until the deadline.
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function measure(name: string, url: string, server: RunningDashboard): Promise<Measured> {
  const cpuMs = server.cpuMs;
  const cpuBefore = cpuMs();
  const result = await autocannon({ url, connections, duration, headers: server.auth });
  await drain(url, server.auth);
  const cpuMsPerRequest = (cpuMs() - cpuBefore) / Math.max(1, result.requests.total);
  return { name, p50: result.latency.p50, p99: result.latency.p99, rps: Math.round(result.requests.average), errors: result.non2xx + result.errors, cpuMsPerRequest };
}

async function main(): Promise<void> {
  const registry = IntervalRegistry.standard('UTC');
  const db = await freshDatabase();
  try {
    const products = Array.from({ length: 1000 }, (_, i) => ({ id: `B${String(i).padStart(5, '0')}`, category: `C${i % 10}` }));
    await seedProducts(db.knex, products);
    // Units and revenue ranks differ (price varies), so each metric has its own 1000.
    const sales: Sale[] = products.map((p, i) => ({ id: p.id, units: BigInt(100_000 - i * 37), revenue: BigInt((100_000 - i * 37) * (199 + ((i * 7919) % 5000))) }));
    const closed = registry.previous(registry.previous(registry.windowAt('hour', Date.now())));
    await seedBatchWindow(db.knex, 'hour', closed.start, sales, { categoryOf: (id) => products.find((p) => p.id === id)!.category });
    const live = registry.windowAt('hour', Date.now());
    await seedSpeedWindow(db.knex, 'hour', live.start, sales.map((s, i) => ({ ...s, shard: i % 2, errorBound: 40n, revenueErrorBound: 9000n })));
    const [rows] = (await db.knex(VIEWS.top1000).where({ interval: 'hour', window_start: closed.start }).count({ n: '*' })) as { n: bigint }[];
    process.stdout.write(`seeded: closed batch hour ${closed.start.toISOString()} (${rows!.n} top_1000 rows), live speed hour ${live.start.toISOString()} (1000 products, 2 shards)\n`);

    if (!hasBuild()) buildDashboard();
    const results: { cache: string; rows: Measured[] }[] = [];
    for (const cache of ['on', 'off'] as const) {
      const server = await startDashboard({
        DATABASE_URL: db.url,
        HITBOARD_READER_PASSWORD: TEST_READER_PASSWORD,
        LOG_LEVEL: 'warn',
        ...(cache === 'off' ? { DASHBOARD_CACHE_MS: '0' } : {}),
      });
      try {
        const top = (window: string, k: number) => `${server.base}/api/top?interval=hour&window=${encodeURIComponent(window)}&k=${k}`;
        // Warm up every route at full concurrency (JIT, Next's first renders of each route, the pool's connections):
        // without it the first route measured pays for the warm-up (earlier runs: the floor measured last was 3-10x faster).
        for (const url of [`${server.base}/api/floor`, top(closed.start.toISOString(), 10), top(closed.start.toISOString(), 1000), top(live.start.toISOString(), 10)]) {
          await autocannon({ url, connections, duration: warmupSeconds, headers: server.auth });
          await drain(url, server.auth);
        }
        // The floor is measured before and after every route, and each route is compared with the mean of
        // its two neighbours: on shared cores the load moves within seconds, and a floor measured once at
        // the start was 3-18x off by the end (BENCHMARKS.md, 2026-11-29).
        const floorUrl = `${server.base}/api/floor`;
        const routes: [string, string][] = [
          ['/api/top closed batch hour, k=10', top(closed.start.toISOString(), 10)],
          ['/api/top closed batch hour, k=1000', top(closed.start.toISOString(), 1000)],
          ['/api/top live speed hour, k=10', top(live.start.toISOString(), 10)],
        ];
        const rowsMeasured: Measured[] = [];
        let before = await measure('floor: /api/floor (constant JSON)', floorUrl, server);
        rowsMeasured.push(before);
        for (const [name, url] of routes) {
          const route = await measure(name, url, server);
          const after = await measure('floor: /api/floor (constant JSON)', floorUrl, server);
          // A floor that answered nothing in its slot (a server still busy with a backlog) has no P99: use the other one alone.
          const floors = [before, after].filter((f) => f.rps > 0);
          route.floorP99 = floors.length === 0 ? 0 : floors.reduce((a, f) => a + f.p99, 0) / floors.length;
          route.floorCpuMsPerRequest = floors.length === 0 ? 0 : floors.reduce((a, f) => a + f.cpuMsPerRequest, 0) / floors.length;
          rowsMeasured.push(route, after);
          before = after;
        }
        results.push({ cache, rows: rowsMeasured });
      } finally {
        await server.stop();
      }
    }
    const date = new Date().toISOString();
    process.stdout.write(`\n${date}, ${connections} connections, ${duration} s each, loopback, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores\n`);
    const ratio = (a: number, b: number | undefined) => (b === undefined ? '—' : b > 0 ? `${(a / b).toFixed(2)}×` : 'no floor answers');
    for (const { cache, rows: measured } of results) {
      process.stdout.write(`\nresult cache ${cache}:\n| route | P50 ms | P99 ms | req/s | floor P99 (before/after mean) | P99 / floor P99 | server CPU ms/req | CPU / floor CPU | errors |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n`);
      for (const m of measured) {
        process.stdout.write(
          `| ${m.name} | ${m.p50} | ${m.p99} | ${m.rps} | ${m.floorP99 ?? '—'} | ${ratio(m.p99, m.floorP99)} | ${m.cpuMsPerRequest.toFixed(2)} | ${ratio(m.cpuMsPerRequest, m.floorCpuMsPerRequest)} | ${m.errors} |\n`,
        );
      }
    }
    if (values.json) writeFileSync(values.json, JSON.stringify({ connections, durationSeconds: duration, results }));
  } finally {
    await db.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
