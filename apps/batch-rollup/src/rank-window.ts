import { TOP_N_STORED } from '@hitboard/schema';

/** A window's full rollup, by column, ordered by product_id in byte order (DuckDB's VARCHAR order, Postgres' COLLATE "C"). */
export interface WindowColumns {
  productId: readonly string[];
  category: readonly string[];
  units: readonly bigint[];
  revenueCents: readonly bigint[];
  orders: readonly bigint[];
  uncategorised: readonly boolean[];
}

/** One stored row: in some top (overall or its category) by some metric; ranks beyond TOP_N_STORED are null. */
export interface TopRow {
  productId: string;
  category: string;
  units: bigint;
  revenueCents: bigint;
  orders: bigint;
  rankUnits: number | null;
  rankRevenue: number | null;
  categoryRankUnits: number | null;
  categoryRankRevenue: number | null;
}

export interface RankedWindow {
  products: number;
  units: bigint;
  revenueCents: bigint;
  orders: bigint;
  uncategorised: number;
  /** Rows in any top, in product_id order. */
  top: TopRow[];
}

/**
 * Ranks `rows` (indexes, in byte order of product_id) by `metric` descending, writing ranks 1…TOP_N_STORED
 * into `into`; ties go to the lower index, which is the product_id that comes first in byte order.
 * Sorts `rows` in place.
 */
function rankInto(rows: number[], metric: readonly bigint[], into: Array<number | null>): void {
  rows.sort((a, b) => (metric[a]! > metric[b]! ? -1 : metric[a]! < metric[b]! ? 1 : a - b));
  for (let r = 0; r < rows.length && r < TOP_N_STORED; r++) into[rows[r]!] = r + 1;
}

/** Row `i` of the window's columns as a stored row, with its ranks. */
function topRow(c: WindowColumns, i: number, rankUnits: number | null, rankRevenue: number | null, categoryRankUnits: number | null, categoryRankRevenue: number | null): TopRow {
  return { productId: c.productId[i]!, category: c.category[i]!, units: c.units[i]!, revenueCents: c.revenueCents[i]!, orders: c.orders[i]!, rankUnits, rankRevenue, categoryRankUnits, categoryRankRevenue };
}

/**
 * The window's totals and its stored rows: the top TOP_N_STORED by units and by revenue, overall and
 * within each category. Ties rank by product_id in byte order: the rows come in that order, so a
 * row's index breaks ties (no string comparison here, which in JS would be UTF-16 order).
 *
 * The reference for the engine's ranking, which is done in DuckDB since issue 28 (rollup-engine.ts
 * `rankInDuckDB`; rollup-engine.spec.ts compares the two): the engine ranked here, over every row read
 * into JS, while windows were ~5,000 products; at 200k products × channels that read cost seconds.
 */
export function rankWindow(c: WindowColumns): RankedWindow {
  const n = c.productId.length;
  let units = 0n;
  let revenueCents = 0n;
  let orders = 0n;
  let uncategorised = 0;
  for (let i = 0; i < n; i++) {
    units += c.units[i]!;
    revenueCents += c.revenueCents[i]!;
    orders += c.orders[i]!;
    if (c.uncategorised[i]) uncategorised++;
  }
  const rankUnits = new Array<number | null>(n).fill(null);
  const rankRevenue = new Array<number | null>(n).fill(null);
  const categoryRankUnits = new Array<number | null>(n).fill(null);
  const categoryRankRevenue = new Array<number | null>(n).fill(null);
  const byCategory = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const members = byCategory.get(c.category[i]!);
    if (members) members.push(i);
    else byCategory.set(c.category[i]!, [i]);
  }
  const all = Array.from({ length: n }, (_, i) => i);
  rankInto([...all], c.units, rankUnits);
  rankInto(all, c.revenueCents, rankRevenue);
  for (const members of byCategory.values()) {
    rankInto([...members], c.units, categoryRankUnits);
    rankInto(members, c.revenueCents, categoryRankRevenue);
  }
  const top: TopRow[] = [];
  for (let i = 0; i < n; i++) {
    if (rankUnits[i] === null && rankRevenue[i] === null && categoryRankUnits[i] === null && categoryRankRevenue[i] === null) continue;
    top.push(topRow(c, i, rankUnits[i]!, rankRevenue[i]!, categoryRankUnits[i]!, categoryRankRevenue[i]!));
  }
  return { products: n, units, revenueCents, orders, uncategorised, top };
}

/** A window's full rollup by (product, channel), by column, ordered by product_id in byte order, then channel. */
export interface ChannelWindowColumns extends WindowColumns {
  channel: readonly string[];
}

/** One channel of a window: its totals (products = distinct products sold there) and its stored rows. */
export interface RankedChannel {
  channel: string;
  products: number;
  units: bigint;
  revenueCents: bigint;
  orders: bigint;
  /** The channel's top TOP_N_STORED by units and by revenue, ranked within the channel; category ranks null. In product_id order. */
  top: TopRow[];
}

export interface RankedChannelWindow extends RankedWindow {
  /** Every channel with a row in the window, by name. Their totals sum to the window's. */
  channels: RankedChannel[];
}

/**
 * The overall figures (exactly `rankWindow` of the per-product sums, as before channels) and, per
 * channel, its totals and its top TOP_N_STORED by units and by revenue ranked within the channel.
 *
 * The per-product sums come from adding each product's channel rows, which are adjacent (rows come by
 * product_id, then channel): no second GROUP BY in DuckDB. Within one channel the rows keep product_id
 * byte order, so an index still breaks ties as in `rankWindow`.
 */
export function rankChannelWindow(c: ChannelWindowColumns): RankedChannelWindow {
  const n = c.productId.length;
  const productId: string[] = [];
  const category: string[] = [];
  const units: bigint[] = [];
  const revenueCents: bigint[] = [];
  const orders: bigint[] = [];
  const uncategorised: boolean[] = [];
  const rowsOf = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const last = productId.length - 1;
    if (last >= 0 && productId[last] === c.productId[i]) {
      units[last] = units[last]! + c.units[i]!;
      revenueCents[last] = revenueCents[last]! + c.revenueCents[i]!;
      orders[last] = orders[last]! + c.orders[i]!;
    } else {
      productId.push(c.productId[i]!);
      category.push(c.category[i]!);
      units.push(c.units[i]!);
      revenueCents.push(c.revenueCents[i]!);
      orders.push(c.orders[i]!);
      uncategorised.push(c.uncategorised[i]!);
    }
    const members = rowsOf.get(c.channel[i]!);
    if (members) members.push(i);
    else rowsOf.set(c.channel[i]!, [i]);
  }
  const overall = rankWindow({ productId, category, units, revenueCents, orders, uncategorised });
  const rankUnits = new Array<number | null>(n).fill(null);
  const rankRevenue = new Array<number | null>(n).fill(null);
  const channels: RankedChannel[] = [];
  for (const channel of [...rowsOf.keys()].sort()) {
    const members = rowsOf.get(channel)!;
    const ranked: RankedChannel = { channel, products: members.length, units: 0n, revenueCents: 0n, orders: 0n, top: [] };
    for (const i of members) {
      ranked.units += c.units[i]!;
      ranked.revenueCents += c.revenueCents[i]!;
      ranked.orders += c.orders[i]!;
    }
    rankInto([...members], c.units, rankUnits);
    rankInto([...members], c.revenueCents, rankRevenue);
    for (const i of members) {
      if (rankUnits[i] === null && rankRevenue[i] === null) continue;
      ranked.top.push(topRow(c, i, rankUnits[i]!, rankRevenue[i]!, null, null)); // a channel's rows carry no category ranks
    }
    channels.push(ranked);
  }
  return { ...overall, channels };
}
