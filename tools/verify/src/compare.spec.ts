import { byteOrder, compareWindow, trueTop } from './compare';
import type { ServedTop } from './api';
import type { WindowTruth } from './ground-truth';

const truth: WindowTruth = {
  byProduct: new Map([
    ['b', { units: 5n, revenue: 500n, orders: 5n }],
    ['a', { units: 5n, revenue: 900n, orders: 4n }],
    ['Z', { units: 2n, revenue: 50n, orders: 2n }],
  ]),
  totals: { units: 12n, revenue: 1450n, orders: 11n, products: 3n },
};

const served = (rows: Array<[string, bigint, bigint]>, over: Partial<ServedTop> = {}): ServedTop => ({
  interval: 'hour',
  windowStart: '2026-11-20T10:00:00.000Z',
  windowEnd: '2026-11-20T11:00:00.000Z',
  metric: 'units',
  source: 'batch',
  exact: true,
  totals: { units: 12n, revenue: 1450n, orders: 11n, products: 3n },
  rows: rows.map(([productId, units, revenue], i) => ({ rank: i + 1, productId, units, revenue, errorBound: 0n })),
  ...over,
});

describe('compareWindow', () => {
  it('breaks ties by product id bytes (uppercase before lowercase), as the batch layer does', () => {
    expect(trueTop(truth, 'units', 3)).toEqual(['a', 'b', 'Z']);
    expect(byteOrder('Z', 'a')).toBeLessThan(0);
    expect(trueTop(truth, 'revenue', 2)).toEqual(['a', 'b']);
  });

  it('accepts the exact answer and the exact prefix of size k', () => {
    expect(compareWindow(served([['a', 5n, 900n], ['b', 5n, 500n], ['Z', 2n, 50n]]), truth, 1000).ok).toBe(true);
    expect(compareWindow(served([['a', 5n, 900n], ['b', 5n, 500n]]), truth, 2).ok).toBe(true);
  });

  it('refuses a tie broken the other way, a truncated list, and a product that did not sell', () => {
    expect(compareWindow(served([['b', 5n, 500n], ['a', 5n, 900n], ['Z', 2n, 50n]]), truth, 1000).problems[0]).toMatch(/rank 1/);
    expect(compareWindow(served([['a', 5n, 900n], ['b', 5n, 500n]]), truth, 1000).ok).toBe(false);
    const ghost = compareWindow(served([['a', 5n, 900n], ['b', 5n, 500n], ['ghost', 1n, 1n]]), truth, 1000);
    expect(ghost.ok).toBe(false);
    expect(ghost.maxDeviation).toBe(1n);
  });

  it('refuses an estimate that calls itself exact, and an exact source with a bound', () => {
    expect(compareWindow(served([['a', 5n, 900n], ['b', 5n, 500n], ['Z', 2n, 50n]], { exact: false }), truth, 1000).ok).toBe(false);
  });
});

describe('compareWindow totals', () => {
  const rows: Array<[string, bigint, bigint]> = [['a', 5n, 900n], ['b', 5n, 500n], ['Z', 2n, 50n]];
  it('requires totals of a batch window, takes a speed window without them', () => {
    expect(compareWindow(served(rows, { totals: null }), truth, 1000).problems).toEqual(['no totals served for a batch window']);
    const speed = served(rows, { totals: null, source: 'speed', exact: false });
    expect(compareWindow(speed, truth, 1000).ok).toBe(true);
    expect(compareWindow({ ...speed, totals: { units: 13n, revenue: 1450n, orders: 11n, products: 3n } }, truth, 1000).ok).toBe(false);
  });

  it('takes a speed window’s exact units and revenue with unknown orders and products, but not a batch window’s', () => {
    const speed = served(rows, { source: 'speed', exact: false, totals: { units: 12n, revenue: 1450n, orders: null, products: null } });
    expect(compareWindow(speed, truth, 1000).ok).toBe(true);
    expect(compareWindow({ ...speed, totals: { units: 12n, revenue: 1451n, orders: null, products: null } }, truth, 1000).ok).toBe(false);
    expect(compareWindow(served(rows, { totals: { units: 12n, revenue: 1450n, orders: null, products: 3n } }), truth, 1000).ok).toBe(false);
  });
});
