import type { KafkaMessage } from 'kafkajs';
import { BufferBudget, MIB, splitMemoryBudget } from './memory-budget';
import { CELL_BYTES, IN_FLIGHT_CELL_BYTES } from './partition-buffer';
import { PartitionCore, type FlushPlan } from './partition-core';

const T0 = Date.parse('2026-11-22T07:00:00.000Z');
let nextEventId = 0;

/** One valid, distinct sale event for `productId` at `offset`. */
function sale(offset: number, productId: string): KafkaMessage {
  const value = JSON.stringify({
    event_id: `e-${nextEventId++}`,
    order_id: 'o-1',
    product_id: productId,
    quantity: 1,
    unit_price_cents: 100,
    currency: 'EUR',
    occurred_at: new Date(T0 + 5000).toISOString(),
    store_id: 's-1',
    user_id: 'u-1',
    channel: 'web',
  });
  return { key: null, value: Buffer.from(value), timestamp: String(T0 + 10_000), attributes: 0, offset: String(offset), headers: {} } as KafkaMessage;
}

/** The bytes of a test core's duplicate window at its cap (2 slots of 12 bytes), counted against the budget's share. */
const WINDOW_BYTES = 24;

/** A budget whose buffers' limit, once `partitions` test cores joined, is `cells` cells. */
function budgetOf(cells: number, partitions: number): BufferBudget {
  return new BufferBudget(cells * CELL_BYTES + partitions * WINDOW_BYTES);
}

function core(partition: number, budget: BufferBudget, flushMaxKeys = Number.POSITIVE_INFINITY): PartitionCore {
  const c = new PartitionCore(
    {
      partition,
      sourceTopic: 'sales.events',
      validator: { currencies: ['EUR'], maxBytes: 64 * 1024 },
      dlqMaxValueBytes: 1024,
      dedupeWindowMs: 600_000,
      dedupeMaxIds: 1, // a window of 2 slots (WINDOW_BYTES): the budget counts it (tested below on its own)
      allowedLatenessMs: 60_000,
      idleTimeoutMs: 30_000,
      watermarkMaxFutureMs: 300_000,
      flushIntervalMs: 5000,
      flushMaxKeys,
      refusedMaxBytes: 1 << 20,
      budget,
    },
    T0,
  );
  c.restore({ nextOffset: 0, intended: null, watermarkMs: null }, 0, T0);
  return c;
}

/** Adds one new cell (a product of its own) to `c`, as the shell does; returns what `flushAfter` says. */
function addCell(c: PartitionCore): ReturnType<PartitionCore['flushAfter']> {
  const offset = c.expectNext;
  expect(c.offer(sale(offset, `p${c.partition}-${offset}`), offset, T0 + 10_000, T0 + 10_000)).toBe('counted');
  return c.flushAfter(offset);
}

describe('the memory budget', () => {
  it('splits a budget by the stated shares, and refuses one too small to split', () => {
    expect(splitMemoryBudget(768 * MIB)).toEqual({
      budgetBytes: 768 * MIB,
      buffersBytes: 384 * MIB,
      stagingBytes: 192 * MIB,
      flushMaxCells: 393_216,
      fetchMaxBytes: 24 * MIB,
      fetchMaxBytesPerPartition: 4 * MIB,
    });
    expect(splitMemoryBudget(128 * MIB).fetchMaxBytesPerPartition).toBe(4 * MIB);
    expect(() => splitMemoryBudget(64 * MIB)).toThrow(/below 128 MiB/);
  });

  it('flushes once the partitions together fill the share, though none of them alone comes near it', () => {
    const budget = budgetOf(30, 3);
    expect(budget.checkEveryBytes).toBeLessThan(CELL_BYTES); // asked at every new cell here
    const cores = [0, 1, 2].map((p) => core(p, budget));
    const said: (string | null)[] = [];
    for (let i = 0; i < 9; i++) for (const c of cores) said.push(addCell(c));
    // 27 cells held, 9 a partition: under the share, no flush.
    expect(said.every((s) => s === null)).toBe(true);
    expect(budget.heldBytes()).toBe(27 * CELL_BYTES);
    expect(cores.map((c) => c.overBudget)).toEqual([false, false, false]);
    // The 30th cell fills the share: the largest buffers flush (ties: the lowest partition first) until
    // at most half the share stays held: partitions 0 and 1, not 2 (which added the 30th cell).
    expect(cores.map((c) => addCell(c))).toEqual([null, null, null]);
    expect(cores.map((c) => c.overBudget)).toEqual([true, true, false]);
    // Partition 0 is asked at its next cell, as the shell asks after every event.
    expect(addCell(cores[0] as PartitionCore)).toBe('budget');
  });

  it('counts a flush in flight until it commits, and forgets a revoked partition', () => {
    const budget = budgetOf(30, 3);
    const [a, b, c] = [0, 1, 2].map((p) => core(p, budget)) as [PartitionCore, PartitionCore, PartitionCore];
    for (let i = 0; i < 10; i++) for (const x of [a, b, c]) addCell(x);
    const plan = a.planFlush(T0 + 10_000) as FlushPlan;
    a.started(plan);
    // Partition 0's cells are in flight: still held, at their in-flight cost (records, columns), and they
    // cannot be flushed again, so partitions 1 and 2 must both flush to bring what stays held to half the share.
    expect(a.inFlightBytes).toBe(10 * IN_FLIGHT_CELL_BYTES);
    expect(budget.heldBytes()).toBe(20 * CELL_BYTES + 10 * IN_FLIGHT_CELL_BYTES);
    expect([a.overBudget, b.overBudget, c.overBudget]).toEqual([false, true, true]);
    expect(a.committed(plan)).toBe(true);
    expect(budget.heldBytes()).toBe(20 * CELL_BYTES);
    expect([a.overBudget, b.overBudget, c.overBudget]).toEqual([false, false, false]);
    c.leaveBudget();
    expect(budget.heldBytes()).toBe(10 * CELL_BYTES);
    expect(budget.windowBytes()).toBe(2 * WINDOW_BYTES);
  });

  it('counts the duplicate windows at their cap against the share first, but always leaves the buffers half of it', () => {
    const budget = new BufferBudget(1000);
    const a = { partition: 0, bufferBytes: 0, inFlightBytes: 0, dedupe: { bytes: 10, maxBytes: 100 } };
    const b = { partition: 1, bufferBytes: 0, inFlightBytes: 0, dedupe: { bytes: 20, maxBytes: 300 } };
    budget.join(a);
    budget.join(b);
    // The windows hold 30 bytes yet, but will hold 400: the buffers never take what the windows grow into.
    expect(budget.buffersLimitBytes()).toBe(600);
    a.bufferBytes = 590;
    expect(budget.mustFlush(a)).toBe(false);
    a.bufferBytes = 600;
    expect(budget.mustFlush(a)).toBe(true);
    // Windows past half the share: the buffers keep half of it (a partition's buffer still fills before it flushes).
    budget.join({ partition: 2, bufferBytes: 0, inFlightBytes: 0, dedupe: { maxBytes: 5000 } });
    expect(budget.buffersLimitBytes()).toBe(500);
    a.bufferBytes = 400;
    expect(budget.mustFlush(a)).toBe(false);
    budget.leave(b);
    budget.leave({ partition: 2, bufferBytes: 0, inFlightBytes: 0, dedupe: { maxBytes: 5000 } }); // not the member that joined: stays
    expect(budget.windowBytes()).toBe(5100);
  });

  it('a partition alone under the share never flushes for it; FLUSH_MAX_KEYS, when set, still caps a partition', () => {
    const budget = budgetOf(30, 1);
    const alone = core(0, budget);
    const said: (string | null)[] = [];
    for (let i = 0; i < 29; i++) said.push(addCell(alone));
    expect(said.every((s) => s === null)).toBe(true);
    expect(addCell(alone)).toBe('budget'); // the 30th cell: the share is full and this buffer is the largest
    const capped = core(5, new BufferBudget(1 << 30), 3);
    expect([addCell(capped), addCell(capped), addCell(capped)]).toEqual([null, null, 'size']);
  });

  it('a new core of the same partition replaces the old one in the budget', () => {
    const budget = budgetOf(30, 1);
    const old = core(4, budget);
    addCell(old);
    const fresh = core(4, budget);
    expect(budget.heldBytes()).toBe(0);
    old.leaveBudget(); // the old one's revocation ends after the new one joined: the new one stays
    addCell(fresh);
    expect(budget.heldBytes()).toBe(CELL_BYTES);
  });
});
