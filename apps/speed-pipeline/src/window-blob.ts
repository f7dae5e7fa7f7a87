import { isStoredChannel, type StoredChannel } from '@hitboard/schema';
import { SketchDecodeError, TopKSketch } from '@hitboard/topk';

/**
 * One open window's checkpoint blob (a `speed_checkpoint_windows.state`): the overall top-K state
 * and one per channel seen in the window (issue 27). Little-endian:
 *
 *   u32 magic 'HBCW' | u8 version (1) | u8 channel count | u32 byte length, overall TopKSketch
 *   per channel: u8 name length, ASCII name, u32 byte length, that channel's TopKSketch
 *
 * A blob written before channels is a bare TopKSketch (magic 'HBTK'): it decodes as the overall
 * state with no channel, so a restored window keeps its overall figures and its channels start empty.
 */
const MAGIC = 0x57434248; // 'HBCW' little-endian
const VERSION = 1;
const TOPK_MAGIC = 0x4b544248; // 'HBTK': TopKSketch's, a blob from before channels

export interface WindowSketches {
  overall: TopKSketch;
  channels: ReadonlyMap<StoredChannel, TopKSketch>;
}

export function encodeWindowBlob({ overall, channels }: WindowSketches): Uint8Array {
  // Sorted: equal states give equal bytes, whatever order the channels arrived in.
  const parts = [...channels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([c, s]) => [Buffer.from(c, 'ascii'), s.encode()] as const);
  const whole = overall.encode();
  const size = 6 + 4 + whole.length + parts.reduce((n, [name, bytes]) => n + 1 + name.length + 4 + bytes.length, 0);
  const out = Buffer.alloc(size);
  let pos = out.writeUInt32LE(MAGIC, 0);
  pos = out.writeUInt8(VERSION, pos);
  pos = out.writeUInt8(parts.length, pos);
  pos = out.writeUInt32LE(whole.length, pos);
  out.set(whole, pos);
  pos += whole.length;
  for (const [name, bytes] of parts) {
    pos = out.writeUInt8(name.length, pos);
    out.set(name, pos);
    pos += name.length;
    pos = out.writeUInt32LE(bytes.length, pos);
    out.set(bytes, pos);
    pos += bytes.length;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Decodes `encodeWindowBlob`'s output, or a bare TopKSketch from before channels; throws `SketchDecodeError` on anything else. */
export function decodeWindowBlob(bytes: Uint8Array): WindowSketches {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 4 && buf.readUInt32LE(0) === TOPK_MAGIC) return { overall: TopKSketch.decode(bytes), channels: new Map() };
  let pos = 0;
  const need = (n: number, what: string): void => {
    if (pos + n > buf.length) throw new SketchDecodeError(`window blob truncated in ${what}`);
  };
  const sketch = (what: string): TopKSketch => {
    need(4, `${what} length`);
    const len = buf.readUInt32LE(pos);
    pos += 4;
    need(len, what);
    const s = TopKSketch.decode(bytes.subarray(pos, pos + len));
    pos += len;
    return s;
  };
  need(6, 'the header');
  const magic = buf.readUInt32LE(0);
  if (magic !== MAGIC) throw new SketchDecodeError(`not a window blob: bad magic 0x${magic.toString(16)}`);
  const version = buf.readUInt8(4);
  if (version !== VERSION) throw new SketchDecodeError(`unsupported window blob version ${version} (this build reads ${VERSION})`);
  const count = buf.readUInt8(5);
  pos = 6;
  const overall = sketch('the overall state');
  const channels = new Map<StoredChannel, TopKSketch>();
  for (let i = 0; i < count; i++) {
    need(1, 'a channel name length');
    const len = buf.readUInt8(pos);
    pos += 1;
    need(len, 'a channel name');
    const name = buf.toString('ascii', pos, pos + len);
    pos += len;
    if (!isStoredChannel(name)) throw new SketchDecodeError(`window blob names an unknown channel ${JSON.stringify(name)}`);
    if (channels.has(name)) throw new SketchDecodeError(`window blob holds channel ${name} twice`);
    channels.set(name, sketch(`channel ${name}`));
  }
  if (pos !== buf.length) throw new SketchDecodeError(`window blob has ${buf.length - pos} trailing bytes`);
  return { overall, channels };
}
