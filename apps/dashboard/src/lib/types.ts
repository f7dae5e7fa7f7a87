/**
 * What the API and the page exchange. Client-safe (plain data, no server imports). Amounts that can
 * pass 2^53 (units, revenue cents, error bounds, totals) are decimal strings; a share is a number.
 */
import type { Metric } from '@hitboard/schema';

export type { Metric };
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

export type Movement = { kind: 'new'; by: null } | { kind: 'up' | 'down'; by: number } | { kind: 'same'; by: 0 };

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
  /** The figure's fraction of the window's total for the metric; null when the totals are unknown. */
  share: number | null;
  movement: Movement;
}

export interface Totals {
  units: string;
  revenue: string;
  orders: string | null;
  products: string | null;
}

export interface TopResult {
  interval: string;
  windowStart: string;
  windowEnd: string;
  metric: Metric;
  category: string | null;
  source: Source;
  exact: boolean;
  asOf: string | null;
  totals: Totals | null;
  rows: TopRow[];
}

export interface TrendPoint {
  windowStart: string;
  /** The figure, or null where the product is outside the window's stored top 1000 (or the window has no data). */
  value: string | null;
  /** Trailing mean of the known figures over the last `movingAverageWindows` windows; null before any. */
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
  from: string;
  to: string;
  movingAverageWindows: number;
  points: TrendPoint[];
}
