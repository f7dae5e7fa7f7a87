import type { Knex } from 'knex';
import type { Window } from '@hitboard/time';

/** First key of every window lock (two-int advisory lock space): "hb" + 1, so other users of advisory locks do not collide. */
const LOCK_SPACE = 0x68620001;

/**
 * A Postgres session advisory lock on one window, held on a dedicated pooled connection for the
 * whole task (DuckDB work included), so concurrent schedulers and overlapping backfills never build a
 * window twice at once. If the process dies its connection closes and Postgres frees the lock: the
 * next planner that takes it knows any `running` run of the window is abandoned.
 * The publish transaction runs on the same connection (`transaction`).
 */
export class WindowLock {
  private constructor(
    private readonly knex: Knex,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- knex's raw driver connection is untyped
    private readonly connection: any,
    private readonly key: string,
  ) {}

  static keyOf(w: Window): string {
    return `${w.interval}|${w.start.toISOString()}`;
  }

  /** The lock, or null when another session holds it. */
  static async tryAcquire(knex: Knex, w: Window): Promise<WindowLock | null> {
    const connection = await knex.client.acquireConnection();
    const key = WindowLock.keyOf(w);
    try {
      const { rows } = await knex.raw<{ rows: Array<{ ok: boolean }> }>('SELECT pg_try_advisory_lock(?, hashtext(?)) AS ok', [LOCK_SPACE, key]).connection(connection);
      if (rows[0]?.ok) return new WindowLock(knex, connection, key);
    } catch (err) {
      await knex.client.releaseConnection(connection);
      throw err;
    }
    await knex.client.releaseConnection(connection);
    return null;
  }

  /** A query builder bound to the lock's connection. */
  raw(sql: string, bindings: readonly Knex.RawBinding[] = []): Knex.Raw {
    return this.knex.raw(sql, bindings).connection(this.connection);
  }

  transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.knex.transaction(fn, { connection: this.connection });
  }

  async release(): Promise<void> {
    try {
      await this.raw('SELECT pg_advisory_unlock(?, hashtext(?))', [LOCK_SPACE, this.key]);
      await this.knex.client.releaseConnection(this.connection);
    } catch {
      // The connection is broken: destroy it, which frees the lock server-side.
      await this.knex.client.destroyRawConnection?.(this.connection).catch(() => undefined);
      await this.knex.client.releaseConnection(this.connection).catch?.(() => undefined);
    }
  }
}
