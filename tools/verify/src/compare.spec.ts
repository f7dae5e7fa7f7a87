import { byteOrder, compareRange, compareWindow, placeOf, spanProblems, trueTop } from './compare';
import type { ServedRange, ServedTop } from './api';
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

describe('compareWindow per channel', () => {
  const rows: Array<[string, bigint, bigint]> = [['a', 5n, 900n], ['b', 5n, 500n], ['Z', 2n, 50n]];
  it('names the channel it checked, and refuses an answer for another channel than the one asked', () => {
    expect(compareWindow(served(rows, { channel: 'web' }), truth, 1000, 'web')).toMatchObject({ ok: true, channel: 'web' });
    expect(compareWindow(served(rows), truth, 1000, 'app')).toMatchObject({ ok: true, channel: 'app' }); // a dashboard that echoes no channel
    const other = compareWindow(served(rows, { channel: 'all' }), truth, 1000, 'web');
    expect(other.ok).toBe(false);
    expect(other.problems).toEqual(['asked for channel web, served all']);
  });
});

describe('compareRange', () => {
  const FROM = Date.parse('2026-11-20T00:30:00.000Z');
  const TO = FROM + 36 * 3_600_000;
  const MID = FROM + 30 * 3_600_000;
  const span = (from: number, to: number) => ({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  const rows: Array<[string, bigint, bigint]> = [['a', 5n, 900n], ['b', 5n, 500n], ['Z', 2n, 50n]];
  const range = (over: Partial<ServedRange> = {}, list = rows, bound = 0n): ServedRange => ({
    from: new Date(FROM).toISOString(),
    to: new Date(TO).toISOString(),
    metric: 'units',
    source: 'batch',
    exact: true,
    rebuilding: false,
    hours: { exact: [span(FROM, TO)], estimate: [], missing: [] },
    estimateBound: null,
    totals: { units: 12n, revenue: 1450n, orders: 11n, products: 3n },
    rows: list.map(([productId, units, revenue], i) => ({ rank: i + 1, productId, units, revenue, errorBound: bound })),
    ...over,
  });
  const asked = { fromMs: FROM, toMs: TO, channel: 'all' as const };
  const mixed = (over: Partial<ServedRange> = {}, list = rows, bound = 3n) =>
    range({ source: 'mixed', exact: false, hours: { exact: [span(FROM, MID)], estimate: [span(MID, TO)], missing: [] }, totals: { units: 12n, revenue: 1450n, orders: null, products: null }, ...over }, list, bound);

  it('holds an exact range to every figure and the order of the list, and reports it as a range', () => {
    const report = compareRange(range(), truth, 1000, asked);
    expect(report).toMatchObject({ ok: true, interval: 'range', windowStart: new Date(FROM), windowEnd: new Date(TO), channel: 'all' });
    expect(placeOf(report)).toBe('2026-11-20T00:30:00.000Z+36h');
    expect(compareRange(range({}, [['b', 5n, 500n], ['a', 5n, 900n], ['Z', 2n, 50n]]), truth, 1000, asked).problems).toEqual(['rank 1: served b, true a']);
    expect(compareRange(range({ totals: { units: 12n, revenue: 1450n, orders: 10n, products: 3n } }), truth, 1000, asked).ok).toBe(false);
  });

  it('holds a range with estimated hours to each row’s bound and its exact totals', () => {
    expect(compareRange(mixed({}, [['a', 8n, 900n], ['b', 5n, 500n], ['Z', 2n, 50n]]), truth, 1000, asked).ok).toBe(true); // 3 over, bound 3
    const beyond = compareRange(mixed({}, [['a', 9n, 900n], ['b', 5n, 500n], ['Z', 2n, 50n]]), truth, 1000, asked);
    expect(beyond.problems).toEqual(['a: served units 9, true 5: off by 4, beyond its bound 3']);
    // Orders served for hours the speed layer does not count them in: a number that is not the truth is wrong.
    expect(compareRange(mixed({ totals: { units: 12n, revenue: 1450n, orders: 9n, products: null } }), truth, 1000, asked).problems[0]).toMatch(/^totals: served 12 units \/ 1450 cents \/ 9 orders/);
  });

  it('refuses hours that do not tile the range, and an exact claim with estimated hours', () => {
    const gap = compareRange(range({ hours: { exact: [span(FROM, MID - 3_600_000)], estimate: [], missing: [span(MID, TO)] } }), truth, 1000, asked);
    expect(gap.problems[0]).toBe(`hours: nothing said of ${new Date(MID - 3_600_000).toISOString()} … ${new Date(MID).toISOString()}`);
    const claim = compareRange(mixed({ exact: true }), truth, 1000, asked);
    expect(claim.problems[0]).toMatch(/^asked for an exact range: exact=true but source mixed, 1 estimated/);
    expect(compareRange(range({ exact: false }), truth, 1000, asked).problems).toEqual(['asked for a range every hour of which is built and none rebuilding, served exact=false']);
    // Rebuilding for late data: not exact, its rows still the built figures (bound 0).
    expect(compareRange(range({ exact: false, rebuilding: true }), truth, 1000, asked).ok).toBe(true);
    expect(compareRange(range({ to: new Date(TO + 3_600_000).toISOString() }), truth, 1000, asked).problems[0]).toMatch(/^asked for 2026-11-20T00:30:00.000Z … /);
  });

  it('takes nothing served for a range only where the truth has no sales', () => {
    const none = range({ source: 'none', exact: false, totals: null, rows: [], hours: { exact: [], estimate: [], missing: [span(FROM, TO)] } });
    expect(compareRange(none, { byProduct: new Map(), totals: { units: 0n, revenue: 0n, orders: 0n, products: 0n } }, 1000, asked).ok).toBe(true);
    expect(compareRange(none, truth, 1000, asked).problems).toEqual(['nothing served, but the ground truth has 3 products selling 12 units']);
  });
});

describe('spanProblems', () => {
  const H = 3_600_000;
  const s = (from: number, to: number) => ({ from: new Date(from * H).toISOString(), to: new Date(to * H).toISOString() });
  it('accepts spans that tile the range in any order, and names an overlap, a gap and a short end', () => {
    expect(spanProblems(0, 10 * H, { exact: [s(0, 4), s(6, 10)], estimate: [s(4, 5)], missing: [s(5, 6)] })).toEqual([]);
    expect(spanProblems(0, 10 * H, { exact: [s(0, 5)], estimate: [s(4, 10)], missing: [] })[0]).toMatch(/^hours: two answers for/);
    expect(spanProblems(0, 10 * H, { exact: [s(0, 4)], estimate: [s(5, 10)], missing: [] })[0]).toMatch(/^hours: nothing said of/);
    expect(spanProblems(0, 10 * H, { exact: [s(0, 9)], estimate: [], missing: [] })).toEqual([`hours: the spans end at ${new Date(9 * H).toISOString()}, the range at ${new Date(10 * H).toISOString()}`]);
  });
});
