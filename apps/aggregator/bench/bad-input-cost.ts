/**
 * What bad input costs the aggregator (issue 28: ≤ 10 % of its throughput at 1 % bad input): the
 * aggregator process alone on a clean topic and on a topic where `--bad-percent` of the messages are
 * bad input of mixed kinds and sizes up to 400 KB (harness.ts `badEventValue`), the same events
 * otherwise, in the same run.
 *
 *   npx tsx apps/aggregator/bench/bad-input-cost.ts [--events 1000000] [--bad-percent 1] [--rounds 1] [--cpu-prof-dir DIR] [--quick] [--json FILE]
 *
 * Each measurement is a fresh world (topic, scratch database, lake folder), filled before its clock
 * starts, then timed as streams-peer.ts times it: from process start to the ledger holding every
 * offset. Besides the wall time it reads the process's CPU time (utime + stime of its process group):
 * on shared cores the wall time swings with the neighbours' load, the CPU an event costs much less.
 * Rounds alternate the order (clean → bad, then bad → clean). It checks the DLQ holds one record per
 * bad offset. After each aggregator run, the decode floor (harness.ts `decodeFloor`: the aggregator's
 * kafkajs settings + `JSON.parse` of every value the validator would parse) reads the same topic: what
 * the same bytes cost a consumer that only decodes, so the aggregator's own share of the cost shows.
 * `--cpu-prof-dir`: the aggregator runs under `node --cpu-prof` and writes its profile
 * there at its graceful stop (open it in Chrome DevTools or speedscope).
 */
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { runMain, spawnProcess, systemApp, REPO_ROOT } from '@hitboard/runtime';
import { groupCpuMs, rssMiB, startApp, unlessExits } from '@hitboard/testkit';
import { aliasSampler, seededRandom, zipfWeights } from '@hitboard/random';
import { benchArgs, benchWorld, decodeFloor, fill, kafka, ledgerOffsets, log, printResult, type BenchWorld } from './harness';

const args = benchArgs(
  'Usage: npx tsx apps/aggregator/bench/bad-input-cost.ts [--events N=1000000] [--bad-percent B=1] [--rounds R=1] [--partitions P=6] [--products K=5000]\n' +
    '       [--cpu-prof-dir DIR] [--node-args="--trace-gc …" (for the aggregator)] [--quick (200000 events)] [--json FILE]\n' +
    'Env: KAFKA_BROKERS (default 127.0.0.1:19092), DATABASE_URL (admin URL; default: an embedded Postgres).\n',
  { events: [1_000_000, 200_000], 'bad-percent': 1, rounds: 1, partitions: 6, products: 5000 },
  [],
  ['cpu-prof-dir', 'node-args'],
);
const EVENTS = args.n.events;
const BAD_PERCENT = args.n['bad-percent'];
const PARTITIONS = args.n.partitions;
const PRODUCTS = args.n.products;
const PROFILE_DIR = args.s['cpu-prof-dir'];
/** Node options for the aggregator process (`--trace-gc`, …), space-separated. */
const NODE_ARGS = (args.s['node-args'] ?? '').split(' ').filter(Boolean);

interface Measured {
  badPercent: number;
  seconds: number;
  eventsPerSec: number;
  cpuSeconds: number;
  cpuUsPerEvent: number;
  peakRssMiB: number;
  badEvents: number;
  dlqRecords: number;
  load: string;
  /** The decode floor on the same topic, this process's CPU from group join to the last message. */
  floorEventsPerSec: number;
  floorCpuUsPerEvent: number;
}

async function measure(badPercent: number): Promise<Measured> {
  const world: BenchWorld = await benchWorld('bench-bad', PARTITIONS);
  try {
    const product = aliasSampler(zipfWeights(PRODUCTS, 1.1), seededRandom(1));
    log(`filling ${world.topic} with ${EVENTS.toLocaleString('en')} events, ${badPercent} % bad…`);
    // The same sends (so the same record batches) for the clean topic as for the bad one.
    const sent = await fill(world.topic, EVENTS, () => `p-${product()}`, 4, badPercent, 1000);
    const env = world.aggregatorEnv();
    const logFile = world.logFile('aggregator');
    const loadBefore = loadavg()[0]!.toFixed(1);
    const startedAt = performance.now();
    const app = systemApp('aggregator');
    const child =
      PROFILE_DIR || NODE_ARGS.length > 0
      ? spawnProcess({
          name: 'aggregator (profiled)',
          command: process.execPath,
          // One folder per run; node names each thread's profile (CPU.<date>.<pid>.<thread>…): the main thread's is the largest.
          args: [...(PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', join(PROFILE_DIR, `bad${badPercent}-${world.run}`)] : []), ...NODE_ARGS, app.loader === 'require' ? '--require' : '--import', app.loader === 'require' ? 'tsx/cjs' : 'tsx', join(REPO_ROOT, app.entry)],
          cwd: join(REPO_ROOT, app.cwd),
          env,
          logFile,
        })
      : startApp('aggregator', env, { logFile });
    let peak = 0;
    let cpuMs = 0;
    try {
      await unlessExits(
        child,
        (async () => {
          for (;;) {
            peak = Math.max(peak, rssMiB(child.pid));
            cpuMs = groupCpuMs(child.pid);
            if ((await ledgerOffsets(world.db.knex, world.topic)) >= EVENTS) return;
            await sleep(100);
          }
        })(),
        logFile,
      );
    } finally {
      await child.stop(40_000);
    }
    const seconds = (performance.now() - startedAt) / 1000;
    const floor = await decodeFloor(world.topic, EVENTS);
    const admin = kafka().admin();
    await admin.connect();
    const dlqRecords = (await admin.fetchTopicOffsets(`${world.topic}-dlq`)).reduce((s, p) => s + Number(p.high), 0);
    await admin.disconnect();
    const m: Measured = {
      badPercent,
      seconds: Number(seconds.toFixed(2)),
      eventsPerSec: Math.round(EVENTS / seconds),
      cpuSeconds: Number((cpuMs / 1000).toFixed(2)),
      cpuUsPerEvent: Number(((cpuMs * 1000) / EVENTS).toFixed(2)),
      peakRssMiB: Math.round(peak),
      badEvents: sent.bad,
      dlqRecords,
      load: `${loadBefore} → ${loadavg()[0]!.toFixed(1)}`,
      floorEventsPerSec: Math.round(EVENTS / (floor.ms / 1000)),
      floorCpuUsPerEvent: Number((floor.cpuUs / EVENTS).toFixed(2)),
    };
    log(`  ${JSON.stringify(m)}`);
    if (dlqRecords !== sent.bad) log(`  the DLQ holds ${dlqRecords} records for ${sent.bad} bad messages`);
    return m;
  } finally {
    await world.close();
  }
}

async function main(): Promise<void> {
  const runs: Measured[] = [];
  for (let round = 0; round < args.n.rounds; round++) {
    const order = round % 2 === 0 ? [0, BAD_PERCENT] : [BAD_PERCENT, 0];
    for (const bad of order) runs.push(await measure(bad));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const clean = runs.filter((r) => r.badPercent === 0);
  const bad = runs.filter((r) => r.badPercent > 0);
  const result = {
    events: EVENTS,
    badPercent: BAD_PERCENT,
    rounds: args.n.rounds,
    runs,
    // ≥ 0.9 is the target: bad input costs at most 10 % of the clean rate.
    rateRatio: Number((mean(bad.map((r) => r.eventsPerSec)) / mean(clean.map((r) => r.eventsPerSec))).toFixed(3)),
    cpuPerEventRatio: Number((mean(bad.map((r) => r.cpuUsPerEvent)) / mean(clean.map((r) => r.cpuUsPerEvent))).toFixed(3)),
    // What the same bad bytes cost a consumer that only decodes them: the part no aggregator avoids.
    floorCpuPerEventRatio: Number((mean(bad.map((r) => r.floorCpuUsPerEvent)) / mean(clean.map((r) => r.floorCpuUsPerEvent))).toFixed(3)),
    // The aggregator's extra CPU per event on bad input, and the floor's: µs per event.
    extraCpuUsPerEvent: Number((mean(bad.map((r) => r.cpuUsPerEvent)) - mean(clean.map((r) => r.cpuUsPerEvent))).toFixed(2)),
    floorExtraCpuUsPerEvent: Number((mean(bad.map((r) => r.floorCpuUsPerEvent)) - mean(clean.map((r) => r.floorCpuUsPerEvent))).toFixed(2)),
  };
  printResult(result, args.json);
}

runMain(main);
