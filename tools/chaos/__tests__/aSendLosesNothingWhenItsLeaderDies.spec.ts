/**
 * Issue 29: a product-sums publish lost records when a broker died, and the flush committed anyway.
 * kafkajs 2.2.4's `send` remembers, within one call, which brokers already answered; after a
 * connection error it refreshes metadata and sends only to brokers that have not. A partition whose
 * leadership moved from the dead broker to one that had answered is never sent, and the call resolves.
 *
 * This drives the real kafkajs client against the real three-broker cluster (RF 3,
 * min.insync.replicas=2): the leader of the most partitions is killed -9 while
 * - two loops on one producer (as the aggregator's partitions share one) keep sending, each send
 *   retried until it resolves (as the flush step retries its publish): a send in flight when the
 *   leader dies is the hole. Without createProducer's re-send this lost 21 and 18 resolved records
 *   in two runs (kafkajs alone: resolved, never written);
 * - then a producer whose metadata still names the dead leader sends (kafkajs connects to every
 *   leader before it sends anything, so this one fails whole and is retried whole: no loss even
 *   without the re-send, kept as the other way a flush meets a dead leader);
 * and every record whose send resolved must be in the topic.
 *
 * Heavy (the cluster's three JVMs): runs with HITBOARD_CHAOS=1, in the chaos CI step.
 */
import type { Kafka, Producer } from 'kafkajs';
import { ACKS_ALL, createProducer } from '@hitboard/kafka';
import { waitFor } from '@hitboard/testkit';
import { useClusterTopic } from './support/cluster-topic';

const enabled = process.env['HITBOARD_CHAOS'] === '1';
const maybe = enabled ? describe : describe.skip;

const PARTITIONS = 6;
/** Keys per send: enough that every partition gets some (murmur2 of `k<i>` spreads them). */
const KEYS_PER_SEND = 60;

maybe('a send loses nothing when the leader of one of its partitions dies (three-broker cluster)', () => {
  jest.setTimeout(5 * 60_000);
  const ct = useClusterTopic({
    prefix: 'sends-through-a-kill',
    clientId: 'send-through-kill',
    partitions: PARTITIONS,
    configEntries: [{ name: 'min.insync.replicas', value: '2' }],
  });
  const { topic, leaders } = ct;

  it('every record of a resolved send is in the topic', async () => {
    const { kafka } = ct;
    const stale = createProducer(kafka, { allowAutoTopicCreation: false });
    const busy = createProducer(kafka, { allowAutoTopicCreation: false });
    await Promise.all([stale.connect(), busy.connect()]);
    const resolved: string[] = [];
    const send = async (producer: Producer, values: string[]): Promise<void> => {
      await producer.send({ topic, acks: ACKS_ALL, messages: values.map((v) => ({ key: v.split('/')[1]!, value: v })) });
      resolved.push(...values);
    };
    const batch = (who: string, n: number) => Array.from({ length: KEYS_PER_SEND }, (_, i) => `${who}-${n}/k${i}`);
    // Both producers learn every partition's leader (metadata cached for metadataMaxAge, 5 min).
    await send(stale, batch('warm', 0));
    await send(busy, batch('warm', 1));

    const before = await leaders();
    const byLeader = new Map<number, number[]>();
    for (const [p, node] of before) byLeader.set(node, [...(byLeader.get(node) ?? []), p]);
    expect(byLeader.size).toBeGreaterThan(1); // the dead leader's partitions must move to a broker that also answers
    // Node ids are the cluster's 1-based node numbers (kafka.sh: node.id = N).
    const victim = [...byLeader.entries()].sort((a, b) => b[1].length - a[1].length)[0]![0];

    let loopsRun = true;
    let moved = false;
    let sendsFailed = 0;
    let sendsAfterMove = 0;
    const loop = async (who: string): Promise<void> => {
      for (let n = 0; loopsRun; n++) {
        const values = batch(who, n);
        // Retried until it resolves, as the aggregator's flush step retries its publish.
        for (;;) {
          try {
            await send(busy, values);
            break;
          } catch {
            sendsFailed++;
          }
        }
        if (moved) sendsAfterMove++;
      }
    };
    const loops = [loop('a'), loop('b')];
    await waitFor('the loops to send', async () => resolved.length > 4 * KEYS_PER_SEND, 30_000);

    ct.kill(victim);
    await waitFor(
      `every partition led by a live broker (node ${victim} killed)`,
      async () => [...(await leaders().catch(() => new Map<number, number>())).values()].every((node) => node !== victim && node >= 0),
      60_000,
      250,
    );
    moved = true;
    // The stale producer has not sent since the kill: its metadata still names the dead leader.
    await send(stale, batch('stale', 0));
    await waitFor('the loops to send after the leaders moved', async () => sendsAfterMove >= 4, 60_000);
    loopsRun = false;
    await Promise.all(loops);
    await Promise.all([stale.disconnect(), busy.disconnect()]);

    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const held = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    const inTopic = new Set(await readAll(kafka, topic, held));
    const lost = resolved.filter((v) => !inTopic.has(v));
    const lostBySender = Object.fromEntries([...new Set(lost.map((v) => v.split('/')[0]!))].map((w) => [w, lost.filter((v) => v.startsWith(`${w}/`)).length]));
    expect({ victim, lost: lost.length, lostBySender }).toEqual({ victim, lost: 0, lostBySender: {} });
    // A failed send is re-sent whole (at least once): duplicates are allowed, a loss is not.
    process.stdout.write(`[send-through-kill] node ${victim} killed; ${resolved.length} records resolved, ${held} in the topic, ${sendsFailed} sends failed and retried\n`);
  });
});

/** Every record's value, read from the beginning until `count` arrived. */
async function readAll(kafka: Kafka, topic: string, count: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `${topic}.reader`, maxWaitTimeInMs: 200 });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
    await waitFor(`${count} records read from ${topic}`, async () => values.length >= count, 60_000);
  } finally {
    await consumer.disconnect();
  }
  return values;
}
