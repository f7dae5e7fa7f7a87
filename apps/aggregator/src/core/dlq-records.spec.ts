import { createHash } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { dlqMessage, refusedMessage } from './dlq-records';

const message = (value: Buffer | null, extra: Partial<KafkaMessage> = {}): KafkaMessage =>
  ({ key: Buffer.from('p-1'), value, timestamp: '1763790000000', attributes: 0, offset: '7', headers: {}, ...extra }) as KafkaMessage;

describe('DLQ records', () => {
  const rejection = { reason: 'oversized' as const, message: 'too big' };

  it('carry the original key, value, timestamp and headers, and say why', () => {
    const m = message(Buffer.from('{"a":'), { headers: { origin: Buffer.from('pos-7'), trace: ['a', 'b'] } });
    const r = dlqMessage('sales.events', 2, refusedMessage(m, 7, { reason: 'invalid_json', message: 'not JSON' }, 1024));
    expect(r.key).toBe('2:7');
    expect(r.value).toEqual(Buffer.from('{"a":'));
    expect(r.headers).toEqual({
      reason: 'invalid_json',
      message: 'not JSON',
      'source-topic': 'sales.events',
      'source-partition': '2',
      'source-offset': '7',
      'source-timestamp': '1763790000000',
      'source-key': Buffer.from('p-1'),
      'source-header.origin': Buffer.from('pos-7'),
      'source-header.trace': ['a', 'b'],
    });
  });

  it('keep a tombstone a tombstone', () => {
    const r = dlqMessage('t', 0, refusedMessage(message(null, { key: null }), 3, { reason: 'invalid_json', message: 'no value' }, 1024));
    expect(r.value).toBeNull();
    expect(r.headers?.['source-key']).toBeUndefined();
    expect(r.headers?.['value-truncated']).toBeUndefined();
  });

  it('cut a value above the limit to its first bytes and describe the whole (the same on every replay)', () => {
    const huge = Buffer.alloc(3_000_000, 'x');
    const refused = refusedMessage(message(huge), 9, rejection, 1000);
    expect(refused.value?.length).toBe(1000);
    expect(refused.value?.buffer).not.toBe(huge.buffer); // the huge original is not kept alive
    const r = dlqMessage('t', 0, refused);
    expect(r.headers).toMatchObject({
      'value-truncated': 'true',
      'value-bytes': '3000000',
      'value-sha256': createHash('sha256').update(huge).digest('hex'),
    });
    expect(dlqMessage('t', 0, refusedMessage(message(huge), 9, rejection, 1000))).toEqual(r);
  });

  it('drop original headers too big to forward, and say how big they were', () => {
    const r = dlqMessage('t', 0, refusedMessage(message(Buffer.from('x'), { headers: { blob: Buffer.alloc(20_000) } }), 1, rejection, 1024));
    expect(r.headers?.['source-header.blob']).toBeUndefined();
    expect(r.headers?.['source-headers-dropped']).toBe('20004');
  });
});
