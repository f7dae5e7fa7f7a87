/**
 * Micro-bench of the aggregator's hot-path check: `validateSaleEvent` on Kafka-like bytes, µs per
 * event, against the floor of decoding the same bytes (`JSON.parse` of the UTF-8 text), measured in
 * the same run. Three id mixes: printable-ASCII product ids (the fast path, no normalize call),
 * non-ASCII ids already in NFC, and ids in decomposed form (normalised to NFC).
 *
 *   npx tsx libs/schema/bench/validate-sale-event.ts [--events 200000] [--rounds 5]
 */
import { parseArgs } from 'node:util';
import { isPrintableAscii, normalizeProductId, validateSaleEvent, type ValidatorOptions } from '../src/sale-event';

const { values } = parseArgs({ options: { events: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('usage: npx tsx libs/schema/bench/validate-sale-event.ts [--events N] [--rounds R]\nPrints µs per event for JSON.parse (floor) and validateSaleEvent on three product-id mixes.');
  process.exit(0);
}
const events = Number(values.events);
const rounds = Number(values.rounds);
const NOW = Date.parse('2026-11-22T12:00:00Z');
const options: ValidatorOptions = { now: () => NOW };

function payloads(productId: (i: number) => string): Buffer[] {
  return Array.from({ length: events }, (_, i) =>
    Buffer.from(
      JSON.stringify({
        event_id: `e-${i}`,
        order_id: `o-${i >> 1}`,
        product_id: productId(i),
        quantity: 1 + (i % 3),
        unit_price_cents: 1999,
        currency: 'USD',
        occurred_at: new Date(NOW - (i % 3_600_000)).toISOString(),
        store_id: `s-${i % 50}`,
        user_id: `u-${i % 10_000}`,
        channel: 'web',
      }),
    ),
  );
}

/** µs per event of one pass. */
function pass(bytes: Buffer[], fn: (b: Buffer) => unknown): number {
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (const b of bytes) if (fn(b)) sink++;
  const us = Number(process.hrtime.bigint() - t0) / 1000 / bytes.length;
  if (sink < 0) console.log(sink);
  return us;
}

const idMixes: Array<[string, (i: number) => string]> = [
  ['printable-ASCII ids', (i) => `p-${i % 100_000}`],
  ['non-ASCII NFC ids', (i) => `caf\u00e9-${i % 100_000}`],
  ['decomposed ids (NFD → NFC)', (i) => `cafe\u0301-${i % 100_000}`],
];
const mixes: Array<[string, Buffer[]]> = idMixes.map(([name, id]) => [name, payloads(id)]);
console.log(`validateSaleEvent, ${events} events per pass, best of ${rounds} interleaved passes (node ${process.version})`);
for (const [name, bytes] of mixes) {
  // Interleaved, best of each: the least disturbed passes on a shared machine.
  let floor = Infinity;
  let validate = Infinity;
  for (let r = 0; r < rounds; r++) {
    floor = Math.min(floor, pass(bytes, (b) => JSON.parse(b.toString('utf8'))));
    validate = Math.min(validate, pass(bytes, (b) => validateSaleEvent(b, options).ok));
  }
  console.log(
    `${name.padEnd(28)} JSON.parse ${floor.toFixed(3)} µs  validate ${validate.toFixed(3)} µs  checks alone ${(validate - floor).toFixed(3)} µs  ratio ${(validate / floor).toFixed(2)}× the parse floor`,
  );
}

// The product-id step alone (what this check adds to the validator), per id, against a loop that
// only reads the id's length.
console.log('product-id step alone (isPrintableAscii, else normalizeProductId), ns per id:');
for (const [name, id] of idMixes) {
  const ids = Array.from({ length: events }, (_, i) => id(i));
  let base = Infinity;
  let step = Infinity;
  for (let r = 0; r < rounds; r++) {
    let sink = 0;
    let t0 = process.hrtime.bigint();
    for (const x of ids) sink += x.length;
    base = Math.min(base, Number(process.hrtime.bigint() - t0) / ids.length);
    t0 = process.hrtime.bigint();
    for (const x of ids) sink += (isPrintableAscii(x) ? x : (normalizeProductId(x) ?? '')).length;
    step = Math.min(step, Number(process.hrtime.bigint() - t0) / ids.length);
    if (sink < 0) console.log(sink);
  }
  console.log(`${name.padEnd(28)} loop ${base.toFixed(1)} ns  with the step ${step.toFixed(1)} ns  step alone ${(step - base).toFixed(1)} ns`);
}
