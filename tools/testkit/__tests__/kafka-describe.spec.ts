import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { kafkaBrokers, kafkaRequired, uniqueTopic } from '../src/kafka';

const TESTKIT = resolve(__dirname, '..');

/** Runs the fixture suite in a nested jest with `env` and returns its exit code and output. */
function runFixture(env: Record<string, string | undefined>): { status: number | null; output: string } {
  const config = {
    rootDir: TESTKIT,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/__tests__/fixtures/needs-kafka.fixture.ts'],
    transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: { module: 'commonjs', moduleResolution: 'node' } }] },
  };
  const childEnv: NodeJS.ProcessEnv = { ...process.env, KAFKA_BROKERS: undefined, CI: undefined, KAFKA_REQUIRED: undefined, FORCE_COLOR: '0', ...env };
  for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
  const r = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', JSON.stringify(config), '--ci'], {
    cwd: TESTKIT,
    env: childEnv,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '') };
}

describe('describeKafka', () => {
  it('skips the suite with a loud banner when no broker is configured', () => {
    const { status, output } = runFixture({});
    expect(output).toContain('KAFKA TESTS SKIPPED: no broker; run `npm run kafka start` or set KAFKA_BROKERS');
    expect(output).toMatch(/Tests:\s+1 skipped, 1 total/);
    expect(status).toBe(0);
  });

  it.each([{ CI: 'true' }, { KAFKA_REQUIRED: '1' }])('fails, saying why, when no broker and %o', (env) => {
    const { status, output } = runFixture(env);
    expect(output).toContain('No Kafka broker, and one is required');
    expect(output).toMatch(/Tests:\s+1 failed, 1 total/);
    expect(status).toBe(1);
  });

  it('runs the suite with the brokers from KAFKA_BROKERS', () => {
    const { status, output } = runFixture({ KAFKA_BROKERS: ' 127.0.0.1:1 ,', KAFKA_REQUIRED: '1' });
    expect(output).toMatch(/Tests:\s+1 passed, 1 total/);
    expect(status).toBe(0);
  });
});

describe('kafkaBrokers / kafkaRequired / uniqueTopic', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('parses KAFKA_BROKERS, treating empty as unset', () => {
    process.env.KAFKA_BROKERS = 'a:1, b:2,';
    expect(kafkaBrokers()).toEqual(['a:1', 'b:2']);
    process.env.KAFKA_BROKERS = ' , ';
    expect(kafkaBrokers()).toBeUndefined();
    delete process.env.KAFKA_BROKERS;
    expect(kafkaBrokers()).toBeUndefined();
  });

  it('requires Kafka under CI or KAFKA_REQUIRED, but not when they are 0/false/empty', () => {
    delete process.env.CI;
    delete process.env.KAFKA_REQUIRED;
    expect(kafkaRequired()).toBe(false);
    process.env.CI = 'false';
    process.env.KAFKA_REQUIRED = '0';
    expect(kafkaRequired()).toBe(false);
    process.env.KAFKA_REQUIRED = '1';
    expect(kafkaRequired()).toBe(true);
    delete process.env.KAFKA_REQUIRED;
    process.env.CI = 'true';
    expect(kafkaRequired()).toBe(true);
  });

  it('makes distinct, legal topic names', () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueTopic('my test/topic')));
    expect(names.size).toBe(100);
    for (const n of names) expect(n).toMatch(/^my-test-topic\.[A-Za-z0-9._-]+$/);
  });
});
