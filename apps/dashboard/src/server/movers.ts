import 'server-only';
import type { Knex } from 'knex';
import { TABLES } from '@hitboard/schema';
import type { MoversQuery } from '../lib/params';

/** One mover as the API serves it: rates per `interval` (units), the current one with its 95 % lower bound. */
export interface MoverView {
  productId: string;
  name: string;
  category: string;
  direction: 'up' | 'down';
  /** Units per interval now (since `since`), and its one-sided 95 % lower bound. */
  current: number;
  currentLow: number;
  /** Units per interval usually at this time (same hour of the week, or the recent rate). */
  usual: number;
  /** current / usual; null for a new product (no usual to divide by). */
  factor: number | null;
  /** Start of the minute it began rising (falling). */
  since: string;
  /** Units sold since then. */
  units: string;
  isNew: boolean;
  baseline: 'hour-of-week' | 'recent' | 'new';
  /** Units per minute since `since` (up to 30, oldest first). */
  spark: number[];
}

export interface MoversResult {
  interval: string;
  direction: 'up' | 'down';
  category: string | null;
  /** Newest write of the speed pipeline's movers (null: none yet). */
  asOf: string | null;
  movers: MoverView[];
}

const PER_HOUR: Record<string, number> = { hour: 1, day: 24 };

interface MoverDbRow {
  product_id: string;
  name: string | null;
  category: string | null;
  direction: 'up' | 'down';
  since: Date;
  units: bigint;
  units_per_hour: number;
  units_per_hour_low: number;
  usual_units_per_hour: number;
  factor: number;
  is_new: boolean;
  baseline: MoverView['baseline'];
  spark: number[];
  updated_at: Date;
}

/** The movers widget's data: the speed pipeline's `movers` rows with the catalog's name and category. */
export class MoversData {
  constructor(private readonly db: Knex) {}

  async fetchMovers(q: MoversQuery): Promise<MoversResult> {
    const query = this.db(`${TABLES.movers} as m`)
      .leftJoin(`${TABLES.products} as p`, 'p.product_id', 'm.product_id')
      .where('m.direction', q.direction)
      .select<MoverDbRow[]>('m.*', 'p.name', 'p.category')
      .orderBy([{ column: 'm.factor', order: q.direction === 'up' ? 'desc' : 'asc' }, { column: 'm.product_id' }])
      .limit(q.k);
    if (q.category !== null) query.where('p.category', q.category);
    const [rows, newest] = await Promise.all([query, this.db(TABLES.movers).max<Array<{ max: Date | null }>>('updated_at as max')]);
    const scale = PER_HOUR[q.interval] ?? 1;
    return {
      interval: q.interval,
      direction: q.direction,
      category: q.category,
      asOf: newest[0]?.max ? newest[0].max.toISOString() : null,
      movers: rows.map((r) => ({
        productId: r.product_id,
        name: r.name ?? r.product_id,
        category: r.category ?? '',
        direction: r.direction,
        current: r.units_per_hour * scale,
        currentLow: r.units_per_hour_low * scale,
        usual: r.usual_units_per_hour * scale,
        factor: r.is_new ? null : r.factor,
        since: r.since.toISOString(),
        units: String(r.units),
        isNew: r.is_new,
        baseline: r.baseline,
        spark: r.spark,
      })),
    };
  }

  /** Products rising now (for the top list's badge). */
  async risingIds(): Promise<Set<string>> {
    const rows = await this.db(TABLES.movers).where('direction', 'up').select<Array<{ product_id: string }>>('product_id');
    return new Set(rows.map((r) => r.product_id));
  }
}
