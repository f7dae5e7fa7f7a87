import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { APP_ROLES } from '@hitboard/schema';
import { setRolePassword } from './migrate';

/** The services and the Postgres role each connects as (migrations 0009 and 0011; the dashboard is hitboard_reader). */
const ROLE_OF = { aggregator: APP_ROLES.aggregator, 'speed-pipeline': APP_ROLES.speedPipeline, 'batch-rollup': APP_ROLES.batchRollup, notifier: APP_ROLES.notifier } as const;

/**
 * On a Postgres of the caller's own (npm start's embedded server, the chaos suite's), each app logs in as
 * its least-privilege role, as in a deployment: the roles get fresh random passwords (set here as the
 * owner), and each app a DATABASE_URL naming its role. Returns app name → URL.
 */
export type RoleApp = keyof typeof ROLE_OF;

export async function appRoleUrls(db: Knex, ownerUrl: string): Promise<Record<RoleApp, string>> {
  const urls = {} as Record<RoleApp, string>;
  for (const [app, role] of Object.entries(ROLE_OF) as Array<[RoleApp, string]>) {
    const password = randomBytes(18).toString('base64url');
    await setRolePassword(db, role, password);
    const url = new URL(ownerUrl);
    url.username = role;
    url.password = password;
    urls[app] = url.toString();
  }
  return urls;
}
