// Types for the untyped codec packages, limited to what this library calls.

declare module 'lz4js' {
  /** Decodes one raw LZ4 block from src[sIndex, sIndex+sLength) into dst at dIndex; returns the new dIndex. */
  export function decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number;
}

declare module 'lz4js/xxh32' {
  /** xxHash32 of src[index, index+length) with the given seed. */
  export function hash(seed: number, src: Uint8Array, index: number, length: number): number;
}

declare module 'kafkajs-snappy' {
  /** kafkajs codec factory: raw Snappy out; raw or xerial-framed (Java's SnappyOutputStream) in. */
  const SnappyCodec: () => {
    compress(encoder: { buffer: Buffer }): Promise<Buffer>;
    decompress(buffer: Buffer): Promise<Buffer>;
  };
  export = SnappyCodec;
}

declare module 'kafkajs/src/consumer/consumerGroup' {
  /** kafkajs 2.2.4's consumer group (internal; see consumer-recovery.ts for the members used). */
  const ConsumerGroup: { prototype: Record<string, unknown> };
  export = ConsumerGroup;
}

declare module 'kafkajs/src/protocol/error' {
  /** kafkajs's table of Kafka protocol error codes (what its KafkaJSProtocolError messages come from). */
  export const errorCodes: { type: string; code: number; retriable: boolean; message: string }[];
}
