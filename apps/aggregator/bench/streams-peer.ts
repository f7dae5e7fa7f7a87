/**
 * The aggregator against the Kafka Streams peer (issue 15): both read the same freshly filled topic
 * (the same events) and pre-sum it per (UTC minute, product), each started as a process of its own.
 *
 *   npx tsx apps/aggregator/bench/streams-peer.ts [--events 1000000] [--partitions 6] [--products 5000] [--interval-ms 5000]
 *       [--bad-percent 0] [--peer-first] [--quick] [--json FILE]
 *
 * Measured for each, with one definition: **from process start (spawn) to all committed** — the moment
 * the system's own durable record of progress covers every offset of the topic, with that offset's
 * outputs committed:
 *   - aggregator (apps/aggregator/src/main.ts): the Postgres ledger's next offsets (ingest_offsets) sum
 *     to the topic's size; each ledger commit follows that flush's Parquet file and product-sums publish;
 *   - peer (bench/kafka-streams-peer, Java 17, kafka-streams 4.4.0, exactly_once_v2): the group's
 *     committed offsets sum to the topic's size; each is committed in the transaction that also commits
 *     the output records and the store's changelog.
 * Both keep their buffers for the same interval: the aggregator's FLUSH_INTERVAL_MS and the peer's
 * commit.interval.ms are both --interval-ms (default 5000, the aggregator's production default), so
 * both may wait up to one interval after reading the last event. Neither is stopped early.
 *
 * `--bad-percent 1` makes 1 % of the messages bad input of mixed kinds and sizes up to 400 KB
 * (harness.ts `badEventValue`): the aggregator dead-letters each (the bench checks the DLQ holds one
 * record per bad offset), the peer skips it (not JSON, or no event time); both pre-sums must still add
 * up to the valid events. `--peer-first` runs the peer first (the default order is aggregator, peer):
 * the one that runs second finds the topic in the page cache and the machine warmer.
 *
 * The peer does less: no validation beyond JSON decoding (no DLQ), no dedupe, no Parquet, no ledger;
 * its windowed store is RocksDB with a changelog topic (Kafka Streams' default). It is built with Maven
 * on first use (bench/kafka-streams-peer/target, jars from Maven Central cached in ~/.m2).
 * Needs a broker whose transaction state log fits one broker (infra/kafka/server.properties sets
 * transaction.state.log.replication.factor=1). Postgres: DATABASE_URL (admin URL) or an embedded one.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnProcess } from '@hitboard/runtime';
import { rssMiB, startApp, unlessExits } from '@hitboard/testkit';
import { aliasSampler, seededRandom, zipfWeights } from '@hitboard/random';
import { benchArgs, benchWorld, BROKERS, committedOffsets, createTopics, fill, kafka, ledgerOffsets, log, ROOT, type BenchWorld, printResult } from './harness';
import { runMain } from '@hitboard/runtime';

const args = benchArgs(
  'Usage: npx tsx apps/aggregator/bench/streams-peer.ts [--events N=1000000] [--partitions P=6] [--products K=5000] [--interval-ms MS=5000]\n' +
    '       [--peer-threads T=1] [--bad-percent B=0 (share of bad input, mixed sizes up to 400 KB)] [--peer-first] [--quick (200000 events)] [--json FILE]\n' +
    'Env: KAFKA_BROKERS (default 127.0.0.1:19092), DATABASE_URL (admin URL; default: an embedded Postgres). Needs java 17 and mvn.\n',
  { events: [1_000_000, 200_000], partitions: 6, products: 5000, 'interval-ms': 5000, 'peer-threads': 1, 'bad-percent': 0 },
  ['peer-first'],
);
const EVENTS = args.n.events;
const PARTITIONS = args.n.partitions;
const PRODUCTS = args.n.products;
const INTERVAL_MS = args.n['interval-ms'];
const PEER_THREADS = args.n['peer-threads'];
const BAD_PERCENT = args.n['bad-percent'];
const PEER_FIRST = args.flags['peer-first'] === true;
/**
 * Messages per fill send, so per record batch: 1,000 with --bad-percent (a batch holding large bad
 * messages stays below 1 MiB) and at 2M events and more (the --scale form: its clean topic then has
 * the same batches as its bad one), else 5,000 as before.
 */
const SEND_BATCH = BAD_PERCENT > 0 || EVENTS >= 2_000_000 ? 1000 : 5000;
const PEER_DIR = join(ROOT, 'bench/kafka-streams-peer');
const POLL_MS = 100;

/** Builds the peer when its classes or jars are missing (first use, fresh clone) or older than its pom or source. */
function buildPeer(): void {
  const built = join(PEER_DIR, 'target/classes/dev/hitboard/bench/PreSumPeer.class');
  const sources = [join(PEER_DIR, 'pom.xml'), join(PEER_DIR, 'src/main/java/dev/hitboard/bench/PreSumPeer.java')];
  if (existsSync(built) && existsSync(join(PEER_DIR, 'target/lib')) && sources.every((f) => statSync(f).mtimeMs <= statSync(built).mtimeMs)) return;
  log('building the Kafka Streams peer (mvn package; the first time fetches kafka-streams 4.4.0 from Maven Central)…');
  execFileSync('mvn', ['-q', '-B', 'package', '-DskipTests'], { cwd: PEER_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
}

interface Timed {
  seconds: number;
  eventsPerSec: number;
  peakRssMiB: number;
}

/** Polls `progress` every POLL_MS until it reaches EVENTS; the clock started at `startedAt` (spawn). */
async function until(progress: () => Promise<number>, startedAt: number, pid: number): Promise<Timed> {
  let peak = 0;
  let lastLog = 0;
  for (;;) {
    peak = Math.max(peak, rssMiB(pid));
    const n = await progress();
    if (n >= EVENTS) {
      const seconds = (performance.now() - startedAt) / 1000;
      return { seconds, eventsPerSec: EVENTS / seconds, peakRssMiB: Math.round(peak) };
    }
    if (performance.now() - lastLog > 5000) {
      lastLog = performance.now();
      log(`  ${n.toLocaleString('en')}/${EVENTS.toLocaleString('en')} committed`);
    }
    await sleep(POLL_MS);
  }
}

async function runAggregator(world: BenchWorld): Promise<Timed & { dlqRecords: number }> {
  const logFile = world.logFile('aggregator');
  const startedAt = performance.now();
  const child = startApp('aggregator', world.aggregatorEnv({ FLUSH_INTERVAL_MS: String(INTERVAL_MS) }), { logFile });
  try {
    const timed = await unlessExits(child, until(() => ledgerOffsets(world.db.knex, world.topic), startedAt, child.pid), logFile);
    // Not timed: each flush published its DLQ records before its ledger commit, so they are all there.
    const admin = kafka().admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(`${world.topic}-dlq`);
      return { ...timed, dlqRecords: ends.reduce((s, p) => s + Number(p.high), 0) };
    } finally {
      await admin.disconnect();
    }
  } finally {
    await child.stop(40_000);
  }
}

/**
 * The peer's committed output summed: the last record of each (minute, product) cell (read_committed),
 * so the bench can check it did the whole pre-sum. Reads until nothing new arrives for 5 s.
 */
async function peerOutputTotals(outputTopic: string): Promise<{ cells: number; units: number; revenueCents: number }> {
  const consumer = kafka().consumer({ groupId: `${outputTopic}-check`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic: outputTopic, fromBeginning: true });
  const cells = new Map<string, { units: number; revenue_cents: number }>();
  let lastMessageAt = performance.now();
  await consumer.run({
    eachMessage: async ({ message }) => {
      lastMessageAt = performance.now();
      const cell = JSON.parse(message.value!.toString()) as { minute: number; product_id: string; units: number; revenue_cents: number };
      cells.set(`${cell.minute}|${cell.product_id}`, cell);
    },
  });
  while (performance.now() - lastMessageAt < 5000) await sleep(500);
  await consumer.disconnect();
  let units = 0;
  let revenueCents = 0;
  for (const c of cells.values()) {
    units += c.units;
    revenueCents += c.revenue_cents;
  }
  return { cells: cells.size, units, revenueCents };
}

async function runPeer(topic: string): Promise<Timed & { outputOffsets: number }> {
  const appId = `${topic}-peer`;
  const logFile = join(tmpdir(), `${topic}-peer.log`);
  const classpath = `${join(PEER_DIR, 'target/classes')}:${join(PEER_DIR, 'target/lib/*')}`;
  await createTopics([{ topic: `${topic}-peer-out`, numPartitions: PARTITIONS }]);
  const admin = kafka().admin();
  await admin.connect();
  const startedAt = performance.now();
  const child = spawnProcess({
    name: 'the Kafka Streams peer',
    command: 'java',
    args: ['-Xmx1g', '-cp', classpath, 'dev.hitboard.bench.PreSumPeer', BROKERS.join(','), topic, `${topic}-peer-out`, appId, String(INTERVAL_MS), String(PEER_THREADS)],
    cwd: PEER_DIR,
    env: process.env,
    logFile,
  });
  try {
    const timed = await unlessExits(child, until(() => committedOffsets(admin, appId, topic), startedAt, child.pid), logFile);
    const ends = await admin.fetchTopicOffsets(`${topic}-peer-out`);
    return { ...timed, outputOffsets: ends.reduce((s, p) => s + Number(p.high), 0) };
  } finally {
    await child.stop(40_000);
    await admin.disconnect();
    rmSync(join(tmpdir(), `kafka-streams-peer-${appId}`), { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  buildPeer();
  const world = await benchWorld('bench-peer', PARTITIONS);
  const { topic } = world;
  try {
    const product = aliasSampler(zipfWeights(PRODUCTS, 1.1), seededRandom(1));
    log(`filling ${topic} with ${EVENTS.toLocaleString('en')} events${BAD_PERCENT > 0 ? `, ${BAD_PERCENT} % of them bad` : ''}…`);
    const sent = await fill(topic, EVENTS, () => `p-${product()}`, 4, BAD_PERCENT, SEND_BATCH);
    const aggregator = async () => {
      log(`aggregator (process start → ledger holds every offset; load ${loadavg()[0]!.toFixed(1)})…`);
      const r = await runAggregator(world);
      log(`  ${r.seconds.toFixed(2)} s, ${Math.round(r.eventsPerSec)} events/s, ${r.dlqRecords} DLQ records`);
      return r;
    };
    const streams = async () => {
      log(`Kafka Streams peer (process start → group offsets committed for every offset; load ${loadavg()[0]!.toFixed(1)})…`);
      const r = await runPeer(topic);
      log(`  ${r.seconds.toFixed(2)} s, ${Math.round(r.eventsPerSec)} events/s`);
      return r;
    };
    let agg: Awaited<ReturnType<typeof aggregator>>;
    let peer: Awaited<ReturnType<typeof streams>>;
    if (PEER_FIRST) {
      peer = await streams();
      agg = await aggregator();
    } else {
      agg = await aggregator();
      peer = await streams();
    }
    log("checking the peer's output…");
    const output = await peerOutputTotals(`${topic}-peer-out`);
    // Not timed: a peer that dropped or double-counted events would make the ratio meaningless.
    const peerExact = output.units === sent.units && output.revenueCents === sent.revenueCents;
    if (!peerExact) log(`  the peer's output does not add up: ${JSON.stringify(output)} vs sent ${JSON.stringify(sent)}`);
    // One DLQ record per bad offset (no crash here, so at-least-once is exactly once).
    if (agg.dlqRecords !== sent.bad) log(`  the DLQ holds ${agg.dlqRecords} records for ${sent.bad} bad messages`);
    const result = {
      events: EVENTS,
      badPercent: BAD_PERCENT,
      badEvents: sent.bad,
      dlqRecords: agg.dlqRecords,
      order: PEER_FIRST ? 'peer-first' : 'aggregator-first',
      messagesPerSend: SEND_BATCH,
      partitions: PARTITIONS,
      products: PRODUCTS,
      intervalMs: INTERVAL_MS,
      peerThreads: PEER_THREADS,
      aggregatorSeconds: Number(agg.seconds.toFixed(2)),
      aggregatorEventsPerSec: Math.round(agg.eventsPerSec),
      aggregatorPeakRssMiB: agg.peakRssMiB,
      peerSeconds: Number(peer.seconds.toFixed(2)),
      peerEventsPerSec: Math.round(peer.eventsPerSec),
      peerPeakRssMiB: peer.peakRssMiB,
      peerOutputOffsets: peer.outputOffsets,
      peerOutputCells: output.cells,
      peerOutputExact: peerExact,
      ratio: Number((agg.eventsPerSec / peer.eventsPerSec).toFixed(3)),
    };
    printResult(result, args.json);
  } finally {
    await world.close();
  }
}

runMain(main);
