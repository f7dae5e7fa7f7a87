/**
 * The cross-project benchmark driver (issue 15): runs every pair that exists today, each against its
 * baseline measured in the same run, prints one table of ratios against the targets, and appends the
 * run to bench/results/ with the date, commit, load, data sizes and settings.
 *
 *   npm run bench [-- --quick | --scale] [-- --only rollup,aggregator,api,peer,freshness,rss,range] [-- --no-record]
 *   npm run bench --quick          (npm passes it as npm_config_quick: read too)
 *
 * `--scale` (issue 28): the catalogue's sizes. The peer pair at 2M events, clean and with 1 % bad input
 * (mixed sizes up to 400 KB), each in both orders (aggregator first, peer first): four runs of
 * streams-peer.ts, and the aggregator's rate with bad input against its rate on clean input of the
 * same order, and in CPU per event (bad-input-cost.ts, ABBA, with the decode floor's own cost on the same
 * topics); the rollup pairs at hours of 1M rows (rollup-bench.ts --scale) beside the small hours of
 * --quick; the aggregator at 1M events and its RSS over 10M distinct products (their default sizes).
 *
 * Each pair is its project's own bench (they live beside what they measure, where lint and tsc see
 * them), run as a child process with `--json`: apps/batch-rollup/bench/rollup-bench.ts,
 * apps/aggregator/bench/aggregator-throughput.ts, apps/dashboard/bench/top-latency.ts, and the
 * process-level ones in apps/aggregator/bench: streams-peer.ts (vs Kafka Streams exactly_once_v2, built
 * with Maven under bench/kafka-streams-peer on first use), freshness.ts (produced → visible in
 * top_1000), rss-distinct.ts (the aggregator's RSS over many distinct products).
 * Postgres: TEST_DATABASE_URL (admin URL) or an embedded server this driver starts (durable: fsync
 * on, as production). Kafka: KAFKA_BROKERS (default 127.0.0.1:19092); without a broker the
 * aggregator's rows say so. The dashboard is built afresh into .next-bench (a stale build would
 * measure old code).
 */
import { execSync, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '@hitboard/db';

const ROOT = resolve(__dirname, '..');
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scale: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-record': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'Usage: npm run bench [-- --quick | --scale] [-- --only rollup,aggregator,api,peer,freshness,rss,range] [-- --no-record]\n\n' +
      'Runs the benchmark pairs of issue 15 (rollup vs DuckDB GROUP BY, backfill vs GROUP BY per hour and day,\n' +
      'aggregator vs decode floor and vs one INSERT per event, /api/top vs a constant-JSON route, aggregator vs\n' +
      'Kafka Streams exactly_once_v2 (peer; needs java 17 + mvn), produced → visible in top_1000 vs the flush interval\n' +
      '(freshness), aggregator RSS over distinct products (rss), a 31- and a 365-day range vs DuckDB GROUP BY over its tiles (range)), prints ratios against the targets and appends the\n' +
      'run to bench/results/<date>-npm-run-bench.md (unless --no-record).\n' +
      '--quick: 3 days of lake, 200k events, 3 s per route, 60 s of freshness, 500k distinct products (a few minutes\n' +
      'each on an idle machine).\n' +
      '--scale: the catalogue sizes of issue 28: the peer pair at 2,000,000 events, clean and with 1 % bad input of mixed\n' +
      'sizes up to 400 KB, each aggregator first and peer first, and what the bad input costs the aggregator (its rate vs\n' +
      'clean, same order); the rollup at hours of 1M rows (200k products) beside small hours; aggregator 1M events; RSS at 10M products.\n' +
      'Env: TEST_DATABASE_URL (admin URL; default an embedded Postgres), KAFKA_BROKERS (default 127.0.0.1:19092).\n',
  );
  process.exit(0);
}
const QUICK = values.quick || process.env['npm_config_quick'] === 'true';
const SCALE = values.scale || process.env['npm_config_scale'] === 'true';
if (QUICK && SCALE) {
  process.stderr.write('bench: --quick and --scale pull the sizes opposite ways: give one of them\n');
  process.exit(2);
}
const ONLY = new Set((values.only ?? 'rollup,aggregator,api,peer,freshness,rss,range').split(','));
const BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092';
const say = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

interface Row {
  pair: string;
  baseline: string;
  measured: string;
  ratio: number | null;
  /** `>= 0.8` or `<= 2`: how the ratio must compare. */
  target: { op: '<=' | '>='; value: number };
  note: string;
}

/** What apps/aggregator/bench/streams-peer.ts prints with --json. */
interface PeerResult {
  events: number;
  badPercent: number;
  badEvents: number;
  dlqRecords: number;
  order: 'aggregator-first' | 'peer-first';
  aggregatorSeconds: number;
  aggregatorEventsPerSec: number;
  aggregatorPeakRssMiB: number;
  peerSeconds: number;
  peerEventsPerSec: number;
  peerPeakRssMiB: number;
  peerOutputCells: number;
  peerOutputExact: boolean;
}

interface Group {
  name: string;
  loadBefore: string;
  loadAfter: string;
  seconds: number;
  settings: string;
  rows: Row[];
  error?: string;
}

/** Runs one project bench (`node --require tsx/cjs file args --json tmp`), returns its JSON; its output goes to a log file. */
async function runBench(file: string, args: string[], env: Record<string, string>, logFile: string): Promise<unknown> {
  const jsonFile = join(tmpdir(), `bench-${process.pid}-${Date.now()}.json`);
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', file, ...args, '--json', jsonFile], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number>((r) => child.on('exit', (c, s) => r(c ?? (s ? 1 : 0))));
  appendFileSync(logFile, `\n### ${file} ${args.join(' ')}\n${out}`);
  if (code !== 0) throw new Error(`${file} exited ${code}; last output:\n${out.split('\n').slice(-15).join('\n')}`);
  const parsed = JSON.parse(readFileSync(jsonFile, 'utf8')) as unknown;
  rmSync(jsonFile, { force: true });
  return parsed;
}

async function group(name: string, settings: string, body: () => Promise<Row[]>): Promise<Group> {
  const loadBefore = load();
  const started = performance.now();
  say(`${name} (load ${loadBefore})…`);
  try {
    const rows = await body();
    return { name, loadBefore, loadAfter: load(), seconds: (performance.now() - started) / 1000, settings, rows };
  } catch (error) {
    say(`${name} failed: ${(error as Error).message}`);
    return { name, loadBefore, loadAfter: load(), seconds: (performance.now() - started) / 1000, settings, rows: [], error: (error as Error).message.split('\n')[0]! };
  }
}

const fmtMs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(1)} ms`);
const met = (r: Row) => (r.ratio === null ? 'no answers' : (r.target.op === '<=' ? r.ratio <= r.target.value : r.ratio >= r.target.value) ? '**met**' : 'missed');

async function brokerUp(): Promise<boolean> {
  const admin = new Kafka({ brokers: BROKERS.split(','), clientId: 'bench-probe', logLevel: logLevel.NOTHING, retry: { retries: 1 }, connectionTimeout: 3000 }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function main(): Promise<number> {
  const logFile = join(tmpdir(), `bench-run-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  let embedded: EmbeddedPostgresServer | null = null;
  let adminUrl = process.env['TEST_DATABASE_URL'];
  let pgNote = 'TEST_DATABASE_URL';
  if (!adminUrl) {
    say('starting an embedded Postgres (durable: fsync and synchronous commit on)…');
    embedded = await startEmbeddedPostgres({ dataDir: mkdtempSync(join(tmpdir(), 'bench-pg-')), persistent: false, durable: true });
    adminUrl = embedded.url;
    pgNote = 'embedded Postgres 17, durable (fsync on)';
  }
  const env = { TEST_DATABASE_URL: adminUrl, DATABASE_URL: adminUrl, KAFKA_BROKERS: BROKERS };
  const groups: Group[] = [];
  try {
    if (ONLY.has('rollup')) {
      // --scale: hours of a million rows (issue 28), with the small hours of --quick beside them in the same run.
      const forms = SCALE
        ? [
            { args: ['--quick'], label: '', backfillTarget: 2, settings: '5,000 products in 10 categories, 3 UTC days × 24 h × 2 files × 1,500 rows' },
            { args: ['--scale'], label: ', 1M-row hours', backfillTarget: 1.5, settings: '200,000 products, 1 UTC day × 24 h × 4 files × 250,000 rows (1M rows an hour)' },
          ]
        : [{ args: QUICK ? ['--quick'] : [], label: '', backfillTarget: 2, settings: `5,000 products in 10 categories, ${QUICK ? 3 : 30} UTC days × 24 h × 2 files × 1,500 rows` }];
      groups.push(
        await group('rollup', `${forms.map((f) => f.settings).join('; and ')}; median of 5 hourly runs; backfill concurrency 2`, async () => {
          const rows: Row[] = [];
          for (const form of forms) {
            const r = (await runBench('apps/batch-rollup/bench/rollup-bench.ts', form.args, env, logFile)) as {
              data: { days: number; files: number; rawRows: number };
              hourly: { floorMs: number; rollupMs: number; duckdbMs: number; publishMs: number; servingRows: number };
              backfill: { floorMs: number; backfillMs: number; windows: number };
            };
            rows.push(
              {
                pair: `hourly rollup (one window, end to end incl. publish)${form.label}`,
                baseline: `DuckDB GROUP BY of the hour's files: ${fmtMs(r.hourly.floorMs)}`,
                measured: fmtMs(r.hourly.rollupMs),
                ratio: r.hourly.rollupMs / r.hourly.floorMs,
                target: { op: '<=', value: 2 },
                note: `DuckDB part ${fmtMs(r.hourly.duckdbMs)} (${(r.hourly.duckdbMs / r.hourly.floorMs).toFixed(2)}×), publish transaction ${fmtMs(r.hourly.publishMs)} for ${r.hourly.servingRows} serving rows`,
              },
              {
                pair: `${r.data.days}-day backfill (${r.backfill.windows} windows)${form.label}`,
                baseline: `GROUP BY per hour and per day: ${fmtMs(r.backfill.floorMs)}`,
                measured: fmtMs(r.backfill.backfillMs),
                ratio: r.backfill.backfillMs / r.backfill.floorMs,
                target: { op: '<=', value: form.backfillTarget },
                note: `${r.data.files} files, ${r.data.rawRows.toLocaleString('en')} raw rows`,
              },
            );
          }
          return rows;
        }),
      );
    }
    if (ONLY.has('aggregator')) {
      const events = QUICK ? 200_000 : 1_000_000;
      const settings = `${events.toLocaleString('en')} events, 6 partitions, 5,000 Zipf(1.1) products, 5 s flushes; INSERT baseline over the first ${QUICK ? '3,000' : '10,000'}`;
      if (await brokerUp()) {
        groups.push(
          await group('aggregator', settings, async () => {
            const r = (await runBench('apps/aggregator/bench/aggregator-throughput.ts', QUICK ? ['--quick'] : [], env, logFile)) as {
              decodeFloorEventsPerSec: number;
              aggregatorEventsPerSec: number;
              insertPerEventEventsPerSec: number;
              aggregatorPeakRssMb: number;
              flushes: number;
              flushSeconds: number;
              aggregatorSeconds: number;
            };
            const rate = (n: number) => `${n.toLocaleString('en')} events/s`;
            return [
              {
                pair: 'aggregator vs decode floor',
                baseline: `kafkajs + JSON.parse: ${rate(r.decodeFloorEventsPerSec)}`,
                measured: rate(r.aggregatorEventsPerSec),
                ratio: r.aggregatorEventsPerSec / r.decodeFloorEventsPerSec,
                target: { op: '>=', value: 0.8 },
                note: `${r.flushes} flushes, ${r.flushSeconds} s summed in a ${r.aggregatorSeconds} s run; peak RSS ${r.aggregatorPeakRssMb} MB`,
              },
              {
                pair: 'aggregator vs one INSERT per event',
                baseline: `parse + INSERT (autocommit): ${rate(r.insertPerEventEventsPerSec)}`,
                measured: rate(r.aggregatorEventsPerSec),
                ratio: r.aggregatorEventsPerSec / r.insertPerEventEventsPerSec,
                target: { op: '>=', value: 100 },
                note: 'same Postgres server as the ledger',
              },
            ];
          }),
        );
      } else {
        groups.push({ name: 'aggregator', loadBefore: load(), loadAfter: load(), seconds: 0, settings, rows: [], error: `no broker at ${BROKERS} (bash infra/kafka/kafka.sh start)` });
      }
    }
    // The process-level pairs of apps/aggregator/bench: each needs the broker.
    const needBroker = ['peer', 'freshness', 'rss'].filter((p) => ONLY.has(p));
    const brokerOk = needBroker.length > 0 && (await brokerUp());
    const brokerMissing = (name: string, settings: string): Group => ({ name, loadBefore: load(), loadAfter: load(), seconds: 0, settings, rows: [], error: `no broker at ${BROKERS} (bash infra/kafka/kafka.sh start)` });
    if (ONLY.has('peer')) {
      const events = QUICK ? 200_000 : SCALE ? 2_000_000 : 1_000_000;
      const settings = `${events.toLocaleString('en')} events, 6 partitions, 5,000 Zipf(1.1) products${SCALE ? '; clean and 1 % bad input (mixed sizes up to 400 KB), aggregator first and peer first' : ''}; aggregator FLUSH_INTERVAL_MS = peer commit.interval.ms = 5 s; peer: 1 stream thread, RocksDB window store, -Xmx1g`;
      groups.push(
        !brokerOk
          ? brokerMissing('peer', settings)
          : await group('peer', settings, async () => {
              const forms: { badPercent: number; peerFirst: boolean }[] = SCALE
                ? [
                    { badPercent: 0, peerFirst: false },
                    { badPercent: 0, peerFirst: true },
                    { badPercent: 1, peerFirst: false },
                    { badPercent: 1, peerFirst: true },
                  ]
                : [{ badPercent: 0, peerFirst: false }];
              const rows: Row[] = [];
              const results: (PeerResult & { load: string })[] = [];
              for (const form of forms) {
                const args = [...(QUICK ? ['--quick'] : ['--events', String(events)]), ...(form.badPercent > 0 ? ['--bad-percent', String(form.badPercent)] : []), ...(form.peerFirst ? ['--peer-first'] : [])];
                const loadBefore = load();
                const r = (await runBench('apps/aggregator/bench/streams-peer.ts', args, env, logFile)) as PeerResult;
                results.push({ ...r, load: `${loadBefore} → ${load()}` });
                const form_ = `${r.events.toLocaleString('en')} events, ${r.badPercent > 0 ? `${r.badPercent} % bad input (${r.badEvents.toLocaleString('en')}; ${r.dlqRecords.toLocaleString('en')} DLQ records)` : 'clean'}, ${r.order === 'peer-first' ? 'peer first' : 'aggregator first'}`;
                rows.push({
                  pair: `aggregator vs Kafka Streams exactly_once_v2 (same topic, process start → all committed)${SCALE ? `: ${form_}` : ''}`,
                  baseline: `Kafka Streams 4.4.0 (minute, product) pre-sum to a topic: ${r.peerEventsPerSec.toLocaleString('en')} events/s (${r.peerSeconds} s)`,
                  measured: `${r.aggregatorEventsPerSec.toLocaleString('en')} events/s (${r.aggregatorSeconds} s)`,
                  ratio: r.aggregatorEventsPerSec / r.peerEventsPerSec,
                  target: { op: '>=', value: 2 },
                  note: `${SCALE ? `load ${results.at(-1)!.load}; ` : ''}peer's committed output ${r.peerOutputExact ? 'adds up to' : '**does not add up to**'} the events' units and revenue (${r.peerOutputCells.toLocaleString('en')} cells); peak RSS aggregator ${r.aggregatorPeakRssMiB} MiB, peer ${r.peerPeakRssMiB} MiB; the peer does no validation beyond JSON, no dedupe, no Parquet, no ledger`,
                });
              }
              // What bad input costs the aggregator: its rate with 1 % bad against clean, same order.
              for (const order of SCALE ? (['aggregator-first', 'peer-first'] as const) : []) {
                const clean = results.find((r) => r.order === order && r.badPercent === 0)!;
                const bad = results.find((r) => r.order === order && r.badPercent > 0)!;
                rows.push({
                  pair: `aggregator with 1 % bad input vs clean input (${order === 'peer-first' ? 'peer first' : 'aggregator first'})`,
                  baseline: `clean: ${clean.aggregatorEventsPerSec.toLocaleString('en')} events/s (load ${clean.load})`,
                  measured: `1 % bad: ${bad.aggregatorEventsPerSec.toLocaleString('en')} events/s (load ${bad.load})`,
                  ratio: bad.aggregatorEventsPerSec / clean.aggregatorEventsPerSec,
                  target: { op: '>=', value: 0.9 },
                  note: `bad input costs ≤ 10 % (issue 28); the peer's own: ${(bad.peerEventsPerSec / clean.peerEventsPerSec).toFixed(2)}×; ${bad.dlqRecords === bad.badEvents ? 'one DLQ record per bad offset' : `**${bad.dlqRecords} DLQ records for ${bad.badEvents} bad offsets**`}`,
                });
              }
              if (SCALE) {
                // The same cost in CPU per event (steadier than wall time on shared cores), clean and bad in turn
                // (ABBA), with the decode floor's own cost on the same topics beside it.
                const r = (await runBench('apps/aggregator/bench/bad-input-cost.ts', ['--events', '1000000', '--rounds', '2'], env, logFile)) as {
                  runs: { badPercent: number; cpuUsPerEvent: number; floorCpuUsPerEvent: number; load: string }[];
                  cpuPerEventRatio: number;
                  floorCpuPerEventRatio: number;
                  extraCpuUsPerEvent: number;
                  floorExtraCpuUsPerEvent: number;
                };
                const us = (badPercent: number, key: 'cpuUsPerEvent' | 'floorCpuUsPerEvent') =>
                  r.runs.filter((x) => (x.badPercent > 0) === badPercent > 0).map((x) => x[key].toFixed(1)).join(', ');
                rows.push({
                  pair: 'aggregator CPU per event, 1 % bad input vs clean (1,000,000 events, clean and bad in turn, ABBA)',
                  baseline: `clean: ${us(0, 'cpuUsPerEvent')} µs/event`,
                  measured: `1 % bad: ${us(1, 'cpuUsPerEvent')} µs/event`,
                  ratio: 1 / r.cpuPerEventRatio,
                  target: { op: '>=', value: 0.9 },
                  note: `bad input costs ${((r.cpuPerEventRatio - 1) * 100).toFixed(1)} % more CPU per event (+${r.extraCpuUsPerEvent} µs); the decode floor on the same topics ${((r.floorCpuPerEventRatio - 1) * 100).toFixed(1)} % (+${r.floorExtraCpuUsPerEvent} µs; clean ${us(0, 'floorCpuUsPerEvent')}, bad ${us(1, 'floorCpuUsPerEvent')} µs/event); loads ${r.runs.map((x) => x.load).join('; ')}`,
                });
              }
              return rows;
            }),
      );
    }
    if (ONLY.has('freshness')) {
      const settings = `${QUICK ? '60 s at 5' : '300 s at 10'} marker sales/s over 20 products + 500 background events/s (5,000 Zipf products); aggregator FLUSH_INTERVAL_MS 5 s, speed WRITE_INTERVAL_MS 2 s; polled every 100 ms`;
      groups.push(
        !brokerOk
          ? brokerMissing('freshness', settings)
          : await group('freshness', settings, async () => {
              const r = (await runBench('apps/aggregator/bench/freshness.ts', QUICK ? ['--quick'] : [], env, logFile)) as {
                sales: number;
                visible: number;
                p50Ms: number;
                p99Ms: number;
                maxMs: number;
                flushIntervalMs: number;
                startupSeconds: number;
                maxErrorBound: number;
                p50FirstFifthMs: number;
                p50LastFifthMs: number;
                pollP50Ms: number;
                backgroundSent: number;
              };
              return [
                {
                  pair: 'freshness: produced → visible in top_1000 (P99)',
                  baseline: `the aggregator's flush interval: ${r.flushIntervalMs} ms (target P99 ≤ flush + 2 s)`,
                  measured: `P99 ${r.p99Ms} ms (P50 ${r.p50Ms}, max ${r.maxMs}) over ${r.visible} of ${r.sales} sales`,
                  ratio: r.p99Ms / r.flushIntervalMs,
                  target: { op: '<=', value: (r.flushIntervalMs + 2000) / r.flushIntervalMs },
                  note: `via aggregator → product-sums → speed pipeline → speed_table; P50 of the first / last fifth of the sales ${r.p50FirstFifthMs} / ${r.p50LastFifthMs} ms; top_1000 query P50 ${r.pollP50Ms} ms; ${r.backgroundSent.toLocaleString('en')} background events sent; ${r.sales - r.visible} never visible; start-up until a warm-up sale of each marker product was visible ${r.startupSeconds} s (not counted); largest count-min bound seen ${r.maxErrorBound} units (steps of 50)`,
                },
              ];
            }),
      );
    }
    if (ONLY.has('rss')) {
      const products = QUICK ? 500_000 : 10_000_000;
      const settings = `${products.toLocaleString('en')} events, each a distinct product and event_id, 6 partitions; aggregator defaults (5 s flushes, FLUSH_MAX_KEYS 200,000, DEDUPE_MAX_IDS 1,000,000 per partition); VmRSS of the aggregator process every 250 ms`;
      groups.push(
        !brokerOk
          ? brokerMissing('rss', settings)
          : await group('rss', settings, async () => {
              const r = (await runBench('apps/aggregator/bench/rss-distinct.ts', QUICK ? ['--quick'] : [], env, logFile)) as {
                products: number;
                rssAt10MiB: number;
                rssAt50MiB: number;
                rssAt100MiB: number;
                peakRssMiB: number;
                aggregatorEventsPerSec: number;
                parquetFilesMaxPerHour: number;
              };
              return [
                {
                  pair: `aggregator peak RSS over ${r.products.toLocaleString('en')} distinct products${QUICK ? ' (quick: not 10M)' : ''}`,
                  baseline: '1 GiB (1,024 MiB)',
                  measured: `peak ${r.peakRssMiB} MiB; at 10 % / 50 % / 100 % committed: ${r.rssAt10MiB} / ${r.rssAt50MiB} / ${r.rssAt100MiB} MiB`,
                  ratio: r.peakRssMiB / 1024,
                  target: { op: '<=', value: 1 },
                  note: `50 % → 100 %: ${r.rssAt100MiB - r.rssAt50MiB >= 0 ? '+' : ''}${r.rssAt100MiB - r.rssAt50MiB} MiB; ${r.aggregatorEventsPerSec.toLocaleString('en')} events/s; at most ${r.parquetFilesMaxPerHour} Parquet files in one hour (60 before the memory budget; ≤ 2× is the target)`,
                },
              ];
            }),
      );
    }
    if (ONLY.has('api')) {
      say('building the dashboard into .next-bench…');
      const apiEnv = { ...env, DASHBOARD_DIST_DIR: '.next-bench' };
      execSync('node --require tsx/cjs src/serve.ts --rebuild --build-only', { cwd: join(ROOT, 'apps/dashboard'), env: { ...process.env, ...apiEnv }, stdio: ['ignore', 'ignore', 'inherit'] });
      groups.push(
        await group('api', `1,000 products, one closed batch hour and one live speed hour; autocannon 50 connections, ${QUICK ? '3 s' : '10 s'} per route after a warm-up`, async () => {
          const r = (await runBench('apps/dashboard/bench/top-latency.ts', QUICK ? ['--quick'] : [], apiEnv, logFile)) as {
            results: {
              cache: string;
              rows: { name: string; p99: number; p50: number; rps: number; errors: number; cpuMsPerRequest: number; floorP99?: number; floorCpuMsPerRequest?: number }[];
            }[];
          };
          const rows: Row[] = [];
          for (const { cache, rows: m } of r.results) {
            for (const [k, limit] of [
              [10, 1.2],
              [1000, 2],
            ] as const) {
              const route = m.find((x) => x.name === `/api/top closed batch hour, k=${k}`)!;
              const floorP99 = route.floorP99 ?? 0;
              rows.push({
                pair: `/api/top k = ${k} (closed batch hour), result cache ${cache}`,
                baseline: `constant-JSON route P99 ${floorP99} ms (mean of just before and after)`,
                measured: `P99 ${route.p99} ms (P50 ${route.p50}, ${route.rps} req/s)`,
                ratio: floorP99 > 0 && route.rps > 0 ? route.p99 / floorP99 : null,
                target: { op: '<=', value: limit },
                note: `server CPU/request ${route.cpuMsPerRequest.toFixed(2)} ms = ${(route.cpuMsPerRequest / (route.floorCpuMsPerRequest ?? NaN)).toFixed(2)}× the floor's; errors ${route.errors}`,
              });
            }
          }
          return rows;
        }),
      );
    }
    if (ONLY.has('range')) {
      groups.push(
        await group('range', `10,000 products in every tile; ${QUICK ? 20 : 100} requests per measurement, in turn with the floor`, async () => {
          // server-only resolves to its empty module under the react-server condition, as in Next's server bundle.
          const r = (await runBench('apps/dashboard/bench/range-latency.ts', QUICK ? ['--quick'] : [], { ...env, NODE_OPTIONS: '--conditions=react-server' }, logFile)) as {
            results: { range: string; tiles: number; floor: { p50: number; p99: number }; merge: { p50: number; p99: number }; cold: { p50: number; p99: number }; cached: { p50: number; p99: number } }[];
          };
          return r.results.map((x) => ({
            pair: `range top 10, ${x.range} (${x.tiles} tiles)`,
            baseline: `DuckDB GROUP BY over the same tiles P99 ${x.floor.p99} ms`,
            measured: `merge P99 ${x.merge.p99} ms; first request (with the range before, Postgres) P99 ${x.cold.p99} ms; cached P99 ${x.cached.p99} ms`,
            ratio: x.merge.p99 / x.floor.p99,
            target: { op: '<=' as const, value: 1.5 },
            note: `first request ${(x.cold.p99 / x.floor.p99).toFixed(2)}× the floor (reads two ranges); cached ${(x.cached.p99 / x.floor.p99).toFixed(2)}×`,
          }));
        }),
      );
    }
  } finally {
    await embedded?.stop();
  }

  const commit = execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
  const dirty = execSync('git status --porcelain --untracked-files=no', { cwd: ROOT }).toString().trim() !== '';
  const cpu = execSync("lscpu | sed -n 's/^Model name: *//p'").toString().trim();
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const lines = [
    `### ${when} UTC · ${commit}${dirty ? ' (with uncommitted changes)' : ''} · \`npm run bench${QUICK ? ' -- --quick' : ''}${SCALE ? ' -- --scale' : ''}${values.only ? ` --only ${values.only}` : ''}\``,
    '',
    `${cpu}, ${cpus().length} cores, Node ${process.version}; Postgres: ${pgNote}; Kafka: ${BROKERS}. Log: ${logFile}`,
    '',
    '| pair | baseline (same run) | measured | ratio | target | result | load before → after | notes |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const g of groups) {
    if (g.error) lines.push(`| ${g.name} | — | — | — | — | not run | ${g.loadBefore} → ${g.loadAfter} | ${g.error} |`);
    for (const r of g.rows) {
      lines.push(
        `| ${r.pair} | ${r.baseline} | ${r.measured} | ${r.ratio === null ? '—' : `${r.ratio.toFixed(r.ratio >= 10 ? 0 : 2)}×`} | ${r.target.op} ${r.target.value}× | ${met(r)} | ${g.loadBefore} → ${g.loadAfter} | ${r.note} |`,
      );
    }
  }
  lines.push('', 'Settings: ' + groups.map((g) => `${g.name}: ${g.settings} (${g.seconds.toFixed(0)} s)`).join('; ') + '.');
  lines.push('');
  const report = lines.join('\n');
  process.stdout.write(`\n${report}\n`);
  if (!values['no-record']) {
    // One file per run beside the others (bench/results/YYYY-MM-DD-HHMM-npm-run-bench.md); BENCHMARKS.md's table links the ones worth it.
    const stamp = new Date().toISOString().slice(0, 16).replace('T', '-').replace(':', '');
    const path = join(ROOT, 'bench', 'results', `${stamp}-npm-run-bench.md`);
    writeFileSync(path, `# \`npm run bench\`, ${stamp}\n${report}`);
    say(`recorded in ${path}`);
  }
  return groups.some((g) => g.error) ? 1 : 0;
}

main().then((code) => process.exit(code)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
