import { SketchDecodeError, TopKSketch } from '@hitboard/topk';
import { decodeWindowBlob, encodeWindowBlob } from './window-blob';

const params = { eps: 1e-2, delta: 0.1, seed: 3, capacity: 20 };
const sketchOf = (...adds: Array<[string, number]>) => {
  const s = TopKSketch.create(params);
  for (const [key, units] of adds) s.add(key, units, units * 10);
  return s;
};

describe('window blob', () => {
  it('round-trips the overall state and every channel’s, whatever order the channels came in', () => {
    const overall = sketchOf(['a', 3], ['b', 4]);
    const web = sketchOf(['a', 3]);
    const app = sketchOf(['b', 4]);
    const blob = encodeWindowBlob({ overall, channels: new Map([['web', web], ['app', app]]) });
    expect(encodeWindowBlob({ overall, channels: new Map([['app', app], ['web', web]]) })).toEqual(blob);
    const back = decodeWindowBlob(blob);
    expect(back.overall.equals(overall)).toBe(true);
    expect([...back.channels.keys()]).toEqual(['app', 'web']);
    expect(back.channels.get('web')?.equals(web)).toBe(true);
    expect(back.channels.get('app')?.equals(app)).toBe(true);
  });

  it('reads a blob from before channels (a bare TopKSketch) as the overall state with no channel', () => {
    const overall = sketchOf(['a', 3]);
    const back = decodeWindowBlob(overall.encode());
    expect(back.overall.equals(overall)).toBe(true);
    expect(back.channels.size).toBe(0);
  });

  it('refuses an unknown channel, a channel twice, trailing or missing bytes', () => {
    const blob = encodeWindowBlob({ overall: sketchOf(['a', 1]), channels: new Map([['web', sketchOf(['a', 1])]]) });
    const renamed = Buffer.from(blob);
    renamed.write('wex', renamed.indexOf('web'), 'ascii');
    expect(() => decodeWindowBlob(renamed)).toThrow(/unknown channel "wex"/);
    const twice = Buffer.from(blob);
    twice.writeUInt8(2, 5); // claims two channels: the second read finds no bytes
    expect(() => decodeWindowBlob(twice)).toThrow(SketchDecodeError);
    expect(() => decodeWindowBlob(Buffer.concat([blob, Buffer.from([0])]))).toThrow(/1 trailing bytes/);
    expect(() => decodeWindowBlob(blob.subarray(0, blob.length - 3))).toThrow(SketchDecodeError);
    const web = sketchOf(['a', 1]).encode();
    const duplicated = Buffer.concat([Buffer.from(blob), Buffer.from([3]), Buffer.from('web'), Buffer.alloc(4), web]);
    duplicated.writeUInt32LE(web.length, blob.length + 4);
    duplicated.writeUInt8(2, 5);
    expect(() => decodeWindowBlob(duplicated)).toThrow(/channel web twice/);
  });
});
