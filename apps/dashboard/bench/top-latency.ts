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
 * requests/s of each, and the ratios to the floor measured on the same server.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { IntervalRegistry, VIEWS } from '@hitboard/schema';
import { freshDatabase, TEST_READER_PASSWORD } from '@hitboard/testkit';
import { buildDashboard, hasBuild } from '../src/serve';
import { seedBatchWindow, seedProducts, seedSpeedWindow, type Sale } from '../__tests__/support/seed';
import { startDashboard, type RunningDashboard } from '../__tests__/support/server';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'Usage: npm run bench -w @hitboard/dashboard [-- --duration S --connections N]\n\n' +
      '/api/top latency vs a constant-JSON route on the same Next.js server (autocannon, loopback).\n' +
      'Needs TEST_DATABASE_URL (an admin URL; a scratch database is created and dropped).\n',
  );
  process.exit(0);
}
const duration = Number(values.duration);
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
}

async function measure(name: string, url: string, server: RunningDashboard): Promise<Measured> {
  const cpuMs = server.cpuMs;
  const cpuBefore = cpuMs();
  const result = await autocannon({ url, connections, duration, headers: server.auth });
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
          await autocannon({ url, connections, duration: 3, headers: server.auth });
        }
        const rowsMeasured = [
          await measure('floor: /api/floor (constant JSON)', `${server.base}/api/floor`, server),
          await measure('/api/top closed batch hour, k=10', top(closed.start.toISOString(), 10), server),
          await measure('/api/top closed batch hour, k=1000', top(closed.start.toISOString(), 1000), server),
          await measure('/api/top live speed hour, k=10', top(live.start.toISOString(), 10), server),
          await measure('floor again (drift check)', `${server.base}/api/floor`, server),
        ];
        results.push({ cache, rows: rowsMeasured });
      } finally {
        await server.stop();
      }
    }
    const date = new Date().toISOString();
    process.stdout.write(`\n${date}, ${connections} connections, ${duration} s each, loopback, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores\n`);
    for (const { cache, rows: measured } of results) {
      const floor = measured[0]!;
      process.stdout.write(`\nresult cache ${cache}:\n| route | P50 ms | P99 ms | req/s | P99 / floor P99 | server CPU ms/req | CPU / floor CPU | errors |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n`);
      for (const m of measured) {
        process.stdout.write(`| ${m.name} | ${m.p50} | ${m.p99} | ${m.rps} | ${(m.p99 / floor.p99).toFixed(2)}× | ${m.cpuMsPerRequest.toFixed(2)} | ${(m.cpuMsPerRequest / floor.cpuMsPerRequest).toFixed(2)}× | ${m.errors} |\n`);
      }
    }
  } finally {
    await db.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
