/**
 * Micro-bench of the aggregator's hot-path check: `validateSaleEvent` on Kafka-like bytes, µs per
 * event, against the floor of decoding the same bytes (`JSON.parse` of the UTF-8 text), measured in
 * the same run. Three id mixes: printable-ASCII product ids (the fast path, no normalize call),
 * non-ASCII ids already in NFC, and ids in decomposed form (normalised to NFC).
 *
 *   npx tsx libs/schema/bench/validate-sale-event.ts [--events 200000] [--rounds 5]
 */
import { parseArgs } from 'node:util';
import { validateSaleEvent, type ValidatorOptions } from '../src/sale-event';

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

/** Best of `rounds` passes, µs per event (the best pass is the least disturbed by a shared machine). */
function measure(bytes: Buffer[], fn: (b: Buffer) => unknown): number {
  let best = Infinity;
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (const b of bytes) if (fn(b)) sink++;
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1000 / bytes.length);
  }
  if (sink < 0) console.log(sink);
  return best;
}

const mixes: Array<[string, Buffer[]]> = [
  ['printable-ASCII ids', payloads((i) => `p-${i % 100_000}`)],
  ['non-ASCII NFC ids', payloads((i) => `caf\u00e9-${i % 100_000}`)],
  ['decomposed ids (NFD → NFC)', payloads((i) => `cafe\u0301-${i % 100_000}`)],
];
console.log(`validateSaleEvent, ${events} events per pass, best of ${rounds} passes (node ${process.version})`);
for (const [name, bytes] of mixes) {
  const floor = measure(bytes, (b) => JSON.parse(b.toString('utf8')));
  const validate = measure(bytes, (b) => validateSaleEvent(b, options).ok);
  console.log(`${name.padEnd(28)} JSON.parse ${floor.toFixed(3)} µs  validate ${validate.toFixed(3)} µs  ratio ${(validate / floor).toFixed(2)}× the parse floor`);
}
