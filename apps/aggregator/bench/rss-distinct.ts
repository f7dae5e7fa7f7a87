/**
 * Aggregator RSS over many distinct products (issue 15: flat, < 1 GiB over 10M distinct products).
 *
 *   npx tsx apps/aggregator/bench/rss-distinct.ts [--products 10000000] [--partitions 6] [--quick] [--json FILE]
 *
 * Fills a fresh topic with one event per product (`d-0` … `d-(N-1)`, every event a distinct product
 * and a distinct event_id: the worst case for both the (minute, product) buffers and the duplicate
 * window), then starts the real aggregator (apps/aggregator/src/main.ts, production defaults:
 * FLUSH_INTERVAL_MS 5 s, MEMORY_BUDGET_MIB 768 — until issue 28, FLUSH_MAX_KEYS 200,000 per partition —
 * DEDUPE_MAX_IDS 1,000,000 per partition) as its own process and samples its resident set (/proc/PID/status VmRSS) every 250 ms until the
 * ledger holds every offset. Reports the RSS at 10 %, 50 % and 100 % of the events committed, each
 * decile, and the peak. Event time spreads over the last 5 minutes, as the throughput bench's.
 * Also counts the Parquet files the run left in each lake hour (raw/date=…/hour=…/): a byte budget
 * that flushes smaller buffers writes more, smaller files (issue 28: at most 2× the files per hour).
 * `--quick`: 500,000 products (10M is ~15-40 min on these shared cores). Postgres: DATABASE_URL (admin URL) or an embedded one.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { rssMiB, startApp, unlessExits } from '@hitboard/testkit';
import { benchArgs, benchWorld, fill, ledgerOffsets, log, printResult } from './harness';
import { runMain } from '@hitboard/runtime';

const args = benchArgs(
  'Usage: npx tsx apps/aggregator/bench/rss-distinct.ts [--products N=10000000] [--partitions P=6] [--quick (500000 products)] [--json FILE]\n' +
    'Env: KAFKA_BROKERS (default 127.0.0.1:19092), DATABASE_URL (admin URL; default: an embedded Postgres).\n',
  { products: [10_000_000, 500_000], partitions: 6 },
);
const PRODUCTS = args.n.products;
const PARTITIONS = args.n.partitions;
const SAMPLE_MS = 250;

async function main(): Promise<void> {
  const world = await benchWorld('bench-rss', PARTITIONS);
  const { topic, db } = world;
  const logFile = world.logFile('aggregator');
  try {
    log(`filling ${topic} with ${PRODUCTS.toLocaleString('en')} events, each a distinct product…`);
    const fillStarted = performance.now();
    await fill(topic, PRODUCTS, (i) => `d-${i}`);
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    log(`  ${fillSeconds.toFixed(0)} s; aggregator…`);
    const started = performance.now();
    const child = startApp('aggregator', world.aggregatorEnv(), { logFile });
    // RSS (MiB) at the first sample where the committed share reached each decile, 10 % … 100 %.
    const deciles: number[] = [];
    let peak = 0;
    try {
      await unlessExits(
        child,
        (async () => {
          let lastLog = 0;
          for (;;) {
            const rss = rssMiB(child.pid);
            peak = Math.max(peak, rss);
            const committed = await ledgerOffsets(db.knex, topic);
            while (deciles.length < 10 && committed >= (PRODUCTS * (deciles.length + 1)) / 10) deciles.push(Math.round(rss));
            if (committed >= PRODUCTS) return;
            if (performance.now() - lastLog > 10_000) {
              lastLog = performance.now();
              log(`  ${committed.toLocaleString('en')} committed, RSS ${Math.round(rss)} MiB (peak ${Math.round(peak)})`);
            }
            await sleep(SAMPLE_MS);
          }
        })(),
        logFile,
      );
    } finally {
      await child.stop(40_000);
    }
    const seconds = (performance.now() - started) / 1000;
    const filesPerHour = parquetFilesPerHour(world.aggregatorEnv().LAKE_DIR as string);
    const result = {
      products: PRODUCTS,
      events: PRODUCTS,
      partitions: PARTITIONS,
      fillSeconds: Number(fillSeconds.toFixed(1)),
      aggregatorSeconds: Number(seconds.toFixed(1)),
      aggregatorEventsPerSec: Math.round(PRODUCTS / seconds),
      rssAtDecilesMiB: deciles,
      rssAt10MiB: deciles[0],
      rssAt50MiB: deciles[4],
      rssAt100MiB: deciles[9],
      peakRssMiB: Math.round(peak),
      parquetFilesPerHour: filesPerHour,
      parquetFilesMaxPerHour: Math.max(0, ...Object.values(filesPerHour)),
    };
    printResult(result, args.json);
  } finally {
    await world.close();
  }
}

/** Parquet files per lake hour (`date=…/hour=…` → count) under `<lake>/raw`. */
function parquetFilesPerHour(lakeDir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  const raw = join(lakeDir, 'raw');
  for (const date of safeReaddir(raw)) {
    for (const hour of safeReaddir(join(raw, date))) {
      counts[`${date}/${hour}`] = safeReaddir(join(raw, date, hour)).filter((f) => f.endsWith('.parquet')).length;
    }
  }
  return counts;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

runMain(main);
