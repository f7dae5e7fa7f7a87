import type { Channel } from '@hitboard/schema';
import { PartitionBuffer } from './partition-buffer';

describe('PartitionBuffer', () => {
  it('sums units, revenue and orders per (minute, product)', () => {
    const b = new PartitionBuffer();
    b.add(60_000, 'p-1', 'web', 2, 500);
    b.add(60_000, 'p-1', 'web', 1, 250);
    b.add(60_000, 'p-2', 'web', 1, 100);
    b.add(120_000, 'p-1', 'web', 3, 900);
    expect(b.keys).toBe(3);
    expect(b.events).toBe(4);
    expect(b.sortedCells()).toEqual([
      { minuteStartMs: 60_000, productId: 'p-1', channel: 'web', units: 3, revenueCents: 750, orders: 2 },
      { minuteStartMs: 60_000, productId: 'p-2', channel: 'web', units: 1, revenueCents: 100, orders: 1 },
      { minuteStartMs: 120_000, productId: 'p-1', channel: 'web', units: 3, revenueCents: 900, orders: 1 },
    ]);
  });

  it('keeps two channels of one (minute, product) apart: separate cells that sum to the overall', () => {
    const b = new PartitionBuffer();
    const sales: Array<[Channel, number, number]> = [
      ['web', 2, 500],
      ['app', 1, 250],
      ['web', 4, 100],
      ['app', 3, 30],
      ['store', 1, 7],
    ];
    for (const [channel, units, revenue] of sales) b.add(60_000, 'p-1', channel, units, revenue);
    b.add(60_000, 'p-2', 'web', 1, 1); // another product in the same minute and channel: not mixed in
    expect(b.keys).toBe(4);
    const cells = b.sortedCells().filter((c) => c.productId === 'p-1');
    expect(cells).toEqual([
      { minuteStartMs: 60_000, productId: 'p-1', channel: 'app', units: 4, revenueCents: 280, orders: 2 },
      { minuteStartMs: 60_000, productId: 'p-1', channel: 'store', units: 1, revenueCents: 7, orders: 1 },
      { minuteStartMs: 60_000, productId: 'p-1', channel: 'web', units: 6, revenueCents: 600, orders: 2 },
    ]);
    const overall = cells.reduce((s, c) => ({ units: s.units + c.units, revenueCents: s.revenueCents + c.revenueCents, orders: s.orders + c.orders }), { units: 0, revenueCents: 0, orders: 0 });
    const sold = sales.reduce((s, [, u, r]) => ({ units: s.units + u, revenueCents: s.revenueCents + r, orders: s.orders + 1 }), { units: 0, revenueCents: 0, orders: 0 });
    expect(overall).toEqual(sold);
  });

  it('tracks the last consumed offset and when it opened, refused messages included', () => {
    const b = new PartitionBuffer();
    expect(b.isEmpty).toBe(true);
    b.consumed(7, 1000);
    b.refuse({ offset: 8, rejection: { reason: 'invalid_json', message: 'x' }, value: Buffer.from('{'), valueBytes: 1, key: null, timestamp: '0' });
    b.consumed(8, 2000);
    expect([b.isEmpty, b.lastOffset, b.openedAtMs, b.refused.length, b.keys]).toEqual([false, 8, 1000, 1, 0]);
  });

  it('refuses to lose cents to floating point: an add that would pass 2^53 changes nothing and says so', () => {
    const b = new PartitionBuffer();
    expect(b.add(0, 'p', 'web', 1, Number.MAX_SAFE_INTEGER - 10)).toBe(true);
    expect(b.add(0, 'p', 'web', 1, 100)).toBe(false);
    expect(b.sortedCells()).toEqual([{ minuteStartMs: 0, productId: 'p', channel: 'web', units: 1, revenueCents: Number.MAX_SAFE_INTEGER - 10, orders: 1 }]);
    expect(b.events).toBe(1);
    expect(b.add(0, 'p', 'web', 1, 10)).toBe(true); // exactly 2^53 - 1 still fits
  });

  it('is full at maxKeys cells, at maxKeys refused messages, or at maxRefusedBytes of them', () => {
    const refused = (offset: number, bytes: number) => ({
      offset,
      rejection: { reason: 'oversized' as const, message: 'x' },
      value: Buffer.alloc(bytes),
      valueBytes: bytes,
      key: null,
      timestamp: '0',
    });
    const cells = new PartitionBuffer();
    cells.add(0, 'a', 'web', 1, 1);
    expect(cells.isFull(2, 1000)).toBe(false);
    cells.add(0, 'b', 'web', 1, 1);
    expect(cells.isFull(2, 1000)).toBe(true);
    const poison = new PartitionBuffer(); // no cells at all, only refused messages
    poison.refuse(refused(1, 10));
    expect(poison.isFull(2, 1000)).toBe(false);
    poison.refuse(refused(2, 10));
    expect(poison.isFull(2, 1000)).toBe(true);
    const big = new PartitionBuffer();
    big.refuse(refused(1, 2000));
    expect(big.isFull(100, 1000)).toBe(true);
  });

  it('a buffer handed over to a flush drops its Maps but keeps its counts, and takes no more events', () => {
    const b = new PartitionBuffer();
    b.add(60_000, 'p-1', 'web', 2, 500);
    b.add(60_000, 'p-2', 'app', 1, 100);
    const cells = [...b.cells()];
    const inFlight = b.inFlightBytes;
    b.dropIndex();
    expect([...b.cells()]).toEqual([]);
    expect(b.keys).toBe(2);
    expect(b.inFlightBytes).toBe(inFlight);
    expect(cells).toHaveLength(2); // the plan's array still holds them
    expect(() => b.add(60_000, 'p-3', 'web', 1, 1)).toThrow(/handed over/);
  });
});
