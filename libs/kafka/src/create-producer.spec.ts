import type { Message, RecordMetadata } from 'kafkajs';
import { unacknowledged } from './create-producer';

const meta = (partition: number): RecordMetadata => ({ topicName: 't', partition, errorCode: 0 });

describe('unacknowledged: what a send must repeat', () => {
  const messages: Message[] = [
    { key: 'a', value: '1' },
    { key: 'b', value: '2' },
    { key: 'c', value: '3' },
  ];
  const partitions = new Map<Message, number>([
    [messages[0]!, 0],
    [messages[1]!, 3],
    [messages[2]!, 0],
  ]);

  it('returns the messages of partitions kafkajs resolved without acknowledging, pinned to them', () => {
    // kafkajs 2.2.4 after a leader moved mid-send: partition 3 was never sent, yet the send resolved.
    expect(unacknowledged({ topic: 't', messages }, [meta(0)], (m) => partitions.get(m))).toEqual([{ key: 'b', value: '2', partition: 3 }]);
  });

  it('returns nothing when every partition was acknowledged', () => {
    expect(unacknowledged({ topic: 't', messages }, [meta(0), meta(3)], (m) => partitions.get(m))).toEqual([]);
  });

  it('ignores acknowledgements of other topics', () => {
    expect(unacknowledged({ topic: 't', messages }, [meta(0), { ...meta(3), topicName: 'other' }], (m) => partitions.get(m))).toHaveLength(1);
  });
});
