import type { Message } from 'kafkajs';

/** Per-record bytes a produce request adds besides key, value and headers (varints, attributes, deltas). */
const RECORD_OVERHEAD_BYTES = 32;

/** The bytes `message` adds to a record batch, uncompressed (an upper-bound estimate). */
export function messageBytes(message: Message): number {
  let bytes = RECORD_OVERHEAD_BYTES + length(message.key) + length(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    for (const v of [value ?? []].flat()) bytes += 8 + Buffer.byteLength(name) + length(v);
  }
  return bytes;
}

function length(v: Buffer | string | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}

/**
 * Splits `messages` (an array, or a generator read one chunk ahead at most) into consecutive chunks of at most `maxCount` messages and about `maxBytes`
 * bytes each (a single larger message gets a chunk of its own). kafkajs puts all of one send's
 * messages for a partition into one record batch, and the broker refuses a batch larger than the
 * topic's `max.message.bytes` (1 MiB by default) — forever, since retrying sends the same batch.
 */
export function* chunkByBytes(messages: Iterable<Message>, maxBytes: number, maxCount: number): Generator<Message[]> {
  let chunk: Message[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = messageBytes(m);
    if (chunk.length > 0 && (bytes + size > maxBytes || chunk.length >= maxCount)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
