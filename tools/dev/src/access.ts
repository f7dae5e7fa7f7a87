import { join } from 'node:path';
import { ACCESS_TOKEN_ENV, newAccessToken, newSessionSecret, tokenSha256, writeAccessFile } from '@hitboard/access';

/**
 * Sign-in for the dashboard npm start runs, as Jupyter does it: one API token, printed inside the
 * dashboard's URL (`?token=…` turns into a session cookie). $HITBOARD_TOKEN if set (so tools keep working
 * across restarts), else a fresh one per run. Its SHA-256 goes to <data>/dashboard-access.json (owner
 * only); the session secret is fresh per run, so a restart signs every browser out.
 */
export function dashboardSignIn(dataDir: string, port: number): { env: Record<string, string>; signInUrl: string } {
  const token = process.env[ACCESS_TOKEN_ENV] || newAccessToken();
  const accessFile = join(dataDir, 'dashboard-access.json');
  writeAccessFile(accessFile, { tokens: [{ name: 'npm-start', sha256: tokenSha256(token) }] });
  return {
    env: { DASHBOARD_ACCESS_FILE: accessFile, DASHBOARD_SESSION_SECRET: newSessionSecret() },
    signInUrl: `http://127.0.0.1:${port}/?token=${token}`,
  };
}
