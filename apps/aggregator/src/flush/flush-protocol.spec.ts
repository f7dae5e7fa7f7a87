import type { LedgerOutcome } from '../core/flush-types';
import { runFlush, type FlushIo, type FlushRange } from './flush-protocol';

const range: FlushRange = { partition: 2, flushId: 'p2-10-19', firstOffset: 10, lastOffset: 19, cells: [], watermarkMs: 5 };

function io(begin: LedgerOutcome, commit: LedgerOutcome, calls: string[]): FlushIo {
  return {
    beginFlush: async () => (calls.push('begin'), begin),
    writeFiles: async () => (calls.push('files'), [{ path: 'raw/x.parquet', hourMs: 0, rows: 1 }]),
    publish: async () => void calls.push('publish'),
    commitFlush: async (_p, _id, _f, _l, files, watermarkMs) => (calls.push(`commit ${files.length} ${watermarkMs}`), commit),
    step: (name, fn) => (calls.push(`step ${name}`), fn()),
    onStep: (step) => void calls.push(`@${step}`),
  };
}

describe('runFlush', () => {
  it('runs intend → files → publish → commit in order, each as a retried step, and says committed', async () => {
    const calls: string[] = [];
    expect((await runFlush(io('ok', 'ok', calls), range)).verdict).toBe('committed');
    expect(calls).toEqual([
      'step ledger-begin', 'begin', '@before-file',
      'step parquet', 'files', '@after-file',
      'step publish', 'publish', '@after-publish',
      'step ledger-commit', 'commit 1 5', '@after-ledger',
    ]);
  });

  it('writes and publishes nothing when the ledger refuses the intent', async () => {
    const calls: string[] = [];
    expect((await runFlush(io('conflict', 'ok', calls), range)).verdict).toBe('conflict');
    expect(calls).toEqual(['step ledger-begin', 'begin']);
  });

  it('says conflict when another instance committed the range first (the shell resets)', async () => {
    const calls: string[] = [];
    expect((await runFlush(io('ok', 'conflict', calls), range)).verdict).toBe('conflict');
    expect(calls).not.toContain('@after-ledger');
  });
});
