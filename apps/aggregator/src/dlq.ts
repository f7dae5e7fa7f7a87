import type { IHeaders, Message } from 'kafkajs';
import type { Refused } from './buffer/partition-buffer';

/**
 * A DLQ record for a refused message: key `{partition}:{offset}` (unique per source message, so
 * a replayed flush republishes an identical, recognisable record), value = the original bytes,
 * headers say why and where it came from. The DLQ is at-least-once across a crash between the
 * publish and the ledger commit: readers count distinct keys.
 */
export function dlqMessage(sourceTopic: string, partition: number, refused: Refused): Message {
  const headers: IHeaders = {
    reason: refused.rejection.reason,
    message: refused.rejection.message.slice(0, 500),
    'source-topic': sourceTopic,
    'source-partition': String(partition),
    'source-offset': String(refused.offset),
  };
  if (refused.rejection.field !== undefined) headers['field'] = refused.rejection.field;
  return { key: `${partition}:${refused.offset}`, value: refused.value, headers };
}
