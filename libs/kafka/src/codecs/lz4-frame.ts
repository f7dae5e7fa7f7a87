// Ambient typings for the untyped codec packages must travel with the file that imports them, or
// projects importing @hitboard/kafka (whose tsconfig does not include this lib's .d.ts) fail to typecheck.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../vendor.d.ts" />
/**
 * LZ4 *frame* format (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md), which
 * is what Kafka puts in an LZ4-compressed record batch (KIP-57; Java's Lz4BlockOutputStream).
 */
import { decompressBlock } from 'lz4js';
import { hash as xxh32 } from 'lz4js/xxh32';
import { compressLz4Block, lz4BlockBound, newLz4HashTable } from './lz4-block';

const MAGIC = 0x184d2204;
/** Skippable frames carry metadata, not data: 0x184D2A50 … 0x184D2A5F. */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;
const UNCOMPRESSED_BIT = 0x80000000;

/** Block maximum sizes by the BD byte's bits 6-4. */
const MAX_BLOCK_SIZE: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };

/**
 * What we write, matching Kafka's Java producer: version 01, independent blocks (Kafka's
 * Java reader refuses linked blocks: "Dependent block stream is unsupported"), no
 * checksums (the record batch has its own CRC), 64 KB blocks.
 */
const OUT_FLG = FLG_VERSION_01 | FLG_BLOCK_INDEPENDENCE;
const OUT_BLOCK_SIZE_ID = 4;
const OUT_BLOCK_SIZE = MAX_BLOCK_SIZE[OUT_BLOCK_SIZE_ID]!;

export class Lz4FrameError extends Error {
  override readonly name = 'Lz4FrameError';
}

/** Compresses `src` into one LZ4 frame. */
export function encodeLz4Frame(src: Uint8Array): Buffer {
  const blocks = Math.max(1, Math.ceil(src.length / OUT_BLOCK_SIZE));
  const out = Buffer.allocUnsafe(7 + blocks * (4 + lz4BlockBound(OUT_BLOCK_SIZE)) + 4);
  out.writeUInt32LE(MAGIC, 0);
  out[4] = OUT_FLG;
  out[5] = OUT_BLOCK_SIZE_ID << 4;
  out[6] = (xxh32(0, out, 4, 2) >>> 8) & 0xff; // header checksum: second byte of xxh32(FLG, BD)
  let o = 7;
  const table = newLz4HashTable();
  for (let s = 0; s < src.length; s += OUT_BLOCK_SIZE) {
    const chunk = src.subarray(s, Math.min(s + OUT_BLOCK_SIZE, src.length));
    const compressed = compressLz4Block(chunk, out.subarray(o + 4), table);
    if (compressed < chunk.length) {
      out.writeUInt32LE(compressed, o);
      o += 4 + compressed;
    } else {
      out.writeUInt32LE((UNCOMPRESSED_BIT | chunk.length) >>> 0, o);
      out.set(chunk, o + 4);
      o += 4 + chunk.length;
    }
  }
  out.writeUInt32LE(0, o); // end mark
  return out.subarray(0, o + 4);
}

/**
 * Decompresses one or more concatenated LZ4 frames. Reads the optional fields other
 * producers may set (content size, block and content checksums, linked blocks) but does not
 * verify checksums: the record batch's CRC covers the same bytes.
 */
export function decodeLz4Frame(src: Uint8Array): Buffer {
  const view = Buffer.from(src.buffer, src.byteOffset, src.byteLength);
  const parts: Buffer[] = [];
  let i = 0;
  while (i < view.length) {
    if (view.length - i < 4) throw new Lz4FrameError(`truncated LZ4 frame at byte ${i}`);
    const magic = view.readUInt32LE(i);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      i += 8 + view.readUInt32LE(i + 4);
      continue;
    }
    if (magic !== MAGIC) throw new Lz4FrameError(`not an LZ4 frame: magic 0x${magic.toString(16)} at byte ${i}`);
    const [part, next] = decodeOneFrame(view, i + 4);
    parts.push(part);
    i = next;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

function decodeOneFrame(src: Buffer, start: number): [Buffer, number] {
  let i = start;
  const flg = src[i++]!;
  const bd = src[i++]!;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01) throw new Lz4FrameError(`unsupported LZ4 frame version (FLG 0x${flg.toString(16)})`);
  if (flg & FLG_DICT_ID) throw new Lz4FrameError('LZ4 frames with a dictionary are not supported');
  const maxBlockSize = MAX_BLOCK_SIZE[(bd >> 4) & 7];
  if (maxBlockSize === undefined) throw new Lz4FrameError(`invalid LZ4 block size id in BD 0x${bd.toString(16)}`);
  const blockChecksum = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  if (flg & FLG_CONTENT_SIZE) i += 8;
  i++; // header checksum

  // First pass: an upper bound on the output, so blocks decode straight into one buffer
  // (linked blocks may refer back into earlier blocks' output).
  let bound = 0;
  for (let j = i; ; ) {
    if (j + 4 > src.length) throw new Lz4FrameError('truncated LZ4 frame: no end mark');
    const word = src.readUInt32LE(j);
    if (word === 0) break;
    const size = (word & ~UNCOMPRESSED_BIT) >>> 0;
    if (size > maxBlockSize) throw new Lz4FrameError(`LZ4 block of ${size} bytes exceeds the frame's ${maxBlockSize}`);
    bound += word & UNCOMPRESSED_BIT ? size : maxBlockSize;
    j += 4 + size + (blockChecksum ? 4 : 0);
  }

  const out = Buffer.allocUnsafe(bound);
  let o = 0;
  for (;;) {
    const word = src.readUInt32LE(i);
    i += 4;
    if (word === 0) break;
    const size = (word & ~UNCOMPRESSED_BIT) >>> 0;
    if (i + size > src.length) throw new Lz4FrameError('truncated LZ4 block');
    if (word & UNCOMPRESSED_BIT) {
      src.copy(out, o, i, i + size);
      o += size;
    } else {
      o = decompressBlock(src, out, i, size, o);
    }
    i += size + (blockChecksum ? 4 : 0);
  }
  if (flg & FLG_CONTENT_CHECKSUM) i += 4;
  return [out.subarray(0, o), i];
}
