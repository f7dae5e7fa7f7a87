import { ConfigError } from '@hitboard/runtime';
import { deprecationWarning, memorySharesOf, readConfig } from './config';
import { MIB } from './core/memory-budget';

const base = { DATABASE_URL: 'postgres://db/hitboard' };

function problemsOf(env: Record<string, string>): string {
  try {
    readConfig({ ...base, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.join('\n');
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('aggregator config: the memory budget', () => {
  it('defaults to 768 MiB, split by the stated shares, with no cap per partition', () => {
    const config = readConfig(base);
    expect(config.MEMORY_BUDGET_MIB).toBe(768);
    expect(config.FLUSH_MAX_KEYS).toBeUndefined();
    expect(memorySharesOf(config)).toMatchObject({ buffersBytes: 384 * MIB, stagingBytes: 192 * MIB, fetchMaxBytes: 24 * MIB });
    expect(deprecationWarning(config)).toBeNull();
  });

  it('refuses a budget it cannot split or the machine cannot hold, naming MEMORY_BUDGET_MIB', () => {
    expect(problemsOf({ MEMORY_BUDGET_MIB: '64' })).toMatch(/^MEMORY_BUDGET_MIB: must be at least 128 \(MiB\).*\(got "64"\)$/);
    expect(problemsOf({ MEMORY_BUDGET_MIB: '0.5' })).toMatch(/^MEMORY_BUDGET_MIB: must be a whole number of MiB/);
    expect(problemsOf({ MEMORY_BUDGET_MIB: 'lots' })).toMatch(/^MEMORY_BUDGET_MIB: /);
    expect(problemsOf({ MEMORY_BUDGET_MIB: String(2 ** 40) })).toMatch(/^MEMORY_BUDGET_MIB: must not exceed this machine's memory \(\d+ MiB\)/);
    expect(readConfig({ ...base, MEMORY_BUDGET_MIB: '128' }).MEMORY_BUDGET_MIB).toBe(128);
  });

  it('still honours FLUSH_MAX_KEYS, with a start-up warning that it is deprecated', () => {
    const config = readConfig({ ...base, FLUSH_MAX_KEYS: '50000' });
    expect(config.FLUSH_MAX_KEYS).toBe(50_000);
    expect(deprecationWarning(config)).toMatch(/^FLUSH_MAX_KEYS is deprecated: MEMORY_BUDGET_MIB \(768 MiB\) bounds .* FLUSH_MAX_KEYS=50000 is still honoured/);
    expect(problemsOf({ FLUSH_MAX_KEYS: '0' })).toMatch(/^FLUSH_MAX_KEYS: /);
  });
});
