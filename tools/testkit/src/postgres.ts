/**
 * The test kit's database: a fresh, migrated Postgres database per test (or per file), on a real server.
 *
 * Which server: TEST_DATABASE_URL (an admin URL: the user must be able to create databases; DATABASE_URL
 * is deliberately ignored, so tests never create and drop databases on the app's server), else an embedded Postgres that the workspace jest preset's globalSetup starts once per
 * jest run (see jest-global-setup.ts). The globalSetup also migrates a template database once, so
 * `freshDatabase()` is a `CREATE DATABASE … TEMPLATE …` (tens of milliseconds), not a migration.
 *
 * ```ts
 * let db: FreshDatabase;
 * beforeEach(async () => (db = await freshDatabase()));
 * afterEach(() => db.drop());
 * it('…', async () => { await db.knex('products').insert({ … }); const reader = db.reader(); … });
 * ```
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { Client } from 'pg';
import { createDb } from '@hitboard/db-client';
import { migrateLatest, setReaderPassword, startEmbeddedPostgres } from '@hitboard/db';
import { READ_ONLY_ROLE } from '@hitboard/schema';

/** Environment the globalSetup hands to jest workers. */
export const TEST_PG_ENV = {
  /** Admin URL of the server tests create their databases on. */
  adminUrl: 'HITBOARD_TEST_PG_URL',
  /** Name of the migrated template database of this run. */
  template: 'HITBOARD_TEST_PG_TEMPLATE',
  /** Prefix of every database this run creates (so teardown can drop leftovers). */
  runPrefix: 'HITBOARD_TEST_PG_PREFIX',
} as const;

/**
 * The password test servers give the read-only role (roles are cluster-wide: this is set on the test
 * server only, never by migrations). Servers with trust auth ignore it.
 */
export const TEST_READER_PASSWORD = 'hitboard-reader-test';

export interface FreshDatabase {
  /** The database's name, unique on the server. */
  name: string;
  /** Admin (owner) URL of this database. */
  url: string;
  /** URL of this database as the read-only role. */
  readerUrl: string;
  /** A knex on `url` (int8 → bigint; see @hitboard/db). Destroyed by `drop()`. */
  knex: Knex;
  /** A new knex connected as the read-only role; destroyed by `drop()`. */
  reader(): Knex;
  /** Destroys this database's pools and drops it, even if connections are still open. Idempotent. */
  drop(): Promise<void>;
}

/** The admin URL of the test server, or an error that says how to get one. */
export function testServerUrl(): string {
  const url = process.env[TEST_PG_ENV.adminUrl] || process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      'No test Postgres: run jest through a project config that spreads jest.preset.js (its globalSetup starts an ' +
        'embedded Postgres), or set TEST_DATABASE_URL to an admin URL such as postgres://postgres@127.0.0.1:5432/postgres',
    );
  }
  return url;
}

/** `url` with its database replaced. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** `url` (any user) rewritten to log in as the read-only role with the test password. */
export function readerUrlFor(url: string): string {
  const parsed = new URL(url);
  parsed.username = READ_ONLY_ROLE;
  parsed.password = TEST_READER_PASSWORD;
  return parsed.toString();
}

/** A knex connected as the read-only role to the database at `url`. The caller destroys it. */
export function connectAsReader(url: string): Knex {
  return createDb(readerUrlFor(url), { pool: { min: 0, max: 2 }, applicationName: 'hitboard-test-reader' });
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Runs `sql` statements on one short-lived admin connection (no pool is left behind to keep jest alive). */
export async function adminQuery(url: string, ...statements: string[]): Promise<void> {
  const client = new Client({ connectionString: url, application_name: 'hitboard-testkit' });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

let processPrefix: string | undefined;
let counter = 0;

function nextDatabaseName(): string {
  // Without the globalSetup (e.g. TEST_DATABASE_URL and a custom jest config) each process gets its own prefix.
  const prefix = process.env[TEST_PG_ENV.runPrefix] || (processPrefix ??= `hbt_${randomBytes(4).toString('hex')}`);
  counter += 1;
  // Jest loads this module afresh for every test file in a worker (same pid, counter back at 1): the
  // random part keeps a database a timed-out file left behind from failing the next file's first test.
  return `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}_${counter}`;
}

/**
 * Creates a uniquely named database on the test server with every migration applied and returns
 * it. Call `drop()` when done (afterEach/afterAll); leftovers of a run are dropped by its teardown.
 */
export async function freshDatabase(options: { adminUrl?: string } = {}): Promise<FreshDatabase> {
  const adminUrl = options.adminUrl ?? testServerUrl();
  // The run's template lives on the test server only.
  const template = options.adminUrl ? undefined : process.env[TEST_PG_ENV.template];
  const name = nextDatabaseName();
  const url = withDatabase(adminUrl, name);

  await adminQuery(
    adminUrl,
    template ? `CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}` : `CREATE DATABASE ${quoteIdent(name)}`,
  );
  const knex = createDb(url, { pool: { min: 0, max: 5 }, applicationName: 'hitboard-test' });
  try {
    if (template) {
      // Database-level privileges live in pg_database, not in the template's contents: grant again.
      await knex.raw(`GRANT CONNECT ON DATABASE ${quoteIdent(name)} TO ${quoteIdent(READ_ONLY_ROLE)}`);
    } else {
      await migrateLatest(knex);
      await ensureReaderLogin(knex, url);
    }
  } catch (error) {
    await knex.destroy();
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    throw error;
  }

  const readers: Knex[] = [];
  let dropped: Promise<void> | undefined;
  return {
    name,
    url,
    readerUrl: readerUrlFor(url),
    knex,
    reader() {
      const reader = connectAsReader(url);
      readers.push(reader);
      return reader;
    },
    drop() {
      dropped ??= (async () => {
        await Promise.all([knex, ...readers].map((k) => k.destroy()));
        await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      })();
      return dropped;
    },
  };
}

/**
 * A Postgres server for a run outside jest (a bench): TEST_DATABASE_URL or DATABASE_URL (an admin URL),
 * else an embedded Postgres started here in a temporary folder; `stop` stops only what it started.
 * Its databases come from `freshDatabase({ adminUrl: url })`.
 */
export async function scratchServer(say: (msg: string) => void = () => undefined): Promise<{ url: string; stop: () => Promise<void> }> {
  const url = process.env.TEST_DATABASE_URL || process.env['DATABASE_URL'];
  if (url) return { url, stop: async () => undefined };
  say('starting an embedded Postgres…');
  const pg = await startEmbeddedPostgres({ dataDir: mkdtempSync(join(tmpdir(), 'hitboard-pg-')), persistent: false, durable: false });
  return { url: pg.url, stop: () => pg.stop() };
}

/**
 * Makes sure the read-only role can log in with TEST_READER_PASSWORD (trust-auth servers need
 * nothing). Only sets the password when a login fails, so parallel jest runs on one server do not
 * race on ALTER ROLE (which fails with "tuple concurrently updated").
 */
export async function ensureReaderLogin(adminKnex: Knex, databaseUrl: string): Promise<void> {
  if (await canLogIn(readerUrlFor(databaseUrl))) return;
  for (let attempt = 1; ; attempt++) {
    try {
      await setReaderPassword(adminKnex, TEST_READER_PASSWORD);
      return;
    } catch (error) {
      if (attempt >= 3 || !/concurrently/.test(String(error))) throw error;
    }
  }
}

async function canLogIn(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Turns one database's connections off and on: what an app sees when Postgres goes away (and comes back). */
export interface DatabaseSwitch {
  /** false: no new connection is accepted and the open ones are terminated; true: connections again. */
  set(available: boolean): Promise<void>;
  /** Connections back on, and the switch's own admin connection closed. */
  close(): Promise<void>;
}

/**
 * A switch for `database` on the test server (ALLOW_CONNECTIONS, then pg_terminate_backend), so a test
 * can take Postgres away from an app without stopping the shared server.
 */
export async function databaseSwitch(database: string): Promise<DatabaseSwitch> {
  const admin = new Client({ connectionString: testServerUrl() });
  await admin.connect();
  const set = async (available: boolean) => {
    await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS ${available}`);
    if (!available) await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
  };
  return {
    set,
    close: async () => {
      await set(true).catch(() => undefined);
      await admin.end();
    },
  };
}
