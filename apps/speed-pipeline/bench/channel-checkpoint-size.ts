/**
 * What per-channel sketches (issue 27) cost one shard's checkpoint and memory, for choosing the
 * channel sketch width (`CHANNEL_EPS_FACTOR` in src/shard-state.ts).
 *
 *   npx tsx apps/speed-pipeline/bench/channel-checkpoint-size.ts [--records 400000] [--products 100000] [--factors 1,4,8]
 *
 * One seeded day of one shard's product-sum records (one per (minute, product, channel) cell:
 * Zipf 1.0 products, channels web 45 %, app 30 %, marketplace 15 %, store 10 %, spread over the
 * day) goes through a `ShardState` with the pipeline's default sketch (DEFAULT_SKETCH_PARAMS,
 * DEFAULT_CANDIDATES). The checkpoint of a write is the header plus every open window's blob
 * (hour, day, week, month, year; every one is dirty under steady traffic). "before" is that
 * checkpoint with the overall sketches alone (the bare TopKSketch blobs written before channels);
 * each factor F gives channel sketches F times the eps (1/F of the width). Also prints each
 * channel's bound on the day window next to the overall one. Markdown on stdout.
 */
import { parseArgs } from 'node:util';
import { aliasSampler, seededRandom, zipfWeights } from '@hitboard/random';
import { flushIdOf, type ProductSum, type StoredChannel } from '@hitboard/schema';
import { IntervalRegistry } from '@hitboard/time';
import { DEFAULT_CANDIDATES, DEFAULT_SKETCH_PARAMS, type TopKParams } from '@hitboard/topk';
import { ShardState } from '../src/shard-state';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '400000' },
    products: { type: 'string', default: '100000' },
    factors: { type: 'string', default: '1,4,8' },
  },
});
const RECORDS = Number(args.records);
const PRODUCTS = Number(args.products);
const FACTORS = String(args.factors).split(',').map(Number);

const DAY_START = Date.parse('2026-11-22T00:00:00Z');
const CHANNEL_SHARES: Array<[StoredChannel, number]> = [['web', 0.45], ['app', 0.3], ['marketplace', 0.15], ['store', 0.1]];

function records(): ProductSum[] {
  const rng = seededRandom(27);
  const product = aliasSampler(zipfWeights(PRODUCTS, 1.0), rng);
  const channel = aliasSampler(Float64Array.from(CHANNEL_SHARES.map(([, s]) => s)), rng);
  const out: ProductSum[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const minuteStartMs = DAY_START + Math.floor((i / RECORDS) * 1440) * 60_000;
    const units = 1 + Math.floor(rng() * 3);
    out.push({
      flushId: flushIdOf(0, String(i), String(i)),
      sourcePartition: 0,
      firstOffset: String(i),
      lastOffset: String(i),
      minuteStartMs,
      productId: `p${product()}`,
      units,
      revenueCents: units * (500 + Math.floor(rng() * 5000)),
      orders: 1,
      channel: CHANNEL_SHARES[channel()]![0],
    });
  }
  return out;
}

const topk: TopKParams = { ...DEFAULT_SKETCH_PARAMS, capacity: DEFAULT_CANDIDATES };
const MiB = (n: number): string => (n / 1_048_576).toFixed(2);
const sums = records();
const nowMs = DAY_START + 2 * 86_400_000;

console.log(`| channel width | checkpoint MiB (after) | before (overall only) | after / before | sketch memory MiB | day bound units: all / web / store |`);
console.log(`|---|---|---|---|---|---|`);
let windows = 0;
for (const factor of FACTORS) {
  const state = new ShardState({ registry: IntervalRegistry.standard('UTC'), topk, channelTopk: { ...topk, eps: topk.eps * factor }, horizonMs: 48 * 3_600_000 });
  sums.forEach((s, i) => state.apply(s, BigInt(i), nowMs));
  const write = state.takeWrite(1000);
  const header = Buffer.byteLength(JSON.stringify(write.header));
  const after = header + write.replace.reduce((n, w) => n + w.blob.length, 0);
  const before = header + [...state.windows.values()].reduce((n, w) => n + w.topk.encode().length, 0);
  const memory = [...state.windows.values()].reduce((n, w) => n + w.topk.sketchBytes + [...w.channels.values()].reduce((m, c) => m + c.sketchBytes, 0), 0);
  windows = write.replace.length;
  const day = write.replace.find((w) => w.interval === 'day')!;
  const bound = (c: string) => day.channels.find((x) => x.channel === c)?.unitsBound;
  console.log(`| 1/${factor} | ${MiB(after)} | ${MiB(before)} | ${(after / before).toFixed(2)} | ${MiB(memory)} | ${day.unitsBound} / ${bound('web')} / ${bound('store')} |`);
}
console.log(`\n${RECORDS} records, ${PRODUCTS} products, ${windows} windows in the checkpoint, eps ${topk.eps}, capacity ${topk.capacity}.`);
