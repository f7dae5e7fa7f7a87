/**
 * The one command that runs the dashboard against a migrated database:
 *
 *   DATABASE_URL=postgres://host:5432/hitboard HITBOARD_READER_PASSWORD=… npm run serve -w @hitboard/dashboard
 *
 * Checks the configuration and the access file first (fails naming the variable), builds the app once
 * if no build exists (`.next/BUILD_ID`, or under DASHBOARD_DIST_DIR; the build holds no configuration,
 * so it serves any database), then serves it in this process behind the access gate (src/http-server.ts),
 * with /metrics and /healthz on OPS_PORT. SIGTERM/SIGINT stop it gracefully.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createLogger, handleHelp, onShutdown, runMain } from '@hitboard/runtime';
import { READ_ONLY_ROLE } from '@hitboard/schema';
import { loadServerConfig, serverConfigSchema } from './config';
import { loadAccess, startDashboardServer } from './http-server';

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
  // cwd = the app: Next's next.config.ts loader resolves its relative imports (./src/…) only from there.
  const result = spawnSync(process.execPath, [NEXT_BIN, 'build', appDir], { cwd: appDir, stdio: 'inherit', env: { ...env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status ?? result.signal})`);
}

if (require.main === module) {
  const argv = handleHelp({
    name: 'npm run serve -w @hitboard/dashboard [-- options]',
    summary:
      'Serves the dashboard and its JSON API behind sign-in (users and API tokens of DASHBOARD_ACCESS_FILE), as the read-only role, ' +
      'and /metrics + /healthz on OPS_PORT. Builds first when no build exists.',
    usage: ['--rebuild     build again even if a build exists', '--build-only  build (if needed) and exit'],
    env: serverConfigSchema,
  });
  runMain(async () => {
    const buildOnly = argv.includes('--build-only');
    // Serving needs a valid configuration and access file: check them before spending a minute on a build.
    const config = buildOnly ? undefined : loadServerConfig();
    if (config) loadAccess(config);
    if (argv.includes('--rebuild') || !hasBuild()) buildDashboard();
    if (!config) return;
    const logger = createLogger('dashboard', config.LOG_LEVEL);
    const starting = startDashboardServer(config, { appDir: APP_DIR, distDir: distDir(), logger });
    // Registered in the same tick as the start: a signal during the start-up stops what did start.
    onShutdown(async () => {
      await (await starting.catch(() => undefined))?.close();
      logger.info('stopped');
    }, (msg) => logger.info(msg));
    const server = await starting;
    process.stdout.write(
      `dashboard: http://${config.DASHBOARD_HOST}:${server.port}/ (sign-in required; as ${READ_ONLY_ROLE}, zone ${config.REPORTING_TIME_ZONE}); ` +
        `/metrics and /healthz on http://${config.OPS_HOST}:${server.opsPort}\n`,
    );
  });
}
