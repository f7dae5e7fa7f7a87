/**
 * Memory and time of a MoverTracker holding N products (default 10 M): every product sells once,
 * then a scoring scan. Run with a heap large enough for the id map:
 *   node --expose-gc --max-old-space-size=4096 --import tsx libs/movers/bench/mover-memory.ts 10000000
 * Prints heap, external (the Float64 slots) and RSS deltas, bytes per product, add and scan times.
 */
import { MoverTracker } from '../src';

const n = Number(process.argv[2] ?? 10_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
const mem = () => {
  gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external, rss: m.rss }; // external includes arrayBuffers
};
const before = mem();
const t = new MoverTracker({ maxProducts: n, minHistoryMs: 0 });
const t0 = Date.UTC(2026, 2, 2);
const started = process.hrtime.bigint();
for (let i = 0; i < n; i++) t.add(`P${String(i).padStart(8, '0')}`, t0 + (i % 60) * 60_000, 1, 1);
const addNs = Number(process.hrtime.bigint() - started);
t.takeChanges(); // what the first write would carry; cleared afterwards like a committed write
const after = mem();
const scanStart = process.hrtime.bigint();
const candidates = t.candidates();
const scanMs = Number(process.hrtime.bigint() - scanStart) / 1e6;
const mb = (b: number) => (b / 2 ** 20).toFixed(0);
console.log(
  JSON.stringify({
    products: t.size,
    heapMB: mb(after.heap - before.heap),
    slotsMB: mb(after.external - before.external),
    rssMB: mb(after.rss - before.rss),
    bytesPerProduct: Math.round((after.heap - before.heap + after.external - before.external) / n),
    addNsPerRecord: Math.round(addNs / n),
    scanMs: Math.round(scanMs),
    candidates: candidates.length,
  }),
);
