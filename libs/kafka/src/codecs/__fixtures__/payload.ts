import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The payload GenerateFixtures.java compressed with Kafka's Java codecs (157,560 bytes). */
export function fixturePayload(): Buffer {
  let s = '';
  for (let i = 0; i < 3000; i++) s += `{"event_id":"e-${i}","product_id":"p-${(i * 7919) % 1000}","units":${(i % 5) + 1}}\n`;
  return Buffer.from(s, 'utf8');
}

/** Bytes that Kafka's Java client (3.9.1) wrote for the payload with `codec`. */
export function kafkaCompressed(codec: 'zstd' | 'lz4' | 'snappy'): Buffer {
  return readFileSync(join(__dirname, `payload.kafka-${codec}.bin`));
}
