import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompressionCodecs, CompressionTypes, type Kafka } from 'kafkajs';
import { createKafka, createProducer, registerCodecs } from '@hitboard/kafka';
import { createTestTopic, deleteTestTopics, describeKafka, readTopic } from '@hitboard/testkit';
import { javaConsume, javaProduce, runKafkaClass, type JavaCompression } from '../src';

/** Compressible, varied text; `seed` 4 at 64 KiB is the block lz4js's own compressor gets wrong. */
function textLike(bytes: number, seed: number): string {
  let s = '';
  let x = seed;
  while (s.length < bytes) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += `{"product_id":"p-${x % 997}","units":${x % 7},"store":"s-${x % 13}"} `;
  }
  return s.slice(0, bytes);
}

function messages(n: number): { key: string; value: string }[] {
  const small = Array.from({ length: n }, (_, i) => ({ key: `product-${i % 37}`, value: JSON.stringify({ seq: i, note: 'x'.repeat(i % 50) }) }));
  // Large values span several 64 KB LZ4 blocks / zstd blocks, including one exactly 64 KiB.
  return [...small, { key: 'big-1', value: textLike(65536, 4) }, { key: 'big-2', value: textLike(200_000, 9) }];
}

/** Counts, per codec, how many batches kafkajs decompressed (kafkajs looks the codec up per batch). */
function countCodecUse(): { counts: Record<string, number>; restore: () => void } {
  const table = CompressionCodecs as Record<number, () => unknown>;
  const counts: Record<string, number> = {};
  const originals = { ...table };
  for (const [name, type] of Object.entries({ gzip: CompressionTypes.GZIP, snappy: CompressionTypes.Snappy, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD })) {
    const original = table[type]!;
    table[type] = () => {
      counts[name] = (counts[name] ?? 0) + 1;
      return original();
    };
  }
  return { counts, restore: () => Object.assign(table, originals) };
}

/**
 * Each test starts a JVM or two, joins a consumer group and reads a few hundred messages: ~4 s on an idle
 * machine, 42 s seen beside CI's other suites on 2 shared cores. Room for that load, not for a hang.
 */
const TEST_MS = 240_000;
const READ_MS = 120_000;

describeKafka('compression interop with Kafka’s Java clients', (brokers) => {
  let kafka: Kafka;
  const topics: string[] = [];
  const topic = async (partitions = 3) => {
    const t = await createTestTopic(brokers, { partitions, prefix: 'codec' });
    topics.push(t);
    return t;
  };

  beforeAll(() => {
    kafka = createKafka({ brokers, clientId: 'kafka-codec-interop' });
  });
  afterAll(() => deleteTestTopics(brokers, topics));

  it.each<JavaCompression>(['gzip', 'snappy', 'lz4', 'zstd'])(
    'kafkajs (createKafka) reads every message a Java producer sent with %s',
    async (codec) => {
      const t = await topic();
      const sent = messages(400);
      await javaProduce(brokers, t, sent, codec);

      const spy = countCodecUse();
      try {
        const read = await readTopic(brokers, t, { count: sent.length, kafka, timeoutMs: READ_MS });
        expect(read.map((m) => `${m.key}\t${m.value}`).sort()).toEqual(sent.map((m) => `${m.key}\t${m.value}`).sort());
        expect(spy.counts[codec] ?? 0).toBeGreaterThan(0); // the batches really were compressed with it
      } finally {
        spy.restore();
      }
    },
    TEST_MS,
  );

  // The broker and Java consumers decompress with lz4-java's JNI decoder, which rejects
  // blocks that break LZ4's end-of-block rules. A batch's bytes rarely line up so a test
  // through the broker hits such a block; this feeds Kafka's Java codec the frames directly.
  it.each([
    ['lz4', CompressionTypes.LZ4],
    ['snappy', CompressionTypes.Snappy],
    ['gzip', CompressionTypes.GZIP],
  ] as const)('Kafka’s Java %s reader decodes what kafkajs compresses, block edge cases included', async (name, type) => {
    registerCodecs();
    const codec = (CompressionCodecs as Record<number, () => { compress(e: { buffer: Buffer }): Promise<Buffer> }>)[type]!();
    const inputs = [
      Buffer.from(textLike(65536, 4)), // one full 64 KiB block: lz4js's compressBlock output fails in lz4-java here
      Buffer.from(textLike(1000, 2)),
      Buffer.from(textLike(300_000, 11)),
      Buffer.alloc(65536 * 2, 0x61),
      Buffer.from('x'),
    ];
    const dir = mkdtempSync(join(tmpdir(), 'kafka-codec-'));
    try {
      const files = await Promise.all(
        inputs.map(async (input, i) => {
          const file = join(dir, `${i}.bin`);
          writeFileSync(file, await codec.compress({ buffer: input }));
          return file;
        }),
      );
      const { stdout } = await runKafkaClass([join(__dirname, 'DecompressWithKafka.java'), name, ...files]);
      const decoded = stdout.trim().split('\n').map((line) => line.split(' ').slice(1).join(' '));
      expect(decoded).toEqual(inputs.map((b) => `${b.length} ${createHash('sha256').update(b).digest('hex')}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, TEST_MS);

  it.each([
    ['gzip', CompressionTypes.GZIP],
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
  ] as const)(
    'a Java consumer reads every message kafkajs sent with %s',
    async (_name, compression) => {
      const t = await topic();
      const sent = messages(400);
      const producer = createProducer(kafka); // idempotent: a retried request is not written twice
      await producer.connect();
      try {
        // Several batches: one send per 100 messages, plus the large ones.
        for (let i = 0; i < sent.length; i += 100) await producer.send({ topic: t, compression, acks: -1, messages: sent.slice(i, i + 100) });
      } finally {
        await producer.disconnect();
      }
      const read = await javaConsume(brokers, t, sent.length, READ_MS / 2);
      expect(read.map((m) => `${m.key}\t${m.value}`).sort()).toEqual(sent.map((m) => `${m.key}\t${m.value}`).sort());
    },
    TEST_MS,
  );

  it('a Java producer and kafkajs put each key on the same partition', async () => {
    const t = await topic(6);
    const keys = Array.from({ length: 60 }, (_, i) => `product-${i * 7919}`);
    await javaProduce(brokers, t, keys.map((key) => ({ key, value: 'java' })), 'lz4');
    const producer = createProducer(kafka); // idempotent: a retried request is not written twice
    await producer.connect();
    try {
      await producer.send({ topic: t, acks: -1, messages: keys.map((key) => ({ key, value: 'kafkajs' })) });
    } finally {
      await producer.disconnect();
    }
    const read = await readTopic(brokers, t, { count: 2 * keys.length, kafka, timeoutMs: READ_MS });
    const partitionOf = (value: string) => new Map(read.filter((m) => m.value === value).map((m) => [m.key, m.partition]));
    const java = partitionOf('java');
    const js = partitionOf('kafkajs');
    expect(java.size).toBe(keys.length);
    for (const key of keys) expect({ key, partition: js.get(key) }).toEqual({ key, partition: java.get(key) });
  }, TEST_MS);
});
