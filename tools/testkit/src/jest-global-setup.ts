/**
 * Jest globalSetup (wired in jest.preset.js): gives every jest run one Postgres server and one
 * migrated template database, and hands both to the workers through process.env.
 *
 * Server: TEST_DATABASE_URL, else an embedded Postgres started here (random free port, throwaway data
 * directory under os.tmpdir(), fsync off) and stopped by jest-global-teardown.ts. DATABASE_URL is never
 * used: tests create and drop databases, which must not happen on the app's own server by accident.
 * Set HITBOARD_TEST_PG=off to skip all of this in a run that needs no database.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb } from '@hitboard/db-client';
import { migrateLatest, startEmbeddedPostgres, type EmbeddedPostgresServer } from '@hitboard/db';
import { adminQuery, ensureReaderLogin, TEST_PG_ENV, withDatabase } from './postgres';

/** Shared with the teardown (globalSetup and globalTeardown run in the same process). */
export interface TestPostgresState {
  server?: EmbeddedPostgresServer;
  adminUrl: string;
  prefix: string;
}
export const STATE_KEY = '__hitboardTestPostgres';

export default async function globalSetup(): Promise<void> {
  if (process.env.HITBOARD_TEST_PG === 'off') return;
  const prefix = `hbt_${randomBytes(4).toString('hex')}`;
  let server: EmbeddedPostgresServer | undefined;
  const source = process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL' : 'embedded';
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const started = performance.now();
    server = await startEmbeddedPostgres({
      dataDir: join(tmpdir(), `hitboard-pg-test-${prefix}`),
      persistent: false,
      durable: false,
      maxConnections: 300,
    });
    adminUrl = server.url;
    if (process.env.HITBOARD_TEST_PG_VERBOSE) {
      process.stderr.write(`\nembedded Postgres on port ${server.port} in ${Math.round(performance.now() - started)} ms\n`);
    }
  }
  const state: TestPostgresState = { adminUrl, prefix, ...(server ? { server } : {}) };
  (globalThis as Record<string, unknown>)[STATE_KEY] = state;

  try {
    const template = `${prefix}_template`;
    await adminQuery(adminUrl, `CREATE DATABASE "${template}"`);
    const templateUrl = withDatabase(adminUrl, template);
    const knex = createDb(templateUrl, { pool: { min: 0, max: 1 }, applicationName: 'hitboard-test-setup' });
    try {
      await migrateLatest(knex);
      await ensureReaderLogin(knex, templateUrl);
    } finally {
      await knex.destroy(); // CREATE DATABASE … TEMPLATE refuses a template with open connections
    }
    process.env[TEST_PG_ENV.adminUrl] = adminUrl;
    process.env[TEST_PG_ENV.template] = template;
    process.env[TEST_PG_ENV.runPrefix] = prefix;
  } catch (error) {
    await server?.stop();
    const where = source === 'embedded' ? 'the embedded test Postgres' : `the test Postgres from ${source} (${redact(adminUrl)})`;
    throw new Error(`Could not prepare a template database on ${where}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable URL>';
  }
}
