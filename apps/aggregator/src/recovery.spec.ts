import type { Admin, Consumer } from 'kafkajs';
import { Registry } from 'prom-client';
import { createLogger } from '@hitboard/runtime';
import type { RawFileWriter } from '@hitboard/lake';
import { readConfig } from './config';
import { RetryingSteps } from './flush/retrying-steps';
import type { Ledger } from './ledger';
import { createAggregatorMetrics } from './metrics';
import type { Partition } from './partition';
import { Recovery } from './recovery';

const TOPIC = 'recovery-spec-events';

/**
 * A partition's reset against a log that grows while it runs: `logEnds` answers each log-end read in
 * turn; `ledgerNext` is what the ledger says when opened. Returns what the reset left.
 */
async function reset(logEnds: number[], ledgerNext: number) {
  const reads = [...logEnds];
  const admin = {
    fetchTopicOffsets: async () => {
      const high = reads.length > 1 ? reads.shift()! : reads[0]!;
      return [{ partition: 0, offset: String(high), low: '0', high: String(high) }];
    },
    fetchTopicOffsetsByTimestamp: async () => [{ partition: 0, offset: '0' }],
  } as unknown as Admin;
  const ledger = { open: async () => ({ nextOffset: ledgerNext, intended: null, watermarkMs: null, updatedAtMs: 0, skippedLost: 0 }) } as unknown as Ledger;
  const paused: number[] = [];
  const sought: number[] = [];
  const consumer = {
    pause: ([p]: { partitions: number[] }[]) => paused.push(...p!.partitions),
    seek: ({ offset }: { offset: string }) => sought.push(Number(offset)),
  } as unknown as Consumer;
  const metrics = createAggregatorMetrics(new Registry());
  const log = createLogger('aggregator', 'silent');
  const recovery = new Recovery({
    config: readConfig({ TOPIC_EVENTS: TOPIC, DATABASE_URL: 'postgres://unused@127.0.0.1/unused' }),
    consumer,
    admin,
    ledger,
    writer: { removeOrphanTmpFiles: async () => [] } as unknown as RawFileWriter,
    steps: new RetryingSteps(metrics, log, new AbortController().signal),
    metrics,
    log,
  });
  const restored: number[] = [];
  const partition = {
    partition: 0,
    ready: false,
    blocked: null,
    flusher: { settle: async () => ({ verdict: 'none' }) },
    core: { clear: () => undefined, restore: (l: { nextOffset: number }) => restored.push(l.nextOffset), expectNext: ledgerNext, ledgerNext, intended: null },
  } as unknown as Partition;
  await recovery.reset(partition);
  return { blocked: partition.blocked, ready: partition.ready, paused, sought, restored };
}

describe('Recovery.reset: the ledger against the log end', () => {
  it('takes a partition whose ledger is within the log', async () => {
    const r = await reset([250], 250);
    expect(r).toMatchObject({ blocked: null, ready: true, paused: [], sought: [250], restored: [250] });
  });

  it('takes it when the log grew and the previous owner committed between the log-end read and the ledger read', async () => {
    // Seen in CI: a rebalance's revocation flush by the other instance committed 260 after this one read 250.
    const r = await reset([250, 260], 260);
    expect(r).toMatchObject({ blocked: null, ready: true, paused: [], sought: [260] });
  });

  it('refuses it when the ledger is still ahead of a log end read after it', async () => {
    const r = await reset([250, 250], 260);
    expect(r.blocked).toMatchObject({ reason: 'ledger-ahead-of-log', detail: 'ledger next_offset 260 > log end 250' });
    expect(r).toMatchObject({ ready: false, paused: [0], sought: [], restored: [] });
  });
});
