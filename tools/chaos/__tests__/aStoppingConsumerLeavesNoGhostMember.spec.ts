/**
 * Issue 29: a consumer that stops (or that kafkajs restarts after a crash) must leave its group first.
 * kafkajs 2.2.4 sends the LeaveGroup to the coordinator it found at its last join; when that broker
 * has just died, the request fails, the error is swallowed, and the member stays in the group until its
 * session expires: a "ghost" the next rebalance waits for (37 s of the 45 s stop).
 *
 * The real kafkajs client on the three-broker cluster: a consumer with a 30 s session joins; the broker
 * coordinating its group is killed -9 and the consumer disconnects at once. The group must be empty as
 * soon as the coordinator has moved, long before the session could expire it.
 *
 * Heavy (the cluster's three JVMs): runs with HITBOARD_CHAOS=1, in the chaos CI step.
 */
import { waitFor } from '@hitboard/testkit';
import { coordinatorNode } from '../src/coordinator';
import { useClusterTopic } from './support/cluster-topic';

const enabled = process.env['HITBOARD_CHAOS'] === '1';
const maybe = enabled ? describe : describe.skip;

/** Long enough that a member which never left is still listed when the group is described. */
const SESSION_TIMEOUT_MS = 30_000;

maybe('a stopping consumer leaves no ghost member when its coordinator just died (three-broker cluster)', () => {
  jest.setTimeout(5 * 60_000);
  const ct = useClusterTopic({ prefix: 'no-ghost', clientId: 'no-ghost', partitions: 3 });
  const { topic } = ct;
  const groupId = `${topic}.group`;

  async function members(): Promise<number | undefined> {
    const admin = ct.kafka.admin();
    try {
      await admin.connect();
      const group = (await admin.describeGroups([groupId])).groups[0];
      return group?.members.length;
    } catch {
      return undefined; // the coordinator is moving, or a node that just came back is catching up: ask again
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  it('sends its LeaveGroup to the coordinator that took over', async () => {
    const { kafka } = ct;
    const consumer = kafka.consumer({ groupId, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 3000, maxWaitTimeInMs: 200 });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async () => undefined });
    await waitFor('the consumer to join', async () => joined, 60_000);
    await waitFor('the group to list the consumer', async () => (await members()) === 1, 30_000, 250);

    const coordinator = await coordinatorNode(kafka, groupId);
    ct.kill(coordinator);
    await consumer.disconnect();

    // Within a session of the kill a ghost would still be listed; 20 s leaves room for the fence (6 s).
    const left = await waitFor('the group to be described by its new coordinator', members, 20_000, 250);
    expect({ coordinator, members: left }).toEqual({ coordinator, members: 0 });
  });
});
