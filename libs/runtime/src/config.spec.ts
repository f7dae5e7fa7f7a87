import { z } from 'zod';
import { ConfigError, describeEnv, env, loadConfig } from './config';

const schema = z.object({
  KAFKA_BROKERS: env.brokers().describe('Kafka bootstrap brokers, comma-separated'),
  FLUSH_INTERVAL_MS: env.int(1).default(5000).describe('how often to flush'),
  DRY_RUN: env.bool().default(false).describe('do nothing'),
});

describe('loadConfig', () => {
  it('parses, applies defaults and treats empty variables as unset', () => {
    expect(loadConfig('app', schema, { KAFKA_BROKERS: 'a:1, b:2', FLUSH_INTERVAL_MS: '' })).toEqual({
      KAFKA_BROKERS: ['a:1', 'b:2'],
      FLUSH_INTERVAL_MS: 5000,
      DRY_RUN: false,
    });
  });

  it('names every wrong variable and what it got', () => {
    let error: unknown;
    try {
      loadConfig('aggregator', schema, { KAFKA_BROKERS: 'nohost', FLUSH_INTERVAL_MS: 'soon' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems } = error as ConfigError;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^KAFKA_BROKERS: each broker must be host:port \(got "nohost"\)$/);
    expect(problems[1]).toMatch(/^FLUSH_INTERVAL_MS: .* \(got "soon"\)$/);
  });

  it('documents variables with their defaults', () => {
    const help = describeEnv(schema);
    expect(help).toContain('FLUSH_INTERVAL_MS');
    expect(help).toContain('how often to flush (default: 5000)');
  });
});
