/**
 * How many open live pages one dashboard process serves: a live page asks for its top 10 every 5 s
 * (LiveTop: one GET /api/live — top 10, Rising now and badges — no page render). Measured against what
 * a refresh cost before (a render of `/` through router.refresh, plus one prefetch render per product
 * link: 13 renders per refresh in issue 26) by rendering the page's RSC payload in the same run.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench-live-pages -w @hitboard/dashboard [-- --duration 10 --connections 10]
 *
 * A scratch database (dropped at the end) holds 1000 products in 10 categories and the current month on
 * speed estimates (two shards). Uses the build in DASHBOARD_DIST_DIR (building one if there is none).
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { IntervalRegistry } from '@hitboard/time';
import { freshDatabase, TEST_READER_PASSWORD } from '@hitboard/testkit';
import { buildDashboard, hasBuild } from '../src/serve';
import { REFRESH_MS } from '../src/lib/refresh';
import { seedProducts, seedSpeedWindow } from '../__tests__/support/seed';
import { startDashboard, type RunningDashboard } from '../__tests__/support/server';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '10' } } });
const duration = Number(values.duration);
const connections = Number(values.connections);
/** Renders of `/` one refresh cost before LiveTop: router.refresh plus a prefetch per product link (issue 26's count). */
const RENDERS_PER_OLD_REFRESH = 13;

async function measure(server: RunningDashboard, url: string, headers: Record<string, string>) {
  const probe = await fetch(url, { headers, redirect: 'manual' });
  const body = await probe.text();
  if (!probe.ok) throw new Error(`${url}: HTTP ${probe.status} ${probe.headers.get('location') ?? ''} ${body.slice(0, 200)}`);
  await autocannon({ url, connections, duration: 2, headers }); // warm-up: JIT, first renders, the pool
  const before = server.cpuMs();
  const result = await autocannon({ url, connections, duration, headers });
  const cpuMsPerRequest = (server.cpuMs() - before) / Math.max(1, result.requests.total);
  return { rps: result.requests.average, p99: result.latency.p99, cpuMsPerRequest, errors: result.non2xx + result.errors };
}

async function main(): Promise<void> {
  const registry = IntervalRegistry.standard('UTC');
  const db = await freshDatabase();
  try {
    const products = Array.from({ length: 1000 }, (_, i) => ({ id: `B${String(i).padStart(5, '0')}`, name: `Product ${i} with a long descriptive name`, category: `C${i % 10}` }));
    await seedProducts(db.knex, products);
    const month = registry.windowAt('month', Date.now());
    await seedSpeedWindow(
      db.knex,
      'month',
      month.start,
      products.map((p, i) => ({ id: p.id, units: BigInt(100_000 - i * 37), revenue: BigInt((100_000 - i * 37) * 1999), shard: i % 2, errorBound: 40n, revenueErrorBound: 9000n })),
    );
    if (!hasBuild()) buildDashboard();
    const server = await startDashboard({ DATABASE_URL: db.url, HITBOARD_READER_PASSWORD: TEST_READER_PASSWORD, LOG_LEVEL: 'warn' });
    try {
      const refresh = await measure(server, `${server.base}/api/live?interval=month&metric=units&k=10`, server.auth);
      // What router.refresh fetched: the page's RSC payload (a full server render of every widget; Next wants the `_rsc` marker).
      const render = await measure(server, `${server.base}/?interval=month&_rsc`, { ...server.auth, RSC: '1' });
      const perSecond = 1000 / REFRESH_MS;
      const pagesNow = refresh.rps / perSecond;
      const pagesBefore = render.rps / RENDERS_PER_OLD_REFRESH / perSecond;
      process.stdout.write(
        [
          `${new Date().toISOString()} · ${cpus().length} cores (${cpus()[0]?.model}), load ${loadavg().map((l) => l.toFixed(1)).join(' ')} · 1000 products, live month on speed (2 shards) · ${connections} connections, ${duration} s`,
          `refresh now (GET /api/live k=10): ${refresh.rps.toFixed(0)} req/s, P99 ${refresh.p99} ms, server CPU ${refresh.cpuMsPerRequest.toFixed(2)} ms/refresh, errors ${refresh.errors}`,
          `page render (RSC of /): ${render.rps.toFixed(1)} req/s, P99 ${render.p99} ms, server CPU ${render.cpuMsPerRequest.toFixed(2)} ms/render, errors ${render.errors}`,
          `open live pages one process serves (one refresh per ${REFRESH_MS / 1000} s): now ${pagesNow.toFixed(0)}, before ${pagesBefore.toFixed(1)} (${RENDERS_PER_OLD_REFRESH} renders per refresh) → ${(pagesNow / pagesBefore).toFixed(0)}×`,
          `server CPU per page per minute: now ${((refresh.cpuMsPerRequest * 60_000) / REFRESH_MS).toFixed(0)} ms, before ${((render.cpuMsPerRequest * RENDERS_PER_OLD_REFRESH * 60_000) / REFRESH_MS).toFixed(0)} ms`,
        ].join('\n') + '\n',
      );
    } finally {
      await server.stop();
    }
  } finally {
    await db.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
