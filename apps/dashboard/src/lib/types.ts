/**
 * What the API and the page exchange. Client-safe (plain data, no server imports). Amounts that can
 * pass 2^53 (units, revenue cents, error bounds, totals) are decimal strings; a share is a number.
 */
import type { ChannelFilter, Metric } from '@hitboard/schema';

export type { ChannelFilter, Metric };
export type Source = 'batch' | 'speed' | 'none';

export interface IntervalInfo {
  name: string;
  rolledUpFrom: string | null;
}

export interface WindowInfo {
  windowStart: string;
  windowEnd: string;
  source: Exclude<Source, 'none'>;
}

/** `none`: no comparison, the previous window has no data at all (so nothing is "new" against it). */
export type Movement = { kind: 'new' | 'none'; by: null } | { kind: 'up' | 'down'; by: number } | { kind: 'same'; by: 0 };

export interface TopRow {
  /** Rank in the window, or within the category when a category is asked for. */
  rank: number;
  productId: string;
  name: string;
  category: string;
  units: string;
  revenue: string;
  /** ± bound of the figure for the metric (units, or revenue cents); "0" for exact batch rows. */
  errorBound: string;
  /** The figure's fraction of the window's total for the metric (of the category's total with a category); null when that total is unknown. */
  share: number | null;
  movement: Movement;
}

export interface Totals {
  units: string;
  revenue: string;
  orders: string | null;
  products: string | null;
}

/** A category's totals in a window: the sums over its products in the stored list for the metric. */
export interface CategoryTotals {
  units: string;
  revenue: string;
  /** How many of its products the sums cover. */
  products: string;
  /** True when that is every product of the category that sold (exact, batch); false for live estimates (its products among the speed layer's candidates). */
  complete: boolean;
}

export interface TopResult {
  interval: string;
  windowStart: string;
  windowEnd: string;
  metric: Metric;
  category: string | null;
  /** Whose sales: every channel together ('all'), or one channel — then ranks, totals, shares and movement are the channel's. */
  channel: ChannelFilter;
  source: Source;
  exact: boolean;
  asOf: string | null;
  /** The whole window's totals (every category). */
  totals: Totals | null;
  /** With a category: the category's totals, what each row's share is of; null without one. */
  categoryTotals: CategoryTotals | null;
  rows: TopRow[];
}

export interface TrendPoint {
  windowStart: string;
  /** The figure, or null where the product is outside the window's stored top 1000 (or the window has no data). */
  value: string | null;
  /** Trailing mean of the known figures of closed windows over the last `movingAverageWindows` windows; null before any, and for the open window (a partial figure). */
  movingAverage: number | null;
  source: Source;
  rank: number | null;
}

export interface TrendResult {
  productId: string;
  name: string | null;
  category: string | null;
  interval: string;
  metric: Metric;
  /** The product's figures in this channel ('all' = every channel together); a rank is within it. */
  channel: ChannelFilter;
  from: string;
  to: string;
  movingAverageWindows: number;
  points: TrendPoint[];
}

/** A span of hours [from, to) of a range. */
export interface HourSpan {
  from: string;
  to: string;
}

/** One built window a range's exact part is read from. */
export interface RangeTileInfo {
  interval: string;
  windowStart: string;
  windowEnd: string;
  /** The build version: the succeeded run that wrote the window's rollup file, and when it finished. */
  runId: string;
  builtAt: string;
  /** Late data arrived for the window: its rebuild is due or running, its figures will change. */
  rebuilding: boolean;
}

/**
 * The top list of a range [from, to): exact from the fewest built windows that tile it, plus speed-layer
 * estimates for the hours not built yet. `hours` says which hours are which.
 */
export interface RangeResult {
  from: string;
  to: string;
  metric: Metric;
  category: string | null;
  /** Whose sales: every channel together ('all'), or one channel (tiles and estimated hours alike). */
  channel: ChannelFilter;
  /** batch: every hour exact; mixed: some estimated; speed: all estimated; none: nothing to read. */
  source: 'batch' | 'mixed' | 'speed' | 'none';
  /** True when every hour of the range is exact (built) and none is being rebuilt. */
  exact: boolean;
  /** Some tile is being rebuilt for late data. */
  rebuilding: boolean;
  asOf: string | null;
  hours: { exact: HourSpan[]; estimate: HourSpan[]; missing: HourSpan[] };
  /** The estimated hours' bound (sum of their sketches' eps·N) for units and revenue; null with no estimate. */
  estimateBound: { units: string; revenue: string } | null;
  tiles: RangeTileInfo[];
  totals: Totals | null;
  categoryTotals: CategoryTotals | null;
  /** The range of the same length right before, which movement compares with. */
  previous: { from: string; to: string };
  rows: TopRow[];
}
