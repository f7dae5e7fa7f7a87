import { decodeProductSum } from '@hitboard/schema';
import { messageBytes } from './chunk-by-bytes';
import type { Cell } from './partition-buffer';
import type { FlushPlan } from './partition-core';
import { productSumChunks, productSumMessages } from './product-sum-records';

function planOf(n: number): FlushPlan {
  const cells: Cell[] = [];
  for (let i = 0; i < n; i++) cells.push({ minuteStartMs: 60_000 * (i % 3), productId: `p-${i}`, channel: 'web', units: i + 1, revenueCents: 100 * i, orders: 1 });
  return { flushId: 'p2-100-199', firstOffset: 100, lastOffset: 199, cells } as unknown as FlushPlan;
}

describe('product-sums records', () => {
  it('chunks hold every record of the flush once, in cell order, each chunk within the byte and count caps', () => {
    const plan = planOf(1000);
    const chunks = [...productSumChunks(2, plan, 8 * 1024, 64)];
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(64);
      expect(chunk.reduce((s, m) => s + messageBytes(m), 0)).toBeLessThanOrEqual(8 * 1024);
    }
    const records = chunks.flat().map((m) => decodeProductSum(m.value as Buffer));
    expect(records.map((r) => r.productId)).toEqual(plan.cells.map((c) => c.productId));
    expect(records.every((r) => r.flushId === plan.flushId && r.sourcePartition === 2 && r.firstOffset === '100' && r.lastOffset === '199')).toBe(true);
    expect(chunks.flat()).toEqual(productSumMessages(2, plan));
  });

  it('builds a chunk only when it is asked for (a publish holds one chunk of records, not the whole flush)', () => {
    const plan = planOf(1000);
    const chunks = productSumChunks(2, plan, 64 * 1024, 64);
    const first = chunks.next().value as ReturnType<typeof productSumMessages>;
    expect(first).toHaveLength(64);
    // Cells past the first chunk (and the one record read ahead) are not encoded yet: a change shows.
    const last = plan.cells[999] as Cell;
    last.units = 777;
    const rest = [...chunks].flat().map((m) => decodeProductSum(m.value as Buffer));
    expect(rest.at(-1)).toMatchObject({ productId: 'p-999', units: 777 });
  });
});
