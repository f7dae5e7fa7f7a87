import knexFactory, { type Knex } from 'knex';
import { hitboardTypes } from './pg-types';

export interface CreateDbOptions {
  /** Connection pool bounds; default `{ min: 0, max: 10 }` (no idle connections kept open). */
  pool?: { min?: number; max?: number };
  /** Shown in `pg_stat_activity.application_name`, so ops can see who holds a connection. */
  applicationName?: string;
}

/**
 * A knex instance on Postgres at `url` (`postgres://user:pass@host:port/db`), with hitboard's
 * type parsing: int8 → `bigint`, numeric → `string` (see `pg-types.ts`). Call `destroy()` when done.
 */
export function createDb(url: string, options: CreateDbOptions = {}): Knex {
  const pool = { min: 0, max: 10, ...options.pool };
  if (pool.max < 1 || pool.min > pool.max) {
    throw new Error(`createDb: pool must satisfy 0 <= min <= max and max >= 1, got ${JSON.stringify(pool)}`);
  }
  return knexFactory({
    client: 'pg',
    connection: {
      connectionString: url,
      types: hitboardTypes,
      ...(options.applicationName ? { application_name: options.applicationName } : {}),
    } satisfies Knex.PgConnectionConfig,
    pool,
  });
}
