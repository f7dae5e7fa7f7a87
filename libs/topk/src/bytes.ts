import { SketchDecodeError } from './errors';

/**
 * Little-endian byte writer/reader for the checkpoint formats. Integers above 2^32 are
 * written as unsigned LEB128 varints (https://en.wikipedia.org/wiki/LEB128) using plain
 * arithmetic, since JS bit operators stop at 32 bits. Counters of a wide sketch are mostly
 * small, so varints make a checkpoint about 3x smaller than raw float64s.
 */
const floor = Math.floor; // read once: see hash.ts
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialBytes = 1024) {
    this.buf = new Uint8Array(Math.max(16, initialBytes));
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + extra));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Unsigned varint of a safe non-negative integer: at most 8 bytes (2^53 < 2^56). */
  varint(v: number): void {
    this.ensure(8);
    const buf = this.buf;
    let p = this.pos;
    while (v > 0x0fffffff) {
      buf[p++] = (v % 128) | 0x80;
      v = floor(v / 128);
    }
    while (v > 0x7f) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p++] = v;
    this.pos = p;
  }

  /** The written bytes, copied into an exactly-sized array. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export class ByteReader {
  private readonly view: DataView;
  pos = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw new SketchDecodeError(`truncated: need ${n} byte(s) for ${what} at offset ${this.pos}, have ${this.remaining}`);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(what: string): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Unsigned varint; rejects encodings longer than 8 bytes or above 2^53 - 1. */
  varint(what: string): number {
    const buf = this.buf;
    let p = this.pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (p >= buf.length) {
        this.pos = p;
        this.need(1, what);
      }
      const b = buf[p++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.pos = p;
        if (result > MAX_SAFE) throw new SketchDecodeError(`${what} exceeds 2^53 - 1 at offset ${p}`);
        return result;
      }
      scale *= 128;
    }
    throw new SketchDecodeError(`${what}: varint longer than 8 bytes at offset ${this.pos}`);
  }

  expectEnd(what: string): void {
    if (this.remaining !== 0) {
      throw new SketchDecodeError(`${this.remaining} trailing byte(s) after ${what}`);
    }
  }
}
