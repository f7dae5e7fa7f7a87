import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { scratchDatabase, type ScratchDatabase } from './support/scratch-database';

const CLI = join(__dirname, '..', 'src', 'cli.ts');
const TSX = require.resolve('tsx/cli');

function cli(args: string[], env: Record<string, string | undefined>) {
  const result = spawnSync(process.execPath, [TSX, CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: undefined, ...env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cli', () => {
  let db: ScratchDatabase;
  beforeAll(async () => (db = await scratchDatabase({ migrated: false })));
  afterAll(() => db.drop());

  it('prints help', () => {
    const { code, stdout } = cli(['--help'], {});
    expect(code).toBe(0);
    expect(stdout).toMatch(/migrate/);
    expect(stdout).toMatch(/DATABASE_URL/);
  });

  it('refuses to run without DATABASE_URL and says which variable is missing', () => {
    const { code, stderr } = cli(['migrate'], {});
    expect(code).toBe(1);
    expect(stderr).toMatch(/DATABASE_URL is not set/);
  });

  it('migrates, then reports it is up to date', async () => {
    const first = cli(['migrate'], { DATABASE_URL: db.url });
    expect(first).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Applied 0001_core/) });
    const second = cli(['migrate'], { DATABASE_URL: db.url });
    expect(second).toMatchObject({ code: 0, stdout: 'Already up to date\n' });
    const { rows } = await db.knex.raw<{ rows: unknown[] }>('SELECT 1 FROM top_1000');
    expect(rows).toEqual([]);
  });

  it("sets an app role's password from its variable, so that app's DATABASE_URL can log in as it", async () => {
    // The password app-roles.spec.ts uses too: roles are cluster-wide, the two files may run at once.
    const run = cli(['migrate'], { DATABASE_URL: db.url, HITBOARD_BATCH_PASSWORD: 'hitboard-app-role-test' });
    expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/Set the password of hitboard_batch\n/) });
    const url = new URL(db.url);
    url.username = 'hitboard_batch';
    url.password = 'hitboard-app-role-test';
    const login = spawnSync(process.execPath, ['-e', `new (require('pg').Client)(${JSON.stringify(url.toString())}).connect().then(() => process.exit(0), () => process.exit(3))`], { timeout: 30_000 });
    expect(login.status).toBe(0);
  });
});
