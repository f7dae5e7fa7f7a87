import { setTimeout as sleep } from 'node:timers/promises';
import { clock } from '@hitboard/runtime/clock';
import { fileSystemNow } from '@hitboard/runtime/file-clock';
/**
 * One production build per test run, shared by every spec that serves the built app (the browser test,
 * the access test): a build takes minutes on a loaded machine. The first spec to get here builds, the
 * others wait for it; the build sees canary secrets, which the browser test then greps the output for.
 * DASHBOARD_TEST_REUSE_BUILD=1 keeps an existing build (local iteration only; CI builds).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { APP_DIR, buildDashboard, hasBuild } from '../../src/serve';

/** Its own folder: a whole-system run (`npm start`) building `.next` at the same time never shares, locks or replaces it. */
export const TEST_DIST_DIR = '.next-test';
export const BUILD_CANARY = { password: 'canary-pw-7f3a9c1e', url: 'postgres://canary_user:canary-url-secret-51d2@canary-db.internal:6543/canarydb' };

const STALE_LOCK_MS = 30 * 60_000;

export async function ensureTestBuild(): Promise<void> {
  process.env.DASHBOARD_DIST_DIR = TEST_DIST_DIR;
  if (process.env.DASHBOARD_TEST_REUSE_BUILD && hasBuild()) return;
  const lock = path.join(APP_DIR, `${TEST_DIST_DIR}.lock`);
  // Jest's workers of one run share their parent: its pid marks "built in this run" (outside the build folder, which a build replaces).
  const marker = `${TEST_DIST_DIR}.built-for-${process.ppid}`;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(lock) && fileSystemNow(APP_DIR) - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true }); // a run that died mid-build
      await sleep(1000);
    }
  }
  try {
    if (existsSync(path.join(APP_DIR, marker)) && hasBuild()) return;
    buildDashboard(APP_DIR, { ...process.env, DATABASE_URL: BUILD_CANARY.url, HITBOARD_READER_PASSWORD: BUILD_CANARY.password, NODE_ENV: 'production' });
    for (const old of readdirSync(APP_DIR).filter((f) => f.startsWith(`${TEST_DIST_DIR}.built-for-`))) rmSync(path.join(APP_DIR, old), { force: true });
    writeFileSync(path.join(APP_DIR, marker), `${clock.date().toISOString()}\n`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
