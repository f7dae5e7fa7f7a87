/**
 * Runs the built dashboard through its documented start command (src/serve.ts, the test kit's `startApp`) on free ports, with an
 * access file of its own (one user, one API token) and its own session secret; for the browser test,
 * the access test and the benchmark.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bearerHeaders, hashPassword, newAccessToken, newSessionSecret, tokenSha256, writeAccessFile } from '@hitboard/access';
import { groupCpuMs, startApp, waitFor } from '@hitboard/testkit';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Who may sign in to a test dashboard, and the deployment's secret. */
export interface TestAccess {
  user: { name: string; password: string };
  token: string;
  sessionSecret: string;
}

/** Fresh credentials: a user with a random password (stored as its scrypt hash) and a random API token. */
export function testAccess(): TestAccess {
  return { user: { name: 'analyst', password: newSessionSecret() }, token: newAccessToken(), sessionSecret: newSessionSecret() };
}

export interface RunningDashboard {
  base: string;
  /** The ops port's base URL (/metrics, /healthz: open). */
  opsBase: string;
  access: TestAccess;
  /** `Authorization: Bearer` with the dashboard's API token. */
  auth: Record<string, string>;
  /** CPU time (user + system, ms) used so far by the server's process group (serve.ts, Next and any workers). */
  cpuMs(): number;
  log(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  timeoutMs?: number;
  /** Credentials and secret to use (default: fresh ones). */
  access?: TestAccess;
  /** Wait for /healthz 200 (default), or only for the ops port to answer (a dashboard whose database is away). */
  untilHealthy?: boolean;
}

export async function startDashboard(env: Record<string, string>, options: StartOptions = {}): Promise<RunningDashboard> {
  const { timeoutMs = 120_000, access, untilHealthy = true } = options;
  const port = await freePort();
  const opsPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const opsBase = `http://127.0.0.1:${opsPort}`;
  const granted = access ?? testAccess();
  const accessDir = mkdtempSync(path.join(tmpdir(), 'hb-dashboard-access-'));
  const accessFile = path.join(accessDir, 'access.json');
  writeAccessFile(accessFile, {
    users: [{ name: granted.user.name, passwordHash: await hashPassword(granted.user.password) }],
    tokens: [{ name: 'tests', sha256: tokenSha256(granted.token) }],
  });
  const app = startApp(
    'dashboard',
    {
      ...process.env,
      NODE_ENV: 'production',
      REPORTING_TIME_ZONE: 'UTC',
      DASHBOARD_ACCESS_FILE: accessFile,
      DASHBOARD_SESSION_SECRET: granted.sessionSecret,
      ...env,
      PORT: String(port),
      OPS_PORT: String(opsPort),
    },
    { keepLines: 100_000 },
  );
  const stop = async () => {
    await app.stop();
    rmSync(accessDir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      `the dashboard to answer on ${opsBase}/healthz${untilHealthy ? ' with 200' : ''}`,
      async () => {
        if (!app.running()) throw new Error(`the dashboard exited (${JSON.stringify(await app.finished())})`);
        // The ops port's /healthz: the app port is up by then (it listens before the ops server starts).
        const health = await fetch(`${opsBase}/healthz`).catch(() => null); // null: not listening yet
        await health?.arrayBuffer();
        return health !== null && (health.ok || !untilHealthy);
      },
      timeoutMs,
      250,
    );
  } catch (err) {
    await stop();
    throw new Error(`dashboard did not become healthy: ${(err as Error).message}\n${app.output()}`);
  }
  return { base, opsBase, access: granted, auth: bearerHeaders(granted.token), log: () => app.output(), stop, cpuMs: () => groupCpuMs(app.pid) };
}
