/** hitboard's database schema: migrations, the read-only role's password, and an embedded Postgres for local runs and tests. The client is `@hitboard/db-client`. */
export { migrateLatest, migrateRollback, setReaderPassword, setRolePassword, type MigrateOptions, type MigrateResult } from './migrate';
export { appRoleUrls, type RoleApp } from './app-roles';
export { DirectoryMigrationSource, MIGRATIONS_DIR, type MigrationModule } from './migration-source';
export {
  startEmbeddedPostgres,
  findFreePort,
  type EmbeddedPostgresOptions,
  type EmbeddedPostgresServer,
} from './embedded-postgres';
