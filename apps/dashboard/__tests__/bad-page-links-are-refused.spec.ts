/**
 * A page link with a bad parameter, or a category the catalog does not have, answers its status over real
 * HTTP (400, 404), not 200, while it still shows the page's own explanation: the built app behind its start
 * command (src/serve.ts) against a seeded database.
 *
 * Why this needs its own test: the root loading.tsx streams the page's first bytes (and so a 200) before the
 * page can decide, so the status comes from the custom server (src/http-server.ts), which validates the query
 * with the page's own lib/params before Next renders it.
 */
import { chosenClockEnv } from '@hitboard/runtime/clock';
import { IntervalRegistry } from '@hitboard/time';
import { freshDatabase, TEST_READER_PASSWORD, type FreshDatabase } from '@hitboard/testkit';
import { ensureTestBuild } from './support/build';
import { seedDemoWorld } from './support/demo-world';
import { startDashboard, type RunningDashboard } from './support/server';

jest.setTimeout(15 * 60_000);

const registry = IntervalRegistry.standard('UTC');
/** Mid-hour: nothing here depends on the hour, but the world and the server agree on it. */
const START = '2026-11-18T10:35:00Z';

let db: FreshDatabase;
let server: RunningDashboard;

beforeAll(async () => {
  await ensureTestBuild();
  db = await freshDatabase();
  const chosen = chosenClockEnv(START);
  await seedDemoWorld(db.knex, registry, chosen.clock.now());
  server = await startDashboard({ DATABASE_URL: db.url, HITBOARD_READER_PASSWORD: TEST_READER_PASSWORD, ...chosen.env });
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

async function page(query: string): Promise<{ status: number; body: string; contentType: string | null }> {
  const res = await fetch(`${server.base}/${query}`, { headers: server.auth, redirect: 'manual' });
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') };
}

it('answers a page link with a bad parameter 400, with the page saying which parameter and why', async () => {
  for (const [query, says] of [
    ['?interval=fortnight', 'interval'],
    ['?interval=hour&metric=profit', 'metric'],
    ['?interval=day&window=yesterday', 'window'],
    ['?interval=day&at=31.12.2026', 'at'],
    ['?interval=day&colour=red', 'colour'],
    ['?interval=day&interval=week', 'given more than once'],
  ] as const) {
    const answer = await page(query);
    expect([query, answer.status]).toEqual([query, 400]);
    expect(answer.contentType).toMatch(/^text\/html/);
    expect(answer.body).toContain('That link has a bad parameter');
    expect(answer.body).toContain(says);
  }
});

it('answers a category the catalog does not have 404, with the page offering every category', async () => {
  const answer = await page('?interval=day&category=Garden%20Gnomes');
  expect(answer.status).toBe(404);
  expect(answer.contentType).toMatch(/^text\/html/);
  expect(answer.body).toContain('Unknown category');
  expect(answer.body).toContain('Show all categories');
});

it('answers good links 200, with or without a category', async () => {
  for (const query of ['', '?interval=day', '?interval=day&category=Toys&metric=revenue', `?interval=hour&window=${encodeURIComponent('2026-11-18T09:00:00.000Z')}`]) {
    expect([query, (await page(query)).status]).toEqual([query, 200]);
  }
});
