import type { Knex } from 'knex';
import { TABLES } from '@hitboard/schema';

/** The catalog's categories, in byte order (no `server-only`: the custom server reads them too, src/page-status.ts). */
export async function catalogCategories(db: Knex): Promise<string[]> {
  const rows = (await db(TABLES.products).select('category').groupBy('category').orderByRaw('category COLLATE "C"')) as { category: string }[];
  return rows.map((r) => r.category).filter((c) => c !== '');
}
