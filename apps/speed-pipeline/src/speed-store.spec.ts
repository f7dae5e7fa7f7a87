import { HitboardError, isRetriable } from '@hitboard/errors';
import { CheckpointFormatError, ShardFencedError, SpeedStoreError } from './speed-store';

const pgError = (code: string) => Object.assign(new Error(`pg says ${code}`), { code });

describe('speed store errors', () => {
  it('are HitboardErrors; retriable follows the SQLSTATE class', () => {
    const cases: Array<[unknown, boolean]> = [
      [pgError('08006'), true], // connection failure
      [pgError('57P01'), true], // admin shutdown
      [pgError('40001'), true], // serialization failure
      [pgError('53300'), true], // too many connections
      [pgError('22021'), false], // invalid byte sequence (a NUL in text)
      [pgError('23514'), false], // check violation
      [pgError('42P01'), false], // undefined table
      [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), true],
      [new Error('Knex: Timeout acquiring a connection'), true],
    ];
    for (const [cause, retriable] of cases) {
      const err = new SpeedStoreError(3, 'speed write', cause);
      expect(err).toBeInstanceOf(HitboardError);
      expect([(cause as Error).message, isRetriable(err)]).toEqual([(cause as Error).message, retriable]);
      expect(err.cause).toBe(cause);
      expect(err.message).toMatch(/^speed write of shard 3 failed/);
    }
  });

  it('never retries a fenced write or an unreadable checkpoint', () => {
    expect(isRetriable(new ShardFencedError('t', 0, 5n))).toBe(false);
    expect(isRetriable(new CheckpointFormatError(0, 2))).toBe(false);
    expect(new ShardFencedError('t', 0, 5n)).toBeInstanceOf(HitboardError);
  });
});
