/** hitboard's database: connection factory, migrations, and an embedded Postgres for local runs and tests. */
export { createDb, type CreateDbOptions } from './create-db';
export { hitboardTypes } from './pg-types';
export { migrateLatest, migrateRollback, setReaderPassword, setRolePassword, type MigrateOptions, type MigrateResult } from './migrate';
export { DirectoryMigrationSource, MIGRATIONS_DIR, type MigrationModule } from './migration-source';
export {
  startEmbeddedPostgres,
  findFreePort,
  type EmbeddedPostgresOptions,
  type EmbeddedPostgresServer,
} from './embedded-postgres';
