/**
 * Jest globalTeardown (wired in jest.preset.js): drops every database this run created on the test
 * server (the template and any a test forgot to drop), then stops the embedded Postgres, if one was
 * started, which removes its data directory.
 */
import { Client } from 'pg';
import { STATE_KEY, type TestPostgresState } from './jest-global-setup';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>)[STATE_KEY] as TestPostgresState | undefined;
  if (!state) return;
  delete (globalThis as Record<string, unknown>)[STATE_KEY];
  try {
    if (!state.server) await dropRunDatabases(state.adminUrl, state.prefix);
  } finally {
    await state.server?.stop();
  }
}

async function dropRunDatabases(adminUrl: string, prefix: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl, application_name: 'hitboard-test-teardown' });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname`,
      [`${prefix}\\_%`],
    );
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
