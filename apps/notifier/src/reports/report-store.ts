import type { Knex } from 'knex';
import { CHANNEL_ALL, TABLES, type Metric } from '@hitboard/schema';
import type { Window } from '@hitboard/time';
import type { ReportMover, ReportTopRow } from './report-render';

export type ReportStatus = 'waiting' | 'built' | 'delivered' | 'failed';

/** One scheduled report of one window, as `reports` holds it. */
export interface ReportRow {
  report: string;
  interval: string;
  windowStart: Date;
  windowEnd: Date;
  status: ReportStatus;
  lateSince: Date | null;
  csvKey: string | null;
  svgKey: string | null;
}

interface ReportDbRow {
  report: string;
  interval: string;
  window_start: Date;
  window_end: Date;
  status: ReportStatus;
  late_since: Date | null;
  csv_key: string | null;
  svg_key: string | null;
}

const toRow = (r: ReportDbRow): ReportRow => ({
  report: r.report,
  interval: r.interval,
  windowStart: r.window_start,
  windowEnd: r.window_end,
  status: r.status,
  lateSince: r.late_since,
  csvKey: r.csv_key,
  svgKey: r.svg_key,
});

const COLUMNS = ['report', 'interval', 'window_start', 'window_end', 'status', 'late_since', 'csv_key', 'svg_key'];

/** Reports' Postgres side: the schedule's rows, their leases, and the exact batch data a report is built from. */
export class ReportStore {
  constructor(private readonly knex: Knex) {}

  /** Records that `report` of `window` is due (once: a second instance's or a repeated cron's insert is a no-op). */
  async schedule(report: string, window: Window, dueAt: Date): Promise<boolean> {
    const inserted = await this.knex(TABLES.reports)
      .insert({ report, interval: window.interval, window_start: window.start, window_end: window.end, status: 'waiting', due_at: dueAt })
      .onConflict(['report', 'window_start'])
      .ignore()
      .returning('report');
    return inserted.length > 0;
  }

  /**
   * The open reports (waiting or built) this instance now holds for `leaseMs`, oldest window first:
   * one instance works on a report at a time; a lease left by a dead instance runs out.
   */
  async leaseOpen(instance: string, leaseMs: number): Promise<ReportRow[]> {
    const { rows } = await this.knex.raw<{ rows: ReportDbRow[] }>(
      `UPDATE ${TABLES.reports} r SET instance = ?, lease_until = now() + make_interval(secs => ?)
         FROM (SELECT report, window_start FROM ${TABLES.reports}
                WHERE status IN ('waiting', 'built') AND (lease_until IS NULL OR lease_until < now() OR instance = ?)
                ORDER BY window_start, report FOR UPDATE SKIP LOCKED) o
        WHERE r.report = o.report AND r.window_start = o.window_start
        RETURNING ${COLUMNS.map((c) => `r.${c}`).join(', ')}`,
      [instance, leaseMs / 1000, instance],
    );
    return rows.map(toRow).sort((a, b) => a.windowStart.getTime() - b.windowStart.getTime() || a.report.localeCompare(b.report));
  }

  async release(row: ReportRow, instance: string): Promise<void> {
    await this.knex(TABLES.reports).where({ report: row.report, window_start: row.windowStart, instance }).update({ lease_until: null });
  }

  /** Whether the batch layer has the window exactly: a succeeded run and no late data waiting to be rebuilt. */
  async isExact(window: { interval: string; windowStart: Date }): Promise<boolean> {
    const { rows } = await this.knex.raw<{ rows: Array<{ exact: boolean }> }>(
      `SELECT EXISTS (SELECT 1 FROM ${TABLES.rollupRuns} WHERE "interval" = ? AND window_start = ? AND status = 'succeeded')
          AND NOT EXISTS (SELECT 1 FROM ${TABLES.rollupDirty} WHERE "interval" = ? AND window_start = ?) AS exact`,
      [window.interval, window.windowStart, window.interval, window.windowStart],
    );
    return rows[0]?.exact === true;
  }

  /** Marks a report late the first time it is found waiting on its rollup; true only that first time. */
  async markLate(row: ReportRow): Promise<boolean> {
    const n = await this.knex(TABLES.reports).where({ report: row.report, window_start: row.windowStart }).whereNull('late_since').update({ late_since: this.knex.fn.now() });
    return n === 1;
  }

  /** The window's exact overall top `n` by `metric`, from `batch_table`'s overall rows (ranks as the batch layer stored them). */
  async top(window: { interval: string; windowStart: Date }, metric: Metric, n: number): Promise<ReportTopRow[]> {
    const rank = metric === 'units' ? 'rank_units' : 'rank_revenue';
    const rows = await this.knex(`${TABLES.batchTable} as b`)
      .leftJoin(`${TABLES.products} as p`, 'p.product_id', 'b.product_id')
      .where({ 'b.interval': window.interval, 'b.window_start': window.windowStart, 'b.channel': CHANNEL_ALL })
      .where(`b.${rank}`, '<=', n)
      .orderBy(`b.${rank}`)
      .select<Array<{ rank: number; product_id: string; name: string | null; category: string; units: bigint; revenue_cents: bigint; orders: bigint }>>(
        `b.${rank} as rank`,
        'b.product_id',
        'p.name',
        'b.category',
        'b.units',
        'b.revenue_cents',
        'b.orders',
      );
    return rows.map((r) => ({
      rank: r.rank,
      productId: r.product_id,
      name: r.name ?? r.product_id,
      category: r.category,
      units: String(r.units),
      revenueCents: String(r.revenue_cents),
      orders: String(r.orders),
    }));
  }

  /** Mover episodes that began in the window, rising first by peak factor, then falling. */
  async movers(window: { windowStart: Date; windowEnd: Date }, limit: number): Promise<ReportMover[]> {
    const rows = await this.knex(`${TABLES.moverEpisodes} as e`)
      .leftJoin(`${TABLES.products} as p`, 'p.product_id', 'e.product_id')
      .where('e.since', '>=', window.windowStart)
      .where('e.since', '<', window.windowEnd)
      .orderByRaw(`e.direction = 'up' DESC, CASE WHEN e.direction = 'up' THEN e.peak_factor ELSE -e.peak_factor END DESC, e.product_id`)
      .limit(limit)
      .select<Array<{ product_id: string; direction: 'up' | 'down'; since: Date; peak_factor: number; units: bigint; is_new: boolean; name: string | null; category: string | null }>>(
        'e.product_id',
        'e.direction',
        'e.since',
        'e.peak_factor',
        'e.units',
        'e.is_new',
        'p.name',
        'p.category',
      );
    return rows.map((r) => ({
      productId: r.product_id,
      name: r.name ?? r.product_id,
      category: r.category ?? '',
      direction: r.direction,
      since: r.since,
      peakFactor: r.is_new ? null : r.peak_factor,
      units: String(r.units),
    }));
  }

  async markBuilt(row: ReportRow, instance: string, built: { csvKey: string; svgKey: string; rows: number }): Promise<void> {
    await this.knex(TABLES.reports)
      .where({ report: row.report, window_start: row.windowStart, instance })
      .update({ status: 'built', csv_key: built.csvKey, svg_key: built.svgKey, rows: built.rows, built_at: this.knex.fn.now() });
  }

  async markDelivered(row: ReportRow, instance: string, reason: string | null): Promise<void> {
    await this.knex(TABLES.reports)
      .where({ report: row.report, window_start: row.windowStart, instance })
      .update({ status: 'delivered', reason, delivered_at: this.knex.fn.now(), lease_until: null });
  }

  async markFailed(row: ReportRow, instance: string, reason: string): Promise<void> {
    await this.knex(TABLES.reports).where({ report: row.report, window_start: row.windowStart, instance }).update({ status: 'failed', reason, lease_until: null });
  }

  /** Reports waiting on their window's rollup, per report name. */
  async waitingCounts(): Promise<Map<string, number>> {
    const rows = await this.knex(TABLES.reports).where({ status: 'waiting' }).groupBy('report').select<Array<{ report: string; n: bigint }>>('report', this.knex.raw('count(*) as n'));
    return new Map(rows.map((r) => [r.report, Number(r.n)]));
  }
}
