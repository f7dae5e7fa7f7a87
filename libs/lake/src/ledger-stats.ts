import type { Knex } from 'knex';
import { filesOfTopic } from './ledger-reads';

/** How many files and rows the ledger lists for one UTC hour (lake partition). */
export interface HourListing {
  files: number;
  rows: number;
}

/**
 * Per UTC hour (ms), the number of ledger-listed files of `topic` and their rows. The batch layer compares these
 * counts with what each run read (`rollup_runs.input_files`/`input_rows`) to find late data: counting
 * rows of one table needs no clock, so hosts whose clocks disagree cannot hide a late file.
 */
export async function listingByHour(knex: Knex | Knex.Transaction, topic: string, fromMs?: number, toMs?: number): Promise<Map<number, HourListing>> {
  let query = filesOfTopic(knex, topic).select<{ hour: Date; files: number; rows: bigint }[]>(
    'f.hour',
    knex.raw('count(*)::int AS files'),
    knex.raw('coalesce(sum(f.rows), 0)::bigint AS rows'),
  );
  if (fromMs !== undefined) query = query.where('f.hour', '>=', new Date(fromMs));
  if (toMs !== undefined) query = query.andWhere('f.hour', '<', new Date(toMs));
  const result = new Map<number, HourListing>();
  for (const r of await query.groupBy('f.hour')) result.set(r.hour.getTime(), { files: r.files, rows: Number(r.rows) });
  return result;
}

/** The UTC hours (ms) a window [startMs, endMs) reads from: a :30 zone's hour spans two of them. */
export function utcHoursOf(startMs: number, endMs: number): number[] {
  const hours: number[] = [];
  for (let h = startMs - (((startMs % 3_600_000) + 3_600_000) % 3_600_000); h < endMs; h += 3_600_000) hours.push(h);
  return hours;
}

/** Sum of the listing over a window's UTC hours. */
export function listingOf(listing: ReadonlyMap<number, HourListing>, startMs: number, endMs: number): HourListing {
  let files = 0;
  let rows = 0;
  for (const h of utcHoursOf(startMs, endMs)) {
    const l = listing.get(h);
    if (l) {
      files += l.files;
      rows += l.rows;
    }
  }
  return { files, rows };
}
