import type { Knex } from 'knex';
import { READ_ONLY_ROLE } from '@hitboard/schema';
import { DirectoryMigrationSource } from './migration-source';

export interface MigrateOptions {
  /**
   * If set, (re)sets the password of the read-only role after migrating. Roles are cluster-wide,
   * so this changes it for every database on the server. Omit it to leave the password to ops.
   */
  readerPassword?: string;
}

export interface MigrateResult {
  /** Migrations applied by this call, in order (empty when already up to date). */
  applied: string[];
}

const migrationConfig = (): Knex.MigratorConfig => ({
  migrationSource: new DirectoryMigrationSource(),
  tableName: 'knex_migrations',
});

/** Applies every migration in `src/migrations` not yet applied, each in its own transaction. Idempotent. */
export async function migrateLatest(knex: Knex, options: MigrateOptions = {}): Promise<MigrateResult> {
  const [, applied] = (await knex.migrate.latest(migrationConfig())) as [number, string[]];
  if (options.readerPassword !== undefined) await setReaderPassword(knex, options.readerPassword);
  return { applied };
}

/** Undoes the last batch of migrations (`all`: every one). For development and tests, not production. */
export async function migrateRollback(knex: Knex, options: { all?: boolean } = {}): Promise<{ reverted: string[] }> {
  const [, reverted] = (await knex.migrate.rollback(migrationConfig(), options.all ?? false)) as [number, string[]];
  return { reverted };
}

/** Sets the read-only role's password (cluster-wide). */
export function setReaderPassword(knex: Knex, password: string): Promise<void> {
  return setRolePassword(knex, READ_ONLY_ROLE, password);
}

/**
 * ALTER ROLE takes no bind parameters, so the password travels as a parameter of set_config and
 * the server quotes it with format(%L): no client-side quoting, whatever characters it holds.
 */
export async function setRolePassword(knex: Knex, role: string, password: string): Promise<void> {
  if (password.length === 0) throw new Error('setRolePassword: an empty password would disable password login; omit it instead');
  await knex.transaction(async (trx) => {
    await trx.raw(`SELECT set_config('hitboard.role_name', ?, true), set_config('hitboard.role_password', ?, true)`, [role, password]);
    await trx.raw(`DO $$
      BEGIN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', current_setting('hitboard.role_name'), current_setting('hitboard.role_password'));
      END
      $$`);
  });
}
