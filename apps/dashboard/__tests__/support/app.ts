/** Points the dashboard's server context at a fresh test database and calls route handlers like Next does. */
import { freshDatabase, TEST_READER_PASSWORD, type FreshDatabase } from '@hitboard/testkit';
import { resetDashboardContext } from '../../src/server/context';

export async function dashboardDatabase(env: Record<string, string> = {}): Promise<FreshDatabase> {
  const db = await freshDatabase();
  await useDatabase(db.url, env);
  return db;
}

export async function useDatabase(url: string, env: Record<string, string> = {}): Promise<void> {
  await resetDashboardContext();
  Object.assign(process.env, {
    DATABASE_URL: url,
    HITBOARD_READER_PASSWORD: TEST_READER_PASSWORD,
    REPORTING_TIME_ZONE: 'UTC',
    DASHBOARD_CACHE_MS: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

export type Handler = (request: Request) => Promise<Response> | Response;

export interface Called {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed JSON body the tests pick apart
  body: any;
  text: string;
}

export async function call(handler: Handler, path: string, headers: Record<string, string> = {}): Promise<Called> {
  const response = await handler(new Request(`http://dashboard.test${path}`, { headers }));
  const text = await response.text();
  let body: unknown = undefined;
  if ((response.headers.get('content-type') ?? '').startsWith('application/json')) body = JSON.parse(text);
  return { status: response.status, headers: response.headers, body, text };
}
