#!/usr/bin/env tsx
import { clock } from '@hitboard/runtime';
import { parseArgs } from 'node:util';
import { MultiBar, Presets } from 'cli-progress';
import { createKafka, createProducer } from '@hitboard/kafka';
import { TOPICS } from '@hitboard/schema';
import { brokersFromEnv, runMain } from '@hitboard/runtime';
import { makeCatalog } from './catalog';
import { GroundTruthWriter } from './ground-truth';
import { planResume, CheckpointFile, type GeneratorCheckpoint } from './resume-state';
import { publishCatalog } from './publish-catalog';
import { kafkaSender, runStream } from './send';
import { ListedSpikes, parseSpike } from './spikes';
import { chunkFloor, SalesStream, type Emission, type Segment } from './stream';
import { parseDuration, parseTime } from './time-args';

const HELP = `Usage: hitboard-generate [options]

Makes realistic sale events and sends them to Kafka keyed by product_id (or prints them as NDJSON):
a catalog with names, categories and prices in cents; Zipf-skewed popularity that drifts over
hours and days; a daily cycle and busier weekends; orders of several lines; stores, users,
channels and locations; plus chosen shares of late events, duplicate sends and malformed
messages. Event time runs from --from: seconds already past are sent as fast as Kafka takes
them (history), later ones as they happen (live). Deterministic for a seed: the same options
make the same messages, event ids included.

Options:
  --from T              first event time: ISO instant, now, or now-30m / now-6h / now-3d (default now-1h)
  --to T                end of event time (exclusive): ISO, now, now+2h, or never      (default now)
  --duration D          instead of --to: this much event time from --from (90s, 10m, 2h, 3d)
  --events N            stop after exactly N valid events
  --rate N              valid events per second, weekly average (the daily cycle shapes it) (default 30)
  --history-rate N      the rate for event time before now, if different                    (default --rate)
  --products N          catalog size                                                      (default 10000)
  --zipf S              Zipf exponent of product popularity                              (default 1.0)
  --drift D             how much popularity drifts over hours and days, 0 = fixed         (default 0.6)
  --late-share F        share of events that arrive 1 min … --late-max after they happened (default 0.01)
  --late-max D          how late a late event can be                                       (default 3h)
  --duplicate-share F   share of events sent twice (a producer's retry)                    (default 0.005)
  --malformed-share F   malformed messages per valid event                                 (default 0.002)
  --spike P@T×F[/D]     product P sells F times its usual from event time T for D (default 30m),
                        e.g. P000042@now+5m×20/10m or P000042@2026-11-20T18:00:00Z×8 (x for ×;
                        T as --from, D as --duration); repeatable. The extra sales are one-line
                        orders on top of the usual stream (which stays the same); with --truth each
                        spike is recorded in <truth>.spikes.ndjson (product, start, end, factor,
                        duration, first sale). Give T as an ISO instant to resume with the same spikes.
  --seed N              seed of the events; the same seed makes the same events          (default 1)
  --truth FILE          write the ground truth (valid, distinct events) to FILE: .ndjson (appended) or .parquet
  --checkpoint FILE     resume file: a later run with the same file continues where this one stopped
                        (--progress FILE: its old name, still accepted)
  --out kafka|stdout    where messages go                                                 (default kafka)
  --topic NAME          Kafka topic                                                        (default ${TOPICS.salesEvents})
  --catalog             also upsert the catalog into DATABASE_URL's products table
  -h, --help            this text

Environment: KAFKA_BROKERS (host:port,…; default 127.0.0.1:19092), DATABASE_URL (for --catalog).
Ctrl-C stops after the batch in flight (with --checkpoint, a later run resumes there).`;

function share(name: string, value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n < 1)) throw new Error(`--${name} must be a fraction in [0, 1), got ${value}`);
  return n;
}

function positive(name: string, value: string, integer = true): number {
  const n = Number(value);
  if (!(n > 0) || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be a positive ${integer ? 'whole ' : ''}number, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      from: { type: 'string', default: 'now-1h' },
      to: { type: 'string' },
      duration: { type: 'string' },
      events: { type: 'string' },
      rate: { type: 'string', default: '30' },
      'history-rate': { type: 'string' },
      products: { type: 'string', default: '10000' },
      zipf: { type: 'string', default: '1.0' },
      drift: { type: 'string', default: '0.6' },
      'late-share': { type: 'string', default: '0.01' },
      'late-max': { type: 'string', default: '3h' },
      'duplicate-share': { type: 'string', default: '0.005' },
      'malformed-share': { type: 'string', default: '0.002' },
      spike: { type: 'string', multiple: true, default: [] },
      seed: { type: 'string', default: '1' },
      truth: { type: 'string' },
      checkpoint: { type: 'string' },
      progress: { type: 'string' }, // the old name of --checkpoint
      out: { type: 'string', default: 'kafka' },
      topic: { type: 'string', default: TOPICS.salesEvents },
      catalog: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (!['kafka', 'stdout'].includes(values.out)) throw new Error(`--out must be kafka or stdout, got ${values.out}`);
  if (values.to && values.duration) throw new Error('give --to or --duration, not both');
  const nowMs = clock.now();
  const fromMs = chunkFloor(parseTime(values.from, nowMs));
  const maxValid = values.events ? positive('events', values.events) : undefined;
  // Default end: now, unless a count is given (then as long as it takes).
  const untilMs = values.duration ? fromMs + parseDuration(values.duration) : values.to ? parseTime(values.to, nowMs) : maxValid ? Infinity : nowMs;
  if (!(untilMs > fromMs)) throw new Error('the end of event time must be after --from');
  const ratePerSec = positive('rate', values.rate, false);
  const historyRate = values['history-rate'] ? positive('history-rate', values['history-rate'], false) : ratePerSec;
  const seed = positive('seed', values.seed);
  const products = positive('products', values.products);
  const segments: Segment[] = fromMs < chunkFloor(nowMs) && historyRate !== ratePerSec ? [{ fromMs, ratePerSec: historyRate }, { fromMs: chunkFloor(nowMs), ratePerSec }] : [{ fromMs, ratePerSec }];

  const catalog = makeCatalog(products, seed);
  if (values.catalog) {
    const url = process.env['DATABASE_URL'];
    if (!url) throw new Error('--catalog needs DATABASE_URL');
    await publishCatalog(url, catalog);
    process.stderr.write(`catalog: ${catalog.length} products upserted\n`);
  }

  const checkpointPath = values.checkpoint ?? values.progress;
  const checkpointFile = checkpointPath ? new CheckpointFile(checkpointPath) : null;
  const fresh: GeneratorCheckpoint = { seed, products, segments, position: { chunkStartMs: fromMs, emitted: 0 }, inflightUntil: null, sentEvents: 0 };
  const plan = planResume(checkpointFile?.read() ?? null, fresh, nowMs, { maxCatchUpMs: Infinity });
  if (plan.resumed) process.stderr.write(`resuming at ${new Date(plan.continueFrom.chunkStartMs).toISOString()} (${plan.state.sentEvents} events sent before)\n`);
  const stream = new SalesStream({
    seed,
    catalog,
    segments: plan.state.segments,
    zipfExponent: Number(values.zipf),
    drift: Number(values.drift),
    lateShare: share('late-share', values['late-share']),
    lateMaxMs: parseDuration(values['late-max']),
    duplicateShare: share('duplicate-share', values['duplicate-share']),
    malformedShare: share('malformed-share', values['malformed-share']),
    spikes: new ListedSpikes(values.spike.map((v) => parseSpike(v, nowMs)), catalog),
  });
  const truth = values.truth ? new GroundTruthWriter(values.truth) : undefined;
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());

  let send: (emissions: Emission[]) => Promise<void>;
  let close = async () => {};
  if (values.out === 'stdout') {
    send = async (emissions) => void process.stdout.write(emissions.map((e) => `${e.value}\n`).join(''));
  } else {
    const brokers = brokersFromEnv();
    const producer = createProducer(createKafka({ brokers, clientId: 'hitboard-generator' }));
    await producer.connect();
    send = kafkaSender(producer, values.topic);
    close = () => producer.disconnect();
  }

  // Progress: event time covered (history and live), and valid events sent.
  const bars = new MultiBar({ format: '{label} |{bar}| {percentage}% {detail}', stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  const total = maxValid ?? (Number.isFinite(untilMs) ? (untilMs - plan.continueFrom.chunkStartMs) / 1000 : 0);
  const bar = bars.create(Math.max(1, total), 0, { label: 'generate', detail: '' });
  const started = clock.now();
  let sent = 0;
  let messages = 0;
  try {
    const checkpoint = checkpointFile ? { file: checkpointFile, state: plan.state } : undefined;
    const onBatch = (p: { position: { chunkStartMs: number }; validEvents: number; messages: number }) => {
      const at = new Date(p.position.chunkStartMs).toISOString().slice(0, 19);
      const value = maxValid ? sent + p.validEvents : (p.position.chunkStartMs - plan.continueFrom.chunkStartMs) / 1000;
      bar.update(Math.min(value, Math.max(1, total)), { label: 'generate', detail: `${(sent + p.validEvents).toLocaleString('en')} events, event time ${at}Z${p.position.chunkStartMs >= chunkFloor(clock.now()) - 1000 ? ' (live)' : ''}` });
    };
    if (plan.replayUntilMs !== null) {
      const replayed = await runStream({ stream, from: plan.state.position, untilMs: plan.replayUntilMs, batchSize: 2000, send, truth, checkpoint, signal: abort.signal });
      sent += replayed.validEvents;
      messages += replayed.messages;
    }
    const result = await runStream({ stream, from: plan.continueFrom, untilMs, maxValid: maxValid === undefined ? undefined : maxValid - sent, batchSize: 2000, send, truth, checkpoint, signal: abort.signal, onBatch });
    sent += result.validEvents;
    messages += result.messages;
  } finally {
    bars.stop();
    await close();
    await truth?.close();
  }
  const seconds = (clock.now() - started) / 1000;
  process.stderr.write(`sent ${sent} valid events (${messages} messages with duplicates and malformed) to ${values.out === 'kafka' ? values.topic : 'stdout'} in ${seconds.toFixed(1)} s${truth ? `; ground truth in ${values.truth}` : ''}\n`);
}

if (require.main === module) runMain(main);
