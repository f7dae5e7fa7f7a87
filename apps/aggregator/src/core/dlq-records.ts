import { createHash } from 'node:crypto';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { Rejection } from '@hitboard/schema';
import type { Refused } from './partition-buffer';

/** Original headers forwarded to the DLQ (as `source-header.<name>`) only while they total at most this. */
const MAX_FORWARDED_HEADER_BYTES = 16 * 1024; // 16 KiB
/** The original key travels as the `source-key` header, cut to this. */
const MAX_SOURCE_KEY_BYTES = 1024;

/**
 * What a flush keeps of a refused message until it publishes it. A value larger than
 * `maxValueBytes` is kept (and dead-lettered) as its first `maxValueBytes` bytes, with its length and
 * sha256: the DLQ topic, like any topic, refuses records above its `max.message.bytes`, and a value
 * that reached the input topic compressed (3 MB of padding gzips to a few KB) is re-sent uncompressed.
 * Without the cut, publishing that record would fail on every retry and stall the partition forever.
 * The cut is a pure function of the message, so a replayed flush publishes the same record.
 */
export function refusedMessage(message: KafkaMessage, offset: number, rejection: Rejection, maxValueBytes: number): Refused {
  const original = message.value;
  const truncated = original !== null && original.length > maxValueBytes;
  const refused: Refused = {
    offset,
    rejection,
    // Copies: kafkajs hands out views of the whole fetch response (or of a decompressed batch), which a
    // view held until the flush would keep alive; and of a huge value only the prefix is kept.
    value: original === null ? null : Buffer.from(truncated ? original.subarray(0, maxValueBytes) : original),
    valueBytes: original === null ? null : original.length,
    key: message.key === null || message.key === undefined ? null : Buffer.from(message.key.subarray(0, MAX_SOURCE_KEY_BYTES)),
    timestamp: message.timestamp,
  };
  if (truncated) refused.valueSha256 = createHash('sha256').update(original).digest('hex');
  if (message.headers && Object.keys(message.headers).length > 0) refused.headers = message.headers;
  return refused;
}

/**
 * A DLQ record for a refused message: key `{partition}:{offset}` (unique per source message, so
 * a replayed flush republishes an identical, recognisable record), value = the original bytes (a
 * tombstone stays null; a value cut by `refusedMessage` says so in `value-truncated`, `value-bytes`,
 * `value-sha256`), headers say why and where it came from: `reason`, `field`, `message`,
 * `source-topic/partition/offset/timestamp`, `source-key` (the original key) and the original headers
 * as `source-header.<name>` (dropped, with `source-headers-dropped`, when they exceed 16 KiB).
 * The DLQ is at-least-once across a crash between the publish and the ledger commit: readers count
 * distinct keys.
 */
export function dlqMessage(sourceTopic: string, partition: number, refused: Refused): Message {
  const headers: IHeaders = {
    reason: refused.rejection.reason,
    message: refused.rejection.message.slice(0, 500),
    'source-topic': sourceTopic,
    'source-partition': String(partition),
    'source-offset': String(refused.offset),
    'source-timestamp': refused.timestamp,
  };
  if (refused.rejection.field !== undefined) headers['field'] = refused.rejection.field;
  if (refused.key !== null) headers['source-key'] = refused.key;
  if (refused.valueSha256 !== undefined) {
    headers['value-truncated'] = 'true';
    headers['value-bytes'] = String(refused.valueBytes);
    headers['value-sha256'] = refused.valueSha256;
  }
  if (refused.headers) {
    const entries = Object.entries(refused.headers).filter(([, v]) => v !== undefined);
    const bytes = entries.reduce((sum, [k, v]) => sum + k.length + [v ?? []].flat().reduce((n, x) => n + x.length, 0), 0);
    if (bytes <= MAX_FORWARDED_HEADER_BYTES) {
      for (const [name, value] of entries) headers[`source-header.${name}`] = value;
    } else {
      headers['source-headers-dropped'] = String(bytes);
    }
  }
  return { key: `${partition}:${refused.offset}`, value: refused.value, headers };
}
