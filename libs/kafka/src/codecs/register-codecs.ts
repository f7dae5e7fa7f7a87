// Ambient typings for the untyped codec packages must travel with the file that imports them, or
// projects importing @hitboard/kafka (whose tsconfig does not include this lib's .d.ts) fail to typecheck.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../vendor.d.ts" />
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import SnappyCodec from 'kafkajs-snappy';
import { Lz4Codec } from './lz4-codec';
import { ZstdCodec } from './zstd-codec';

/**
 * Installs the Snappy, LZ4 and ZSTD codecs into kafkajs (GZIP is built in). kafkajs keeps
 * codecs in one process-wide table, so this affects every client in the process; it is
 * idempotent and {@link createKafka} calls it. Without it, a consumer crashes on the first
 * batch a Java/librdkafka producer compressed with anything but gzip.
 */
export function registerCodecs(): void {
  const codecs = CompressionCodecs as Record<CompressionTypes, () => unknown>;
  codecs[CompressionTypes.Snappy] = SnappyCodec;
  codecs[CompressionTypes.LZ4] = Lz4Codec;
  codecs[CompressionTypes.ZSTD] = ZstdCodec;
}
