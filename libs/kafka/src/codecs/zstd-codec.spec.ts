import { fixturePayload, kafkaCompressed } from './__fixtures__/payload';
import { ZstdCodec, ZstdCompressionUnsupportedError, zstdCompressionSupported } from './zstd-codec';

describe('ZSTD codec', () => {
  it('decodes a frame Kafka’s Java client (zstd-jni streaming, no content size) compressed', async () => {
    const out = await ZstdCodec().decompress(kafkaCompressed('zstd'));
    expect(out.equals(fixturePayload())).toBe(true);
  });

  it('decodes two concatenated frames', async () => {
    const frame = kafkaCompressed('zstd');
    const out = await ZstdCodec().decompress(Buffer.concat([frame, frame]));
    expect(out.equals(Buffer.concat([fixturePayload(), fixturePayload()]))).toBe(true);
  });

  it('refuses to compress without an encoder, saying decompression still works', async () => {
    const codec = ZstdCodec(undefined);
    await expect(codec.compress({ buffer: Buffer.from('x') })).rejects.toThrow(ZstdCompressionUnsupportedError);
    await expect(codec.compress({ buffer: Buffer.from('x') })).rejects.toThrow(
      /zstd compression not supported by this client.*decompression is/,
    );
  });

  it('compresses with the Node encoder where there is one (Node >= 22.15), else throws', async () => {
    const codec = ZstdCodec();
    const input = fixturePayload();
    if (zstdCompressionSupported()) {
      const compressed = await codec.compress({ buffer: input });
      expect((await codec.decompress(compressed)).equals(input)).toBe(true);
    } else {
      await expect(codec.compress({ buffer: input })).rejects.toThrow(ZstdCompressionUnsupportedError);
    }
  });
});
