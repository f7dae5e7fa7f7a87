import type { KafkaCodec } from './kafka-codec';
import { decodeLz4Frame, encodeLz4Frame } from './lz4-frame';

/**
 * kafkajs codec for Kafka's LZ4 (the LZ4 frame format), pure JS: compresses as Kafka's
 * Java producer does and decompresses what any producer sends. Synchronous work on the
 * event loop (~ a few ms per MB); the batch sizes kafkajs uses keep that small.
 */
export const Lz4Codec = (): KafkaCodec => ({
  async compress(encoder) {
    return encodeLz4Frame(encoder.buffer);
  },
  async decompress(buffer) {
    return decodeLz4Frame(buffer);
  },
});
