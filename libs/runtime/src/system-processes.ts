/**
 * The description of the system's processes, shared by `npm start` (tools/dev) and the chaos suite
 * (tools/chaos), and by the test kit for single apps: which apps there are, in which order they start,
 * their entry points, their ops ports (relative to a machine's first port) and their Postgres roles.
 * Each caller adds the settings it decides (brokers, lake, database, tuning); `startSystemApp` starts one.
 */
import { join, resolve } from 'node:path';
import { spawnProcess, type SpawnedProcess, type SpawnedProcessOptions } from './app-process';

/** The repository's root (apps are started from it). */
export const REPO_ROOT = resolve(__dirname, '../../..');

export type SystemAppName = 'aggregator' | 'speed-pipeline' | 'batch-rollup' | 'notifier' | 'dashboard';

export interface SystemApp {
  name: SystemAppName;
  /** Its entry point, from the repository root. */
  entry: string;
  /** Its working directory, from the repository root (the dashboard's serve.ts finds its build from its own folder). */
  cwd: string;
  loader: 'import' | 'require';
  /** Its ops port (/metrics, /healthz) is a machine's first port plus this. */
  opsPortOffset: number;
  /** It logs in to Postgres as its own least-privilege role (a key of @hitboard/db's appRoleUrls); the dashboard as the reader. */
  ownRole: boolean;
  /** It reads the lake through a cache of its own (LAKE_CACHE_DIR). */
  lakeCache: boolean;
  /** What its port serves, for the lines that say where things are. */
  serves: 'metrics' | 'dashboard';
}

/** In start order; stop in reverse (the dashboard first, the aggregator last: it flushes what it holds). */
export const SYSTEM_APPS: readonly SystemApp[] = [
  { name: 'aggregator', entry: 'apps/aggregator/src/main.ts', cwd: '.', loader: 'import', opsPortOffset: 0, ownRole: true, lakeCache: true, serves: 'metrics' },
  { name: 'speed-pipeline', entry: 'apps/speed-pipeline/src/main.ts', cwd: '.', loader: 'import', opsPortOffset: 2, ownRole: true, lakeCache: false, serves: 'metrics' },
  { name: 'batch-rollup', entry: 'apps/batch-rollup/src/main.ts', cwd: '.', loader: 'import', opsPortOffset: 4, ownRole: true, lakeCache: true, serves: 'metrics' },
  { name: 'notifier', entry: 'apps/notifier/src/main.ts', cwd: '.', loader: 'import', opsPortOffset: 6, ownRole: true, lakeCache: false, serves: 'metrics' },
  { name: 'dashboard', entry: 'apps/dashboard/src/serve.ts', cwd: 'apps/dashboard', loader: 'require', opsPortOffset: 8, ownRole: false, lakeCache: false, serves: 'dashboard' },
];

export function systemApp(name: SystemAppName): SystemApp {
  return SYSTEM_APPS.find((a) => a.name === name)!;
}

/** Starts one of the system's apps (its whole environment in `options.env`); the name defaults to the app's. */
export function startSystemApp(app: SystemApp, options: Omit<SpawnedProcessOptions, 'args' | 'cwd' | 'loader' | 'name'> & { name?: string; args?: string[] }): SpawnedProcess {
  return spawnProcess({
    ...options,
    name: options.name ?? app.name,
    args: [join(REPO_ROOT, app.entry), ...(options.args ?? [])],
    cwd: join(REPO_ROOT, app.cwd),
    loader: app.loader,
  });
}
