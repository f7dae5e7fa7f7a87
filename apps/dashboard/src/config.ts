import { z } from 'zod';
import { appConfigSchema, env, loadConfig } from '@hitboard/runtime';
import { READ_ONLY_ROLE } from '@hitboard/schema';
import { LAKE_SETTINGS } from '@hitboard/lake';

/**
 * The dashboard's environment, parsed once per server process. Read at request time (never at
 * build time), so one `next build` serves any database: build once, start many. The deployment
 * settings it reads (database, reporting zone) come from libs/runtime's contract.
 */
export const configSchema = appConfigSchema(['DATABASE_URL', 'REPORTING_TIME_ZONE', 'ALLOWED_LATENESS_MS'], {
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
  DASHBOARD_MAX_RANGE_DAYS: env
    .int(1)
    .default(400)
    .describe('longest range /api/top?from=…&to=… answers, days (a longer one is refused with 400 naming `to`)'),
  // A range is answered from the batch layer's full rollup files in the lake (read-only; with LAKE_URL, through a local cache of its own).
  ...LAKE_SETTINGS,
});

export type DashboardConfig = z.output<typeof configSchema>;

/**
 * What the server process (src/serve.ts) reads besides: who may sign in, how sessions are signed, and
 * the ops port. The route handlers never need these (the access gate runs before Next).
 */
export const serverConfigSchema = configSchema.extend({
  DASHBOARD_ACCESS_FILE: z
    .string()
    .min(1)
    .describe('JSON file of who may sign in: users (name, scrypt passwordHash) and API tokens (name, sha256); read and checked once at start (see README "Sign in")'),
  DASHBOARD_SESSION_SECRET: z
    .string()
    .min(32, 'must have at least 32 characters (e.g. `openssl rand -base64 32`)')
    .describe('signs session cookies: one per deployment, the same in every dashboard process of it (a cookie signed with another secret is refused)'),
  DASHBOARD_SESSION_HOURS: env.int(1).default(12).describe('how long a sign-in lasts, hours'),
  OPS_PORT: env.port().default(9472).describe('port of /metrics and /healthz, open without sign-in: keep it off the public network (0: any free port)'),
  OPS_HOST: z.string().min(1).default('127.0.0.1').describe('address /metrics and /healthz bind to'),
});

export type ServerConfig = z.output<typeof serverConfigSchema>;

export function loadServerConfig(source: Record<string, string | undefined> = process.env): ServerConfig {
  return loadConfig('dashboard', serverConfigSchema, source as NodeJS.ProcessEnv);
}

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
