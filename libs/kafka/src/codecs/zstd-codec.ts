import * as zlib from 'node:zlib';
import { promisify } from 'node:util';
import { decompress as fzstdDecompress } from 'fzstd';
import type { KafkaCodec } from './kafka-codec';

/** Thrown when asked to produce zstd batches on a Node without a zstd encoder. */
export class ZstdCompressionUnsupportedError extends Error {
  override readonly name = 'ZstdCompressionUnsupportedError';
  constructor() {
    super(
      `zstd compression not supported by this client (Node ${process.versions.node} has no zlib.zstdCompress; ` +
        'it arrived in Node 22.15/23.8); decompression is. Produce with gzip, snappy or lz4 instead.',
    );
  }
}

type ZstdCompress = (buf: Buffer) => Promise<Buffer>;

/** Node >= 22.15 ships a native zstd encoder in zlib; older Nodes (20 here) do not. */
function nativeZstdCompress(): ZstdCompress | undefined {
  const fn = (zlib as unknown as { zstdCompress?: (buf: Buffer, cb: (err: Error | null, out: Buffer) => void) => void })
    .zstdCompress;
  return fn ? (promisify(fn) as ZstdCompress) : undefined;
}
const NATIVE_ZSTD_COMPRESS = nativeZstdCompress();

/**
 * kafkajs codec for zstd. Decompression is pure JS (fzstd, any frame a Java, librdkafka or
 * Go producer writes); compression uses Node's zlib where it exists and otherwise throws
 * {@link ZstdCompressionUnsupportedError}, so a producer configured for zstd fails loudly
 * on its first send instead of silently sending something else.
 */
export const ZstdCodec = (compress: ZstdCompress | undefined = NATIVE_ZSTD_COMPRESS): KafkaCodec => ({
  async compress(encoder) {
    if (!compress) throw new ZstdCompressionUnsupportedError();
    return compress(encoder.buffer);
  },
  async decompress(buffer) {
    const out = fzstdDecompress(buffer);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  },
});

/** Whether this Node can produce zstd batches. */
export const zstdCompressionSupported = (): boolean => NATIVE_ZSTD_COMPRESS !== undefined;
