#!/usr/bin/env tsx
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { createKafka } from '@hitboard/kafka';
import { TOPICS, type SaleEvent } from '@hitboard/schema';
import { runMain } from '@hitboard/runtime';
import { makeCatalog } from './catalog';
import { generateEvents } from './events';
import { publishCatalog } from './publish-catalog';

const HELP = `Usage: hitboard-generate [options]

Makes realistic sale events (Zipf-skewed products, a daily cycle, multi-line orders,
stores, users, locations) and sends them to Kafka keyed by product_id, or prints them
as NDJSON. Deterministic for a seed.

Options:
  --events N          how many events (order lines)             (default 100000)
  --products N        catalog size                              (default 10000)
  --zipf S            Zipf exponent of product popularity       (default 1.0)
  --seed N            seed; the same seed makes the same events (default 1)
  --from ISO|now-Nh   first event time: an ISO instant, or now-30m/now-6h/now-7d (default now-1h)
  --to ISO|now        end of the time range                     (default now)
  --rate N            events per second, 0 = as fast as possible (default 0)
  --out kafka|stdout  where events go                           (default kafka)
  --topic NAME        Kafka topic                               (default ${TOPICS.salesEvents})
  --catalog           also upsert the catalog into DATABASE_URL's products table
  -h, --help          this text

Environment: KAFKA_BROKERS (host:port,…; default 127.0.0.1:19092), DATABASE_URL (for --catalog).`;

export function parseTime(value: string, nowMs: number): number {
  if (value === 'now') return nowMs;
  const relative = /^now-(\d+)([mhd])$/.exec(value);
  if (relative) return nowMs - Number(relative[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`not a time: ${value} (use an ISO instant, now, or now-30m/now-6h/now-7d)`);
  return ms;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '100000' },
      products: { type: 'string', default: '10000' },
      zipf: { type: 'string', default: '1.0' },
      seed: { type: 'string', default: '1' },
      from: { type: 'string', default: 'now-1h' },
      to: { type: 'string', default: 'now' },
      rate: { type: 'string', default: '0' },
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
  const nowMs = Date.now();
  const options = {
    events: positiveInt('events', values.events),
    products: positiveInt('products', values.products),
    zipfExponent: Number(values.zipf),
    seed: positiveInt('seed', values.seed),
    startMs: parseTime(values.from, nowMs),
    endMs: parseTime(values.to, nowMs),
  };
  const ratePerSec = Number(values.rate);
  if (!['kafka', 'stdout'].includes(values.out)) throw new Error(`--out must be kafka or stdout, got ${values.out}`);

  const catalog = makeCatalog(options.products, options.seed);
  if (values.catalog) {
    const url = process.env['DATABASE_URL'];
    if (!url) throw new Error('--catalog needs DATABASE_URL');
    await publishCatalog(url, catalog);
    process.stderr.write(`catalog: ${catalog.length} products upserted\n`);
  }

  const events = generateEvents(options, catalog);
  if (values.out === 'stdout') {
    for (const event of events) process.stdout.write(`${JSON.stringify(event)}\n`);
    return;
  }

  const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',');
  const producer = createKafka({ brokers, clientId: 'hitboard-generator' }).producer();
  await producer.connect();
  const bar = new SingleBar({ format: 'generate |{bar}| {percentage}% {value}/{total} events {eta_formatted} left', stream: process.stderr }, Presets.shades_classic);
  bar.start(options.events, 0);
  const started = Date.now();
  try {
    let batch: SaleEvent[] = [];
    let sent = 0;
    const flush = async () => {
      await producer.send({ topic: values.topic, acks: -1, messages: batch.map((e) => ({ key: e.product_id, value: JSON.stringify(e) })) });
      sent += batch.length;
      batch = [];
      bar.update(sent);
      if (ratePerSec > 0) {
        const aheadMs = (sent / ratePerSec) * 1000 - (Date.now() - started);
        if (aheadMs > 0) await new Promise((r) => setTimeout(r, aheadMs));
      }
    };
    const batchSize = ratePerSec > 0 ? Math.max(1, Math.min(1000, Math.round(ratePerSec / 10))) : 5000;
    for (const event of events) {
      batch.push(event);
      if (batch.length >= batchSize) await flush();
    }
    if (batch.length) await flush();
  } finally {
    bar.stop();
    await producer.disconnect();
  }
  const seconds = (Date.now() - started) / 1000;
  process.stderr.write(`sent ${options.events} events to ${values.topic} in ${seconds.toFixed(1)} s (${Math.round(options.events / seconds)}/s)\n`);
}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number, got ${value}`);
  return n;
}

if (require.main === module) runMain(main);
