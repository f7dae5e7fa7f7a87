/**
 * Heap bytes per buffered cell (issue 28): the figure the memory budget counts a cell at (CELL_BYTES in
 * src/core/partition-buffer.ts).
 *
 *   node --expose-gc -r tsx/cjs apps/aggregator/bench/cell-bytes.ts [--cells 1000000] [--minutes 1]
 *
 * Fills one `PartitionBuffer` with N distinct (minute, product, channel) cells whose product ids come
 * out of `JSON.parse` (as the consuming path's do: flat strings of their own, ~10 characters), and
 * reports `process.memoryUsage().heapUsed` after a full GC, before and after, per cell: the cell object,
 * its product id string and the Maps' entries (their hash tables at whatever capacity they grew to).
 * Also a flush in flight per cell (the cells and the plan's array, the buffer's Maps dropped), the
 * product-sums records per cell were they built at once, and the one chunk of them the publish holds.
 */
import { parseArgs } from 'node:util';
import { PartitionBuffer } from '../src/core/partition-buffer';
import type { FlushPlan } from '../src/core/partition-core';
import { productSumChunks, productSumMessages } from '../src/core/product-sum-records';

const { values } = parseArgs({ options: { cells: { type: 'string', default: '1000000' }, minutes: { type: 'string', default: '1' } } });
const CELLS = Number(values.cells);
const MINUTES = Number(values.minutes);
const CHANNELS = ['web', 'app', 'store', 'marketplace'] as const;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc -r tsx/cjs');

function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc?.();
  return process.memoryUsage().heapUsed;
}

/** Heap and Buffer bytes (a flush's product-sums records are small Buffers: their bytes live outside the heap). */
function heapAndBuffers(): number {
  for (let i = 0; i < 3; i++) gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const before = heapUsed();
const buffer = new PartitionBuffer();
const minute0 = Date.UTC(2026, 11, 7, 12, 0);
for (let i = 0; i < CELLS; i++) {
  const { product_id: productId } = JSON.parse(`{"product_id":"P${String(i).padStart(8, '0')}"}`) as { product_id: string };
  const channel = CHANNELS[i % CHANNELS.length] as (typeof CHANNELS)[number];
  buffer.add(minute0 + (i % MINUTES) * 60_000, productId, channel, 1, 100);
}
const filled = heapUsed();
const cellsArray = [...buffer.cells()];
const withArray = heapUsed();
const perCell = (filled - before) / buffer.keys;
const arrayPerCell = (withArray - filled) / buffer.keys;
// A flush in flight: its buffer's Maps are dropped (the plan's array holds the cells), so it holds the
// cells, their product ids and the array (issue 28).
buffer.dropIndex();
const inFlight = heapUsed();
const inFlightPerCell = (inFlight - before) / buffer.keys;
// Its product-sums records, were they built all at once (before issue 28's chunked publish) and as the
// publish builds them now: one chunk of ≤ 512 KiB / 5000 records at a time.
const plan = { flushId: 'p0-1000000000-1000999999', firstOffset: 1_000_000_000, lastOffset: 1_000_999_999, cells: cellsArray } as unknown as FlushPlan;
const beforeRecords = heapAndBuffers();
const records = productSumMessages(0, plan);
const recordsPerCell = (heapAndBuffers() - beforeRecords) / records.length;
records.length = 0;
const beforeChunk = heapAndBuffers();
const chunks = productSumChunks(0, plan, 512 * 1024, 5000);
const chunk = chunks.next().value ?? [];
const chunkBytes = heapAndBuffers() - beforeChunk;
process.stdout.write(
  `${JSON.stringify({
    cells: buffer.keys,
    minutes: MINUTES,
    heapPerCellBytes: Math.round(perCell),
    flushArrayPerCellBytes: Math.round(arrayPerCell),
    inFlightPerCellBytes: Math.round(inFlightPerCell),
    productSumRecordPerCellBytes: Math.round(recordsPerCell),
    productSumChunkKiB: Math.round(chunkBytes / 1024),
    productSumChunkRecords: chunk.length,
    heapUsedMiB: Math.round(filled / 2 ** 20),
    keep: cellsArray.length + chunk.length,
  })}\n`,
);
