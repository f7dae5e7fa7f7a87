import { brokersFromEnv, BROKER_ADDRESS, DEFAULT_KAFKA_BROKERS, parseBrokers } from './brokers';

describe('parseBrokers', () => {
  it('splits on commas and drops blanks', () => {
    expect(parseBrokers(' a:1, b:2 ,,')).toEqual(['a:1', 'b:2']);
    expect(parseBrokers('')).toEqual([]);
    expect(parseBrokers(undefined)).toEqual([]);
  });

  it('falls back to the local broker when KAFKA_BROKERS is unset or blank', () => {
    expect(brokersFromEnv({})).toEqual(DEFAULT_KAFKA_BROKERS);
    expect(brokersFromEnv({ KAFKA_BROKERS: ' , ' })).toEqual(DEFAULT_KAFKA_BROKERS);
    expect(brokersFromEnv({ KAFKA_BROKERS: 'k1:9092,k2:9092' })).toEqual(['k1:9092', 'k2:9092']);
  });

  it('knows a broker address when it sees one', () => {
    expect(['a:1', '127.0.0.1:19092', '[::1]:9092'].every((b) => BROKER_ADDRESS.test(b))).toBe(true);
    expect(['a', 'a:b', ':1', 'a :1'].some((b) => BROKER_ADDRESS.test(b))).toBe(false);
  });
});
