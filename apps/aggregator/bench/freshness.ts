/**
 * Freshness (issue 15): how long from a sale produced to Kafka until it is visible in `top_1000`,
 * through the real path — the aggregator (apps/aggregator/src/main.ts: pre-sum, flush every
 * FLUSH_INTERVAL_MS, publish to the product-sums topic) and the speed pipeline
 * (apps/speed-pipeline/src/main.ts: sketches, speed_table rows every WRITE_INTERVAL_MS), which is what
 * `top_1000` serves for an open window that has no batch run. Each runs as its own process.
 *
 *   npx tsx apps/aggregator/bench/freshness.ts [--seconds 300] [--rate 10] [--background 500] [--quick] [--json FILE]
 *
 * Marker sales: `--rate` per second, round-robin over 20 marker products of this run, each of quantity
 * 50, with occurred_at = now. The clock of a sale starts just before its `producer.send` (acks = all).
 * The bench polls `top_1000` (interval 'hour', metric 'units', the sale's hour window) every 100 ms;
 * sale k of a product is visible once that product's units reach the cumulative units up to sale k.
 * The count-min estimate never undercounts and overcounts by at most its error bound (recorded): with
 * steps of 50 units, a bound below 50 cannot make a sale look visible before it is counted. Beside
 * the markers, `--background` events per second of 5,000 Zipf(1.1) products keep the pipeline busy.
 * A warm-up sale of each marker product must be visible before the background traffic and the measured
 * sales start (start-up and each partition's first flush are not freshness, and traffic queued during
 * them would be a backlog).
 * Latency resolution: the 100 ms poll (plus the query's own time). Target: P99 ≤ flush interval + 2 s.
 * `--quick`: 60 s at 5 sales/s. Postgres: DATABASE_URL (admin URL) or an embedded one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Producer } from 'kafkajs';
import { startApp, unlessExits } from '@hitboard/testkit';
import { aliasSampler, seededRandom, zipfWeights } from '@hitboard/random';
import { benchArgs, benchWorld, BROKERS, kafka, log, percentile, saleEventJson, printResult } from './harness';
import { runMain } from '@hitboard/runtime';

const args = benchArgs(
  'Usage: npx tsx apps/aggregator/bench/freshness.ts [--seconds S=300] [--rate R=10] [--background B=500] [--flush-interval-ms MS=5000]\n' +
    '       [--quick (60 s at 5/s)] [--json FILE]\n' +
    'Env: KAFKA_BROKERS (default 127.0.0.1:19092), DATABASE_URL (admin URL; default: an embedded Postgres).\n',
  { seconds: [300, 60], rate: [10, 5], background: 500, 'flush-interval-ms': 5000 },
);
const SECONDS = args.n.seconds;
const RATE = args.n.rate;
const BACKGROUND = args.n.background;
const FLUSH_INTERVAL_MS = args.n['flush-interval-ms'];
const WRITE_INTERVAL_MS = 2000; // the speed pipeline's default WRITE_INTERVAL_MS
const PARTITIONS = 6;
const MARKERS = 20;
const MARKER_QUANTITY = 50;
const POLL_MS = 100;
const HOUR_MS = 3_600_000;

interface Sale {
  product: string;
  windowStartMs: number;
  /** The product's units in that window once this sale is counted. */
  cumulative: number;
  sentAt: number;
  visibleAt?: number;
}

class Markers {
  readonly sales: Sale[] = [];
  private readonly units = new Map<string, number>();
  private i = 0;
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly run: string,
  ) {}

  async send(product: string): Promise<Sale> {
    const now = Date.now();
    const windowStartMs = Math.floor(now / HOUR_MS) * HOUR_MS;
    const key = `${windowStartMs}|${product}`;
    const cumulative = (this.units.get(key) ?? 0) + MARKER_QUANTITY;
    this.units.set(key, cumulative);
    const sale: Sale = { product, windowStartMs, cumulative, sentAt: performance.now() };
    await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key: product, value: saleEventJson(this.i++, product, now, MARKER_QUANTITY) }] });
    return sale;
  }

  /** The measured sales: round-robin over the markers. */
  async sendMeasured(): Promise<void> {
    const sale = await this.send(`fresh-${this.run}-${this.sales.length % MARKERS}`);
    this.sales.push(sale);
  }
}

/** Marks every pending sale that top_1000 now shows; returns the largest error bound seen. */
async function poll(pg: import('knex').Knex, pending: Sale[]): Promise<number> {
  if (pending.length === 0) return 0;
  const windows = [...new Set(pending.map((s) => s.windowStartMs))];
  const products = [...new Set(pending.map((s) => s.product))];
  const rows = await pg
    .select<{ product_id: string; units: bigint | string; error_bound: number | string | null; ws: string }[]>(
      'product_id',
      'units',
      'error_bound',
      pg.raw('(extract(epoch from window_start) * 1000)::bigint::text as ws'),
    )
    .from('top_1000')
    .where({ interval: 'hour', metric: 'units' })
    .whereIn(
      'window_start',
      windows.map((w) => new Date(w)),
    )
    .whereIn('product_id', products);
  const now = performance.now();
  const seen = new Map(rows.map((r) => [`${r.ws}|${r.product_id}`, Number(r.units)]));
  for (const s of pending) if ((seen.get(`${s.windowStartMs}|${s.product}`) ?? 0) >= s.cumulative) s.visibleAt = now;
  return rows.reduce((m, r) => Math.max(m, Number(r.error_bound ?? 0)), 0);
}

async function main(): Promise<void> {
  const world = await benchWorld('bench-fresh', PARTITIONS);
  const { run, topic, db } = world;
  const aggLog = world.logFile('aggregator');
  const speedLog = world.logFile('speed');
  const aggregator = startApp('aggregator', world.aggregatorEnv({ FLUSH_INTERVAL_MS: String(FLUSH_INTERVAL_MS) }), { logFile: aggLog });
  const speed = startApp(
    'speed-pipeline',
    { ...process.env, LOG_LEVEL: 'warn', KAFKA_BROKERS: BROKERS.join(','), KAFKA_GROUP_ID: `${topic}-speed`, TOPIC_PRODUCT_SUMS: `${topic}-sums`, DATABASE_URL: db.url, OPS_PORT: '0', WRITE_INTERVAL_MS: String(WRITE_INTERVAL_MS) },
    { logFile: speedLog },
  );
  const producer = kafka().producer();
  await producer.connect();
  const markers = new Markers(producer, topic, run);
  const product = aliasSampler(zipfWeights(5000, 1.1), seededRandom(7));
  let producing = true;
  let backgroundSent = 0;
  // Started once the warm-up marker is visible: traffic queued during start-up would be a backlog, not freshness.
  let startBackground!: () => void;
  const backgroundMayStart = new Promise<void>((r) => (startBackground = r));
  const background = (async () => {
    await backgroundMayStart;
    const backgroundStarted = performance.now();
    // Every 100 ms, a tenth of the background rate (on a schedule: a slow send does not lower the rate).
    for (let tick = 0; producing && BACKGROUND > 0; tick++) {
      await sleep(Math.max(0, backgroundStarted + tick * 100 - performance.now()));
      const n = Math.round(BACKGROUND / 10);
      const messages = Array.from({ length: n }, (_, j) => {
        const p = `p-${product()}`;
        return { key: p, value: saleEventJson(1_000_000_000 + tick * n + j, p, Date.now()) };
      });
      await producer.send({ topic, acks: -1, messages });
      backgroundSent += n;
    }
  })();
  const watch = <T>(work: Promise<T>) => unlessExits(aggregator, unlessExits(speed, work, speedLog), aggLog);
  let maxBound = 0;
  let startupSeconds = NaN;
  // How long each top_1000 query took: the measurement's resolution is the poll interval plus this.
  const pollMs: number[] = [];
  try {
    // One sale of every marker product (so every partition the markers use has had its first flush,
    // which sets up its ledger rows and lake files), all visible before anything is measured.
    log('warm-up: waiting until one sale of each marker product is visible in top_1000…');
    const warm: Sale[] = [];
    for (let m = 0; m < MARKERS; m++) warm.push(await markers.send(`fresh-${run}-${m}`));
    const warmStarted = performance.now();
    await watch(
      (async () => {
        while (warm.some((w) => w.visibleAt === undefined)) {
          if (performance.now() - warmStarted > 300_000) throw new Error('the warm-up sales were not all visible in top_1000 within 300 s of start-up');
          await poll(
            db.knex,
            warm.filter((w) => w.visibleAt === undefined),
          );
          await sleep(POLL_MS);
        }
      })(),
    );
    startupSeconds = (Math.max(...warm.map((w) => w.visibleAt!)) - warm[0]!.sentAt) / 1000;
    log(`  visible after ${startupSeconds.toFixed(1)} s (start-up); measuring ${SECONDS} s at ${RATE} sales/s…`);
    startBackground();
    const started = performance.now();
    const sending = (async () => {
      for (let k = 0; k < SECONDS * RATE; k++) {
        const due = started + (k * 1000) / RATE;
        await sleep(Math.max(0, due - performance.now()));
        await markers.sendMeasured();
      }
    })();
    let sendingDone = false;
    void sending.then(() => (sendingDone = true));
    let doneAt = 0;
    await watch(
      (async () => {
        for (;;) {
          const pending = markers.sales.filter((s) => s.visibleAt === undefined);
          const polledAt = performance.now();
          maxBound = Math.max(maxBound, await poll(db.knex, pending));
          pollMs.push(performance.now() - polledAt);
          if (sendingDone) {
            doneAt ||= performance.now();
            if (pending.length === 0 || performance.now() - doneAt > FLUSH_INTERVAL_MS + WRITE_INTERVAL_MS + 60_000) break;
          }
          await sleep(POLL_MS);
        }
      })(),
    );
    await sending;
  } finally {
    producing = false;
    startBackground();
    await background;
    await producer.disconnect();
    await aggregator.stop(40_000);
    await speed.stop(40_000);
    await world.close();
  }
  const latencyOf = (sales: Sale[]) =>
    sales
      .filter((s) => s.visibleAt !== undefined)
      .map((s) => s.visibleAt! - s.sentAt)
      .sort((a, b) => a - b);
  const latencies = latencyOf(markers.sales);
  // The first and the last fifth of the sales apart: a delay that grows over the run is a backlog (the
  // pipeline falls behind its input), a steady one is the path's own latency.
  const fifth = Math.max(1, Math.floor(markers.sales.length / 5));
  const firstFifth = latencyOf(markers.sales.slice(0, fifth));
  const lastFifth = latencyOf(markers.sales.slice(-fifth));
  pollMs.sort((a, b) => a - b);
  const result = {
    seconds: SECONDS,
    rate: RATE,
    backgroundPerSec: BACKGROUND,
    backgroundSent,
    flushIntervalMs: FLUSH_INTERVAL_MS,
    speedWriteIntervalMs: WRITE_INTERVAL_MS,
    startupSeconds: Number(startupSeconds.toFixed(1)),
    sales: markers.sales.length,
    visible: latencies.length,
    neverVisible: markers.sales.length - latencies.length,
    p50Ms: Math.round(percentile(latencies, 50)),
    p99Ms: Math.round(percentile(latencies, 99)),
    maxMs: Math.round(latencies[latencies.length - 1] ?? NaN),
    p50FirstFifthMs: Math.round(percentile(firstFifth, 50)),
    p50LastFifthMs: Math.round(percentile(lastFifth, 50)),
    pollP50Ms: Math.round(percentile(pollMs, 50)),
    pollP99Ms: Math.round(percentile(pollMs, 99)),
    maxErrorBound: maxBound,
    ratioP99ToFlush: Number((percentile(latencies, 99) / FLUSH_INTERVAL_MS).toFixed(3)),
  };
  printResult(result, args.json);
}

runMain(main);
