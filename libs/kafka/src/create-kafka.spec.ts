import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { parseBrokers } from '@hitboard/runtime';
import { createKafka } from './create-kafka';
import { Lz4Codec } from './codecs/lz4-codec';

describe('createKafka', () => {
  it('fails fast with advice when no brokers are configured', () => {
    expect(() => createKafka({ brokers: [], clientId: 'x' })).toThrow(/KAFKA_BROKERS/);
    expect(() => createKafka({ brokers: parseBrokers(undefined), clientId: 'x' })).toThrow(/npm run kafka start/);
  });

  it('rejects brokers that are not host:port', () => {
    expect(() => createKafka({ brokers: ['localhost'], clientId: 'x' })).toThrow(/host:port.*"localhost"/);
    expect(() => createKafka({ brokers: ['127.0.0.1:19092', 'a:b'], clientId: 'x' })).toThrow(/"a:b"/);
  });

  it('requires a clientId and a known log level', () => {
    expect(() => createKafka({ brokers: ['127.0.0.1:19092'], clientId: '' })).toThrow(/clientId/);
    expect(() => createKafka({ brokers: ['127.0.0.1:19092'], clientId: 'x', logLevel: 'loud' as never })).toThrow(/logLevel/);
  });

  it('registers the codecs without connecting anywhere', () => {
    const kafka = createKafka({ brokers: ['127.0.0.1:19092', '[::1]:19092'], clientId: 'x' });
    expect(kafka).toBeDefined();
    expect((CompressionCodecs as Record<number, unknown>)[CompressionTypes.LZ4]).toBe(Lz4Codec);
  });
});
