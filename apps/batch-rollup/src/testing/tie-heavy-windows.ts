import { seededRandom } from '@hitboard/random';
import { TOP_N_STORED } from '@hitboard/schema';
import { byteOrder, ranksBy } from '@hitboard/testkit';
import type { ChannelWindowColumns, RankedChannel, RankedWindow, TopRow } from '../rank-window';

/**
 * Id stems whose byte order (DuckDB's VARCHAR, Postgres' COLLATE "C") is not the obvious one: case,
 * precomposed vs combining accents, digits compared as text, and ids beyond the BMP, which sort after
 * U+E000–U+FFFF in bytes but before them in JS's UTF-16 order.
 */
export const TIE_PRONE_IDS = ['a', 'b', 'B', 'é', 'e\u0301', '\uE000x', '\u{1F600}y', 'z-9', 'z-10'];

/** An empty window's ranking: zero totals, no rows. */
export const EMPTY_RANKED_WINDOW: RankedWindow = { products: 0, units: 0n, revenueCents: 0n, orders: 0n, uncategorised: 0, top: [] };

/** One (product, channel) row of a window's full rollup. */
export interface WindowCell extends Pick<TopRow, 'productId' | 'category' | 'units' | 'revenueCents' | 'orders'> {
  channel: string;
  uncategorised: boolean;
}

const byProductThenChannel = (a: WindowCell, b: WindowCell) => byteOrder(a.productId, b.productId) || byteOrder(a.channel, b.channel);

/**
 * `count` distinct (product, channel) cells over ids of TIE_PRONE_IDS stems and numbers below `idRange`,
 * in the rollup file's order (product_id, then channel, in byte order). Few distinct values, so many ties
 * within and across partitions. One category per product, as the catalog join gives; c2 stands for the
 * products the catalog does not know.
 */
export function tieHeavyCells(seed: number, count: number, idRange: number, channelOf: (next: () => number) => string): WindowCell[] {
  const next = seededRandom(seed);
  const cells = new Map<string, WindowCell>();
  while (cells.size < count) {
    const productId = `${TIE_PRONE_IDS[Math.floor(next() * TIE_PRONE_IDS.length)]}${Math.floor(next() * idRange)}`;
    const channel = channelOf(next);
    const category = `c${productId.length % 3}`;
    cells.set(`${productId}|${channel}`, {
      productId,
      channel,
      category,
      units: BigInt(1 + Math.floor(next() * 20)),
      revenueCents: BigInt(100 * Math.floor(next() * 30)),
      orders: BigInt(1 + Math.floor(next() * 5)),
      uncategorised: category === 'c2',
    });
  }
  return [...cells.values()].sort(byProductThenChannel);
}

/** The cells as rank-window's input columns (they must already be in the rollup file's order). */
export function columnsOf(cells: readonly WindowCell[]): ChannelWindowColumns {
  return {
    productId: cells.map((c) => c.productId),
    channel: cells.map((c) => c.channel),
    category: cells.map((c) => c.category),
    units: cells.map((c) => c.units),
    revenueCents: cells.map((c) => c.revenueCents),
    orders: cells.map((c) => c.orders),
    uncategorised: cells.map((c) => c.uncategorised),
  };
}

/** Each product's cells summed over its channels, in product_id byte order (channel left empty). */
export function productSums(cells: readonly WindowCell[]): WindowCell[] {
  const sums = new Map<string, WindowCell>();
  for (const c of cells) {
    const s = sums.get(c.productId);
    if (!s) sums.set(c.productId, { ...c, channel: '' });
    else {
      s.units += c.units;
      s.revenueCents += c.revenueCents;
      s.orders += c.orders;
    }
  }
  return [...sums.values()].sort(byProductThenChannel);
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group) group.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}

/** Ranks by `metric` within each partition, by the batch layer's rule as the test kit states it (ranksBy); ranks past TOP_N_STORED are null. */
function storedRanks(rows: readonly WindowCell[], metric: 'units' | 'revenueCents', partition: (row: WindowCell) => string): (row: WindowCell) => number | null {
  const ranks = new Map<string, number>();
  for (const members of groupBy(rows, partition).values()) {
    for (const [productId, rank] of ranksBy(members, (r) => r[metric], (r) => r.productId)) ranks.set(productId, rank);
  }
  return (row) => (ranks.get(row.productId)! <= TOP_N_STORED ? ranks.get(row.productId)! : null);
}

/** The rows ranked in some top, in product_id byte order; `rows` hold one row per product. */
function expectedTop(rows: readonly WindowCell[], categoryRanks: boolean): TopRow[] {
  const whole = () => '';
  const [rankUnits, rankRevenue] = [storedRanks(rows, 'units', whole), storedRanks(rows, 'revenueCents', whole)];
  const [categoryRankUnits, categoryRankRevenue] = [storedRanks(rows, 'units', (r) => r.category), storedRanks(rows, 'revenueCents', (r) => r.category)];
  return rows
    .map((r) => ({
      productId: r.productId,
      category: r.category,
      units: r.units,
      revenueCents: r.revenueCents,
      orders: r.orders,
      rankUnits: rankUnits(r),
      rankRevenue: rankRevenue(r),
      categoryRankUnits: categoryRanks ? categoryRankUnits(r) : null,
      categoryRankRevenue: categoryRanks ? categoryRankRevenue(r) : null,
    }))
    .filter((r) => r.rankUnits !== null || r.rankRevenue !== null || r.categoryRankUnits !== null || r.categoryRankRevenue !== null)
    .sort((a, b) => byteOrder(a.productId, b.productId));
}

const sum = (rows: readonly WindowCell[], metric: 'units' | 'revenueCents' | 'orders') => rows.reduce((s, r) => s + r[metric], 0n);

/** What rankWindow must return for `products` (one row per product): totals, and top TOP_N_STORED by each metric, overall and per category. */
export function expectedRankedWindow(products: readonly WindowCell[]): RankedWindow {
  return {
    products: products.length,
    units: sum(products, 'units'),
    revenueCents: sum(products, 'revenueCents'),
    orders: sum(products, 'orders'),
    uncategorised: products.filter((r) => r.uncategorised).length,
    top: expectedTop(products, true),
  };
}

/** What rankChannelWindow must return per channel for `cells`: each channel's totals and its own top, by channel name. */
export function expectedRankedChannels(cells: readonly WindowCell[]): RankedChannel[] {
  return [...groupBy(cells, (c) => c.channel)]
    .sort(([a], [b]) => byteOrder(a, b))
    .map(([channel, members]) => ({
      channel,
      products: members.length,
      units: sum(members, 'units'),
      revenueCents: sum(members, 'revenueCents'),
      orders: sum(members, 'orders'),
      top: expectedTop(members, false),
    }));
}
