/**
 * The shape kafkajs expects of a compression codec (kafkajs/src/protocol/message/compression):
 * `compress` gets the encoder holding the uncompressed record bytes, `decompress` the
 * compressed bytes of one record batch.
 */
export interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}
