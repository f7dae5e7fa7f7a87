import ConsumerGroup from 'kafkajs/src/consumer/consumerGroup';
import { version as kafkajsVersion } from 'kafkajs/package.json';

/**
 * The kafkajs version these patches were written against and tested with (the chaos suite's
 * `aConsumerRidesThroughABrokerLoss.spec.ts`, on the three-broker cluster). Another version is refused
 * at start-up: its internals may differ, and the patches must be re-checked.
 */
export const PATCHED_KAFKAJS_VERSION = '2.2.4';

/** Between fetch attempts at a broker that refuses connections: long enough not to spin, short against an election (~6-9 s). */
const DEAD_BROKER_FETCH_BACKOFF_MS = 500;
/** How long a LeaveGroup keeps looking for the coordinator that takes over from a dead one: past a broker fence (`broker.session.timeout.ms`, 9 s by default) and the election after it. */
const LEAVE_RETRY_MS = 20_000;
const LEAVE_RETRY_BACKOFF_MS = 500;

/** Errors that say a broker is not there (dead, restarting): a request elsewhere, or later, can pass. */
const UNREACHABLE = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError', 'KafkaJSBrokerNotFound']);
/**
 * The coordinator's answers while it moves to another broker (Kafka error codes 14, 15, 16). kafkajs
 * takes NOT_COORDINATOR for a rebalance and rejoins, which rebalances the whole group (the speed
 * pipeline then reloads moved shards) although the group's state moved with the coordinator; the Java
 * client only looks the coordinator up again, and so do these patches.
 */
const COORDINATOR_MOVING = new Set(['COORDINATOR_LOAD_IN_PROGRESS', 'GROUP_COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR_FOR_GROUP']);
/**
 * A fetch's answers when a partition's leadership moved (a broker fenced, or given its leaderships back by
 * the preferred-leader election when it returns). kafkajs refreshes the metadata and rejoins the group
 * on these (a rebalance of every member); a metadata refresh is all they need.
 */
const LEADER_MOVED = new Set(['LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH']);

interface KafkaJsErrorLike {
  name?: string;
  type?: string;
  message?: string;
}
interface Broker {
  isConnected(): boolean;
}
interface Logger {
  warn(message: string, extra?: object): void;
}
/** The members of kafkajs's ConsumerGroup these patches use (src/consumer/consumerGroup.js, 2.2.4). */
interface Group {
  groupId: string;
  memberId: string | null;
  coordinator: Broker | null;
  offsetManager?: { coordinator: Broker };
  logger: Logger;
  cluster: { refreshMetadata(): Promise<void>; findGroupCoordinator(args: { groupId: string }): Promise<Broker> };
  [FINDING]?: Promise<void>;
}
const FINDING = Symbol('hitboard.findingCoordinator');

const unreachable = (e: unknown) => UNREACHABLE.has((e as KafkaJsErrorLike)?.name ?? '');
const coordinatorGone = (e: unknown) => unreachable(e) || COORDINATOR_MOVING.has((e as KafkaJsErrorLike)?.type ?? '');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let installed = false;

/**
 * Makes every kafkajs consumer ride through the loss of one broker instead of crashing (issue 29).
 *
 * kafkajs 2.2.4 keeps the group coordinator it found at the last join, and fetches from the leaders
 * of its metadata, which it refreshes only every `metadataMaxAge` (5 min) or on a few errors. When a
 * broker dies, a fetch from it fails with "connect ECONNREFUSED" (not one of those errors) and so does
 * a heartbeat to it if it coordinated the group: the consumer's runner retries the same dead broker
 * until its retries run out (~9 s at kafkajs's defaults), then crashes (`KafkaJSNumberOfRetriesExceeded`)
 * and restarts as a new member; the old member, whose LeaveGroup went to the dead coordinator too,
 * stays in the group until its session times out, and the rebalance waits for it (~45 s with 30 s
 * sessions). The controller meanwhile fences the dead broker (`broker.session.timeout.ms`, 9 s by
 * default, 6 s in infra/kafka's cluster) and moves its leaderships and the group's coordinator to live
 * replicas; the consumer only has to look again. So:
 * - a fetch that cannot reach its broker refreshes the metadata, waits DEAD_BROKER_FETCH_BACKOFF_MS and
 *   returns nothing (the fetcher loops; once the broker is fenced its partitions move to the live
 *   brokers' fetchers); a fetch told the leader moved refreshes the metadata without rejoining;
 * - a heartbeat that cannot reach the coordinator, or is told it is not the coordinator, is skipped
 *   while the current coordinator is looked up in the background (kafkajs's FindCoordinator retry; the
 *   group's members, generation and offsets moved with the coordinator, so the membership carries on,
 *   no rebalance);
 * - a LeaveGroup that cannot reach the coordinator is sent again to the current one, so a consumer
 *   that stops or restarts never leaves a ghost member behind.
 * Idempotent; installed by createKafka, so every app's consumers have it.
 */
export function installConsumerRecovery(): void {
  if (installed) return;
  if (kafkajsVersion !== PATCHED_KAFKAJS_VERSION) {
    throw new Error(`@hitboard/kafka: consumer-recovery.ts patches kafkajs ${PATCHED_KAFKAJS_VERSION} internals, found ${kafkajsVersion}: re-check the patches (and their chaos spec) before moving`);
  }
  installed = true;
  const proto = ConsumerGroup.prototype as Record<string, (this: Group, ...args: unknown[]) => Promise<unknown>>;

  const heartbeat = proto['heartbeat']!;
  proto['heartbeat'] = async function (this: Group, ...args: unknown[]) {
    try {
      return await heartbeat.apply(this, args);
    } catch (e) {
      if (!coordinatorGone(e)) throw e;
      // Once per lookup: heartbeats come every few hundred ms while it runs.
      if (!this[FINDING]) this.logger.warn('group coordinator unreachable: heartbeat skipped, looking up the current coordinator', { groupId: this.groupId, error: (e as Error).message });
      findCoordinator(this);
      return undefined;
    }
  };

  const recoverFromFetch = proto['recoverFromFetch']!;
  proto['recoverFromFetch'] = async function (this: Group, e: unknown) {
    if (LEADER_MOVED.has((e as KafkaJsErrorLike)?.type ?? '')) {
      await this.cluster.refreshMetadata();
      return undefined;
    }
    if ((e as KafkaJsErrorLike)?.name !== 'KafkaJSConnectionError' && (e as KafkaJsErrorLike)?.name !== 'KafkaJSRequestTimeoutError') return recoverFromFetch.call(this, e);
    this.logger.warn('partition leader unreachable: refreshing metadata before fetching again', { groupId: this.groupId, error: (e as Error).message });
    await this.cluster.refreshMetadata().catch(() => undefined);
    await sleep(DEAD_BROKER_FETCH_BACKOFF_MS);
    return undefined;
  };

  const leave = proto['leave']!;
  proto['leave'] = async function (this: Group, ...args: unknown[]) {
    try {
      return await leave.apply(this, args);
    } catch (e) {
      if (!coordinatorGone(e) || !this.memberId) throw e;
      this.logger.warn('group coordinator unreachable: sending LeaveGroup to the current one', { groupId: this.groupId, memberId: this.memberId });
      // Until the controller fences the dead broker, FindCoordinator still names it: ask again until the
      // LeaveGroup lands or LEAVE_RETRY_MS is spent (a stopping app bounds its own wait on top of this).
      const deadline = performance.now() + LEAVE_RETRY_MS;
      for (;;) {
        await this.cluster.refreshMetadata().catch(() => undefined);
        try {
          this.coordinator = await this.cluster.findGroupCoordinator({ groupId: this.groupId });
          return await leave.apply(this, args);
        } catch (again) {
          if (!coordinatorGone(again) || performance.now() + LEAVE_RETRY_BACKOFF_MS > deadline) throw again;
          await sleep(LEAVE_RETRY_BACKOFF_MS);
        }
      }
    }
  };
}

/** Looks up the group's current coordinator once at a time, in the background; heartbeats and commits use it once found. */
function findCoordinator(group: Group): void {
  if (group[FINDING]) return;
  group[FINDING] = (async () => {
    try {
      await group.cluster.refreshMetadata().catch(() => undefined);
      const coordinator = await group.cluster.findGroupCoordinator({ groupId: group.groupId });
      group.coordinator = coordinator;
      if (group.offsetManager) group.offsetManager.coordinator = coordinator;
    } catch (e) {
      group.logger.warn('group coordinator not found yet: the next heartbeat looks again', { groupId: group.groupId, error: (e as Error).message });
    } finally {
      delete group[FINDING];
    }
  })();
}
