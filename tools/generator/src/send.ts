import { clock } from '@hitboard/runtime';
import type { Producer } from 'kafkajs';
import type { GroundTruthWriter } from './ground-truth';
import type { GeneratorCheckpoint, CheckpointFile } from './resume-state';
import { batches, CHUNK_MS, chunkFloor, truthOf, type Emission, type SalesStream, type StreamPosition } from './stream';

export interface RunOptions {
  stream: SalesStream;
  from: StreamPosition;
  /** Stop before the chunk starting here (Infinity: until aborted or `maxValid`). */
  untilMs: number;
  /** Stop after this many valid events (exact). */
  maxValid?: number;
  /** Messages per producer send (a batch may run over by the rest of one chunk). */
  batchSize: number; // e.g. 2000
  /** Sends one batch; resolves once every message is acknowledged. */
  send(emissions: Emission[]): Promise<void>;
  truth?: GroundTruthWriter;
  /** Where a resumable run records what it sent (see CheckpointFile). */
  checkpoint?: { file: CheckpointFile; state: GeneratorCheckpoint };
  signal?: AbortSignal;
  onBatch?(progress: RunProgress): void;
  /** The clock that paces live chunks (a chunk is sent once its second has passed). */
  now?: () => number;
}

export interface RunProgress {
  position: StreamPosition;
  validEvents: number;
  messages: number;
}

/**
 * Sends the stream from a position: chunks already in the past as fast as Kafka takes them, later
 * ones as their second passes (live). Each batch: record it as in flight, send (acks from all
 * replicas), append its valid events to the ground truth, then record the new position. A crash
 * anywhere leaves a resumable state (see CheckpointFile).
 */
export async function runStream(o: RunOptions): Promise<RunProgress> {
  const now = o.now ?? clock.now;
  const maxValid = o.maxValid ?? Infinity;
  const done: RunProgress = { position: { ...o.from }, validEvents: 0, messages: 0 };
  while (done.position.chunkStartMs < o.untilMs && done.validEvents < maxValid && !o.signal?.aborted) {
    const edgeMs = Math.min(o.untilMs, chunkFloor(now()));
    if (done.position.chunkStartMs >= edgeMs) {
      await sleep(Math.max(20, done.position.chunkStartMs + CHUNK_MS - now()), o.signal);
      continue;
    }
    for (const { emissions, next } of batches(o.stream, done.position, edgeMs, o.batchSize, maxValid - done.validEvents)) {
      if (o.checkpoint) o.checkpoint.file.write((o.checkpoint.state = { ...o.checkpoint.state, inflightUntil: next }));
      if (emissions.length > 0) await o.send(emissions);
      const valid = truthOf(emissions);
      o.truth?.append(valid);
      o.truth?.appendSpikes(emissions.flatMap((e) => (e.kind === 'event' && e.spike ? [e] : [])));
      done.position = next;
      done.validEvents += valid.length;
      done.messages += emissions.length;
      if (o.checkpoint) {
        const state = o.checkpoint.state;
        o.checkpoint.file.write((o.checkpoint.state = { ...state, position: next, inflightUntil: null, sentEvents: state.sentEvents + valid.length }));
      }
      o.onBatch?.(done);
      if (o.signal?.aborted) break;
    }
  }
  return done;
}

/** A sender for runStream: the messages to `topic`, keyed by product_id, acknowledged by every in-sync replica. */
export function kafkaSender(producer: Producer, topic: string): (emissions: Emission[]) => Promise<void> {
  return async (emissions) => {
    await producer.send({ topic, acks: -1, messages: emissions.map((e) => ({ key: e.key, value: e.value, timestamp: String(clock.now()) })) }); // Kafka's timestamp from the one clock: the aggregator judges "the future" and dedupes by it
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
