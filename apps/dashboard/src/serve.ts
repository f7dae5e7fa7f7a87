/**
 * The one command that runs the dashboard against a migrated database:
 *
 *   DATABASE_URL=postgres://host:5432/hitboard HITBOARD_READER_PASSWORD=… npm run serve -w @hitboard/dashboard
 *
 * Checks the configuration first (fails naming the variable), builds the app once if no build
 * exists (`.next/BUILD_ID`, or under DASHBOARD_DIST_DIR; the build holds no configuration, so it serves any database), then
 * runs `next start`. Signals are passed on; the exit code is next's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { handleHelp, runMain } from '@hitboard/runtime';
import { READ_ONLY_ROLE } from '@hitboard/schema';
import { configSchema, loadDashboardConfig } from './config';

export const APP_DIR = path.resolve(__dirname, '..');
const NEXT_BIN = require.resolve('next/dist/bin/next', { paths: [APP_DIR] });

/** Where the build lives: DASHBOARD_DIST_DIR (relative to the app), default `.next`; next.config reads the same variable. */
export function distDir(appDir: string = APP_DIR): string {
  return path.join(appDir, process.env.DASHBOARD_DIST_DIR || '.next');
}

/** Whether a production build exists (what `next start` needs). */
export function hasBuild(appDir: string = APP_DIR): boolean {
  return existsSync(path.join(distDir(appDir), 'BUILD_ID'));
}

/** `next build`, inheriting stdio; throws if it fails. The environment needs no database settings. */
export function buildDashboard(appDir: string = APP_DIR, env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(process.execPath, [NEXT_BIN, 'build', appDir], { stdio: 'inherit', env: { ...env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status ?? result.signal})`);
}

if (require.main === module) {
  const argv = handleHelp({
    name: 'npm run serve -w @hitboard/dashboard [-- options]',
    summary: 'Serves the dashboard and its JSON API (next start), as the read-only role. Builds first when no build exists.',
    usage: ['--rebuild     build again even if a build exists', '--build-only  build (if needed) and exit'],
    env: configSchema,
  });
  runMain(async () => {
    const buildOnly = argv.includes('--build-only');
    // Serving needs a valid configuration: check it before spending a minute on a build.
    const config = buildOnly ? undefined : loadDashboardConfig();
    if (argv.includes('--rebuild') || !hasBuild()) buildDashboard();
    if (!config) return;
    const child = spawn(process.execPath, [NEXT_BIN, 'start', APP_DIR, '-p', String(config.PORT), '-H', config.DASHBOARD_HOST], {
      stdio: 'inherit',
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
    process.stdout.write(`dashboard: http://${config.DASHBOARD_HOST}:${config.PORT}/ (as ${READ_ONLY_ROLE}, zone ${config.REPORTING_TIME_ZONE})\n`);
    const code = await new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
    process.exitCode = code;
  });
}
