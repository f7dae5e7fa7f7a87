import { createDb } from '@hitboard/db-client';
import { TABLES } from '@hitboard/schema';
import type { Product } from './catalog';

/** Upserts the catalog into `products` (the dashboard joins names and categories from it). */
export async function publishCatalog(databaseUrl: string, catalog: Product[]): Promise<void> {
  const db = createDb(databaseUrl);
  try {
    for (let i = 0; i < catalog.length; i += 1000) {
      const rows = catalog.slice(i, i + 1000).map(({ product_id, name, category }) => ({ product_id, name, category }));
      await db(TABLES.products).insert(rows).onConflict('product_id').merge(['name', 'category']);
    }
  } finally {
    await db.destroy();
  }
}
