/**
 * Top-K accuracy, memory and speed of @hitboard/topk's TopKSketch against an exact Map.
 *
 *   npx tsx bench/topk-accuracy.ts [--products 1000000] [--units 10000000] [--help]
 *
 * For each Zipf exponent, one seeded stream of sales (one unit each, revenue = the product's
 * price) feeds both the sketch + candidates and an exact Map<productId, sums> in the same
 * run, batch by batch (the order alternates per batch so neither side always sees cold
 * keys). Keys are fresh strings per update, as they would be after decoding a Kafka record.
 * Prints progress on stderr and a Markdown report on stdout.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Metric } from '@hitboard/schema';
import { DEFAULT_CANDIDATES, DEFAULT_SKETCH_PARAMS, TopKSketch } from '../libs/topk/src';
import { aliasSampler, seededRandom, zipfWeights } from '@hitboard/random';

const HELP = `Usage: npx tsx bench/topk-accuracy.ts [options]

  --products N     distinct products (default 1000000)
  --units N        units sold per stream, one unit per update (default 10000000)
  --exponents L    comma-separated Zipf exponents (default 0.8,1.0,1.2)
  --eps X          sketch eps (default ${DEFAULT_SKETCH_PARAMS.eps})
  --delta X        sketch delta (default ${DEFAULT_SKETCH_PARAMS.delta})
  --capacity N     candidates per metric (default ${DEFAULT_CANDIDATES})
  --seed N         stream seed (default 1)
  --help           this text

Progress goes to stderr; the Markdown report to stdout.`;

const { values: args } = parseArgs({
  options: {
    products: { type: 'string', default: '1000000' },
    units: { type: 'string', default: '10000000' },
    exponents: { type: 'string', default: '0.8,1.0,1.2' },
    eps: { type: 'string', default: String(DEFAULT_SKETCH_PARAMS.eps) },
    delta: { type: 'string', default: String(DEFAULT_SKETCH_PARAMS.delta) },
    capacity: { type: 'string', default: String(DEFAULT_CANDIDATES) },
    seed: { type: 'string', default: '1' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}

function positiveNumber(name: string, raw: string | undefined, integer: boolean): number {
  const v = Number(raw);
  if (!(v > 0) || (integer && !Number.isSafeInteger(v))) {
    console.error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${raw}\n\n${HELP}`);
    process.exit(2);
  }
  return v;
}
const PRODUCTS = positiveNumber('products', args.products, true);
const UNITS = positiveNumber('units', args.units, true);
const EPS = positiveNumber('eps', args.eps, false);
const DELTA = positiveNumber('delta', args.delta, false);
const CAPACITY = positiveNumber('capacity', args.capacity, true);
const SEED = positiveNumber('seed', args.seed, true);
const EXPONENTS = (args.exponents ?? '').split(',').map((s) => positiveNumber('exponents', s, false));
const BATCH = 65_536;
const K = 10;

// A real gc() for the retained-memory measurement (works under tsx, no node flag needed).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** JS heap in use after full collections (typed-array backing stores are not in it). */
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

interface Sums {
  units: number;
  revenueCents: number;
}

interface Row {
  key: string;
  value: number;
}

/** The exact top `n` of the map by a field, highest first, ties by key (one pass, no full sort). */
function exactTop(map: Map<string, Sums>, n: number, field: keyof Sums): Row[] {
  const top: Row[] = [];
  const better = (a: Row, b: Row): boolean => a.value > b.value || (a.value === b.value && a.key < b.key);
  for (const [key, s] of map) {
    const row = { key, value: s[field] };
    if (top.length === n && !better(row, top[n - 1]!)) continue;
    let i = Math.min(top.length, n - 1);
    top[i] = row;
    while (i > 0 && better(top[i]!, top[i - 1]!)) {
      [top[i], top[i - 1]] = [top[i - 1]!, top[i]!];
      i--;
    }
  }
  return top;
}

interface MetricResult {
  metric: Metric;
  precision: number;
  exactOrder: boolean;
  maxRelError: number;
  meanRelError: number;
  gap10to11: number;
  minGapTop11: number;
  bound: number;
}

interface RunResult {
  exponent: number;
  metrics: MetricResult[];
  sketchCounterBytes: number;
  checkpointBytes: number;
  encodeMs: number;
  decodeMs: number;
  mapRetainedBytes: number;
  mapEntries: number;
  sketchUpdatesPerSec: number;
  mapUpdatesPerSec: number;
}

function run(exponent: number): RunResult {
  const rng = seededRandom(SEED * 1000 + Math.round(exponent * 100));
  process.stderr.write(`zipf ${exponent}: building the sampler over ${PRODUCTS.toLocaleString()} products…\n`);
  const sample = aliasSampler(zipfWeights(PRODUCTS, exponent), rng);
  // Rank r is product id perm[r] (seeded shuffle), so popularity is not the id order.
  const perm = new Uint32Array(PRODUCTS);
  for (let i = 0; i < PRODUCTS; i++) perm[i] = i;
  for (let i = PRODUCTS - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  // Prices log-uniform in [$1.99, $499.99], fixed per product.
  const price = new Uint32Array(PRODUCTS);
  for (let i = 0; i < PRODUCTS; i++) price[i] = Math.round(199 * Math.pow(49_999 / 199, rng()));

  const heapBefore = heapAfterGc();
  let sketch: TopKSketch | null = TopKSketch.create({ eps: EPS, delta: DELTA, seed: DEFAULT_SKETCH_PARAMS.seed, capacity: CAPACITY });
  let map: Map<string, Sums> | null = new Map();
  const ids = new Uint32Array(BATCH);
  const keys = new Array<string>(BATCH);
  const revenue = new Uint32Array(BATCH);
  let sketchMs = 0;
  let mapMs = 0;
  let done = 0;
  let nextReport = UNITS / 10;
  for (let batchNo = 0; done < UNITS; batchNo++) {
    const n = Math.min(BATCH, UNITS - done);
    for (let i = 0; i < n; i++) {
      const id = perm[sample()]!;
      ids[i] = id;
      revenue[i] = price[id]!;
    }
    for (let i = 0; i < n; i++) keys[i] = 'sku-' + ids[i]; // a fresh flat string per update
    const feedMap = (): void => {
      const m = map!;
      const t = performance.now();
      for (let i = 0; i < n; i++) {
        const key = keys[i]!;
        const e = m.get(key);
        if (e === undefined) m.set(key, { units: 1, revenueCents: revenue[i]! });
        else {
          e.units += 1;
          e.revenueCents += revenue[i]!;
        }
      }
      mapMs += performance.now() - t;
    };
    const feedSketch = (): void => {
      const s = sketch!;
      const t = performance.now();
      for (let i = 0; i < n; i++) s.add(keys[i]!, 1, revenue[i]!);
      sketchMs += performance.now() - t;
    };
    if (batchNo % 2 === 0) {
      feedMap();
      feedSketch();
    } else {
      feedSketch();
      feedMap();
    }
    done += n;
    if (done >= nextReport || done === UNITS) {
      process.stderr.write(`zipf ${exponent}: ${Math.floor((done / UNITS) * 100)}% (${done.toLocaleString()} updates)\n`);
      while (nextReport <= done) nextReport += UNITS / 10;
    }
  }

  const metrics: MetricResult[] = [];
  for (const metric of ['units', 'revenue'] as const) {
    const field = metric === 'units' ? 'units' : 'revenueCents';
    const exact = exactTop(map, K + 1, field);
    const got = sketch.top(K, metric);
    const exactKeys = exact.slice(0, K).map((r) => r.key);
    const hits = got.filter((r) => exactKeys.includes(r.key)).length;
    const relErrors = got.map((r) => (r[field] - map!.get(r.key)![field]) / map!.get(r.key)![field]);
    const gaps = exact.slice(1).map((r, i) => exact[i]!.value - r.value);
    metrics.push({
      metric,
      precision: hits / K,
      exactOrder: got.length === K && got.every((r, i) => r.key === exactKeys[i]),
      maxRelError: Math.max(...relErrors),
      meanRelError: relErrors.reduce((a, b) => a + b, 0) / relErrors.length,
      gap10to11: gaps[K - 1] ?? NaN,
      minGapTop11: Math.min(...gaps),
      bound: sketch.errorBound(metric),
    });
  }

  let t = performance.now();
  const checkpoint = sketch.encode();
  const encodeMs = performance.now() - t;
  t = performance.now();
  let restored: TopKSketch | null = TopKSketch.decode(checkpoint);
  const decodeMs = performance.now() - t;
  if (!restored.equals(sketch)) throw new Error('checkpoint round trip changed the state');
  restored = null;

  // The Map's retained size: drop it, collect, and see how much JS heap it held (entries,
  // key strings, sums objects). The sketch's counters are a typed array whose size is exact
  // (width × depth × planes × 8 B); its candidates (2 × capacity keys) are a few hundred KB.
  const sketchCounterBytes = sketch.sketchBytes;
  const mapEntries = map.size;
  const heapBoth = heapAfterGc();
  map = null;
  const heapWithoutMap = heapAfterGc();
  sketch = null;
  process.stderr.write(`zipf ${exponent}: done (JS heap ${(heapBefore / 2 ** 20).toFixed(0)} MiB before, ${(heapBoth / 2 ** 20).toFixed(0)} MiB with both)\n`);

  return {
    exponent,
    metrics,
    sketchCounterBytes,
    checkpointBytes: checkpoint.length,
    encodeMs,
    decodeMs,
    mapRetainedBytes: heapBoth - heapWithoutMap,
    mapEntries,
    sketchUpdatesPerSec: UNITS / (sketchMs / 1000),
    mapUpdatesPerSec: UNITS / (mapMs / 1000),
  };
}

const mb = (b: number): string => `${(b / 1e6).toFixed(2)} MB`;
const pct = (x: number): string => `${(x * 100).toFixed(3)} %`;
const int = (x: number): string => Math.round(x).toLocaleString('en-US');

const results = EXPONENTS.map(run);
const probe = TopKSketch.create({ eps: EPS, delta: DELTA, capacity: CAPACITY });
const d = probe.dimensions;
const out: string[] = [];
out.push(`Run ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)} at the end.`);
out.push('');
out.push(`Command: \`${['npx tsx bench/topk-accuracy.ts', ...process.argv.slice(2)].join(' ')}\``);
out.push('');
out.push(
  `Stream: ${int(PRODUCTS)} products, ${int(UNITS)} updates of one unit (revenue = the product's log-uniform price, $1.99–$499.99), ` +
    `seed ${SEED}. Sketch: eps ${EPS}, delta ${DELTA} → width ${int(d.width)}, depth ${d.depth}, 2 planes; ${int(CAPACITY)} candidates per metric. ` +
    `Probability that one key's estimate is within the bound: ${(1 - Math.exp(-d.depth)).toFixed(4)}.`,
);
out.push('');
out.push('| Zipf s | metric | precision@10 | exact top-10 order | max / mean rel. error (top 10) | true gap #10−#11 | smallest true gap in top 11 | error bound ⌈eps·N⌉ |');
out.push('|---|---|---|---|---|---|---|---|');
for (const r of results) {
  for (const m of r.metrics) {
    out.push(
      `| ${r.exponent.toFixed(1)} | ${m.metric} | ${m.precision.toFixed(1)} | ${m.exactOrder ? 'yes' : '**no**'} | ${pct(m.maxRelError)} / ${pct(m.meanRelError)} | ` +
        `${int(m.gap10to11)} | ${int(m.minGapTop11)} | ${int(m.bound)} |`,
    );
  }
}
out.push('');
out.push('| Zipf s | sketch counters | checkpoint (encode / decode) | exact Map (retained, entries) | sketch updates/s | Map updates/s | sketch / Map |');
out.push('|---|---|---|---|---|---|---|');
for (const r of results) {
  out.push(
    `| ${r.exponent.toFixed(1)} | ${mb(r.sketchCounterBytes)} | ${mb(r.checkpointBytes)} (${r.encodeMs.toFixed(0)} / ${r.decodeMs.toFixed(0)} ms) | ` +
      `${mb(r.mapRetainedBytes)}, ${int(r.mapEntries)} | ${int(r.sketchUpdatesPerSec)} | ${int(r.mapUpdatesPerSec)} | ${(r.sketchUpdatesPerSec / r.mapUpdatesPerSec).toFixed(2)}× |`,
  );
}
console.log(out.join('\n'));
