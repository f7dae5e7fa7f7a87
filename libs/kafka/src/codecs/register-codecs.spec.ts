import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { fixturePayload, kafkaCompressed } from './__fixtures__/payload';
import { registerCodecs } from './register-codecs';
import { Lz4Codec } from './lz4-codec';
import { ZstdCodec } from './zstd-codec';

type Codec = { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> };
const codec = (t: CompressionTypes): Codec => (CompressionCodecs as Record<number, () => Codec>)[t]!();

describe('registerCodecs', () => {
  beforeAll(() => registerCodecs());

  it('installs snappy, lz4 and zstd into kafkajs (gzip is built in)', () => {
    expect((CompressionCodecs as Record<number, unknown>)[CompressionTypes.LZ4]).toBe(Lz4Codec);
    expect((CompressionCodecs as Record<number, unknown>)[CompressionTypes.ZSTD]).toBe(ZstdCodec);
    expect(() => codec(CompressionTypes.Snappy)).not.toThrow();
    expect(() => codec(CompressionTypes.GZIP)).not.toThrow();
  });

  it('is idempotent', () => {
    registerCodecs();
    registerCodecs();
    expect((CompressionCodecs as Record<number, unknown>)[CompressionTypes.LZ4]).toBe(Lz4Codec);
  });

  it('snappy: decodes the xerial-framed bytes Kafka’s Java client writes', async () => {
    expect((await codec(CompressionTypes.Snappy).decompress(kafkaCompressed('snappy'))).equals(fixturePayload())).toBe(true);
  });

  it.each([
    ['gzip', CompressionTypes.GZIP],
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
  ])('%s: round-trips through kafkajs’s codec table', async (_name, type) => {
    const c = codec(type);
    const input = fixturePayload();
    const compressed = await c.compress({ buffer: input });
    expect(compressed.length).toBeLessThan(input.length);
    expect((await c.decompress(compressed)).equals(input)).toBe(true);
  });
});
