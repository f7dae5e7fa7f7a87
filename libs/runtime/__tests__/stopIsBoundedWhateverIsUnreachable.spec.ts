/**
 * Issue 29: with Postgres gone, SIGTERM left apps running until SIGKILL. runService bounds every stop
 * (STOP_BOUND_MS, default 15 s): a service whose stop never ends still exits, and says which step it
 * was in; one whose stop ends exits 0 as before. Each app's own tests show it fits its last flush or
 * checkpoint and its leaving the group inside the bound; this is what holds when something does not.
 */
import { join } from 'node:path';
import { freshDatabase, startAppProcess, waitFor, type AppProcess, type FreshDatabase } from '@hitboard/testkit';

describe('a stop is bounded', () => {
  let db: FreshDatabase;
  beforeAll(async () => (db = await freshDatabase()));
  afterAll(() => db?.drop());

  const start = (stuck: boolean): AppProcess =>
    startAppProcess({
      name: 'stuck-stop',
      cwd: join(__dirname, '..'),
      args: ['__tests__/support/service-with-a-stuck-stop.ts'],
      env: { ...process.env, DATABASE_URL: db.url, STUCK_STOP: stuck ? '1' : '0', STOP_BOUND_MS: '1500', LOG_LEVEL: 'info' },
    });

  async function terminate(app: AppProcess) {
    await waitFor('the service to run', async () => app.output().includes('running'), 60_000);
    void app.stop();
    return app.finished();
  }

  it('a stop that never ends: the process exits at the bound, naming the step it was in', async () => {
    const app = start(true);
    const exit = await terminate(app);
    expect(exit).toEqual({ code: 1, signal: null });
    expect(app.output()).toMatch(/stop bound reached after 1500 ms, still in: the service's stop/);
  });

  it('a stop that ends: exit 0, no bound reached', async () => {
    const app = start(false);
    const exit = await terminate(app);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(app.output()).not.toMatch(/stop bound reached/);
  });
});
