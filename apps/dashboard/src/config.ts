import { z } from 'zod';
import { appConfigSchema, env, loadConfig } from '@hitboard/runtime';
import { READ_ONLY_ROLE } from '@hitboard/schema';

/**
 * The dashboard's environment, parsed once per server process. Read at request time (never at
 * build time), so one `next build` serves any database: build once, start many. The deployment
 * settings it reads (database, reporting zone) come from libs/runtime's contract.
 */
export const configSchema = appConfigSchema(['DATABASE_URL', 'REPORTING_TIME_ZONE'], {
  HITBOARD_READER_PASSWORD: z
    .string()
    .min(1)
    .describe(`password of the read-only role ${READ_ONLY_ROLE} (the dashboard uses only DATABASE_URL's host, port and database)`),
  PORT: env.port().default(3000).describe('HTTP port of the dashboard'),
  DASHBOARD_HOST: z.string().min(1).default('127.0.0.1').describe('address to listen on (0.0.0.0: every interface)'),
  DASHBOARD_CACHE_MS: env
    .int(0)
    .default(2000)
    .describe('how long one process reuses a live window\'s query result, ms; closed exact windows are kept 60 s (0: no reuse at all)'),
  DASHBOARD_DB_POOL_MAX: env.int(1).default(10).describe('most reader connections one process opens'),
  LOG_LEVEL: env.logLevel(),
});

export type DashboardConfig = z.output<typeof configSchema>;

export function loadDashboardConfig(source: Record<string, string | undefined> = process.env): DashboardConfig {
  return loadConfig('dashboard', configSchema, source as NodeJS.ProcessEnv);
}

/** `DATABASE_URL` with its user and password replaced by the read-only role's. */
export function readerUrl(databaseUrl: string, password: string): string {
  const url = new URL(databaseUrl);
  url.username = READ_ONLY_ROLE;
  url.password = password;
  return url.toString();
}
