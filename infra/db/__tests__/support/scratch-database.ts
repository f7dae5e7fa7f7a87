/**
 * Scratch databases for this package's own tests, on the server the jest preset's globalSetup
 * provides (HITBOARD_TEST_PG_URL). This cannot use @hitboard/testkit's freshDatabase(): the test
 * kit depends on @hitboard/db, and an import back would make a cycle in Nx's task graph
 * (`nx run-many -t build` refuses circular dependencies).
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { Client } from 'pg';
import { READ_ONLY_ROLE } from '@hitboard/schema';
import { createDb } from '@hitboard/db-client';

/** Must match @hitboard/testkit's TEST_READER_PASSWORD, which its globalSetup gives the role. */
const TEST_READER_PASSWORD = 'hitboard-reader-test';

export interface ScratchDatabase {
  name: string;
  url: string;
  knex: Knex;
  /** A knex connected as the read-only role; destroyed by drop(). */
  reader(): Knex;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.HITBOARD_TEST_PG_URL;
  if (!url) throw new Error('HITBOARD_TEST_PG_URL is unset: run these tests through jest.config.js (its globalSetup provides the server)');
  return url;
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function urlFor(database: string, user?: { name: string; password: string }): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  if (user) {
    url.username = user.name;
    url.password = user.password;
  }
  return url.toString();
}

/**
 * A new database: empty (`migrated: false`), or a copy of this run's migrated template. An empty
 * one that the test migrates itself is granted nothing until its migration runs.
 */
export async function scratchDatabase(options: { migrated: boolean }): Promise<ScratchDatabase> {
  const prefix = process.env.HITBOARD_TEST_PG_PREFIX ?? 'hbt_db';
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const template = process.env.HITBOARD_TEST_PG_TEMPLATE;
  if (options.migrated && !template) throw new Error('HITBOARD_TEST_PG_TEMPLATE is unset: the jest globalSetup did not run');
  await admin(options.migrated ? `CREATE DATABASE "${name}" TEMPLATE "${template}"` : `CREATE DATABASE "${name}"`);
  if (options.migrated) await admin(`GRANT CONNECT ON DATABASE "${name}" TO "${READ_ONLY_ROLE}"`);
  const knex = createDb(urlFor(name), { pool: { min: 0, max: 4 } });
  const readers: Knex[] = [];
  return {
    name,
    url: urlFor(name),
    knex,
    reader() {
      const reader = createDb(urlFor(name, { name: READ_ONLY_ROLE, password: TEST_READER_PASSWORD }), { pool: { min: 0, max: 1 } });
      readers.push(reader);
      return reader;
    },
    async drop() {
      await Promise.all([knex, ...readers].map((k) => k.destroy()));
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
