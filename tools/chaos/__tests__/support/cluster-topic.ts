/**
 * The three-broker cluster specs' shared setup: the cluster started, a topic of the spec's own made
 * (replication factor 3) and waited on until every partition has a leader; afterwards the node a spec
 * killed started again and the topic deleted, so the cluster is whole for the specs that follow.
 *
 * Call inside a `describe`: it registers its own beforeAll and afterAll.
 */
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { createKafka } from '@hitboard/kafka';
import { waitFor } from '@hitboard/testkit';
import { Cluster } from '../../src/infra';
import { ROOT } from '../../src/processes';

export interface ClusterTopicOptions {
  /** The topic's name before its unique suffix (`<prefix>.<pid>-<random>`). */
  prefix: string;
  clientId: string;
  partitions: number;
  configEntries?: { name: string; value: string }[];
}

export interface ClusterTopic {
  readonly cluster: Cluster;
  readonly brokers: string[];
  readonly kafka: Kafka;
  readonly topic: string;
  /** Each partition's leader, asked of a fresh client: the cluster's view now, not a cached one. */
  leaders(): Promise<Map<number, number>>;
  /** Kills a node -9; afterAll starts it again. */
  kill(node: number): void;
}

export function useClusterTopic(options: ClusterTopicOptions): ClusterTopic {
  const cluster = new Cluster({ ...process.env, KAFKA_CLUSTER_DIR: process.env['KAFKA_CLUSTER_DIR'] ?? join(ROOT, '.data/cluster') });
  const topic = `${options.prefix}.${process.pid}-${Math.floor(Math.random() * 1e9).toString(36)}`;
  let brokers: string[];
  let kafka: Kafka;
  let killed: number | null = null;

  async function leaders(): Promise<Map<number, number>> {
    const admin = createKafka({ brokers, clientId: 'leader-probe', logLevel: 'nothing', retry: { retries: 2 } }).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      return new Map(topics[0]!.partitions.map((p) => [p.partitionId, p.leader]));
    } finally {
      await admin.disconnect();
    }
  }

  beforeAll(async () => {
    await cluster.start();
    brokers = cluster.bootstrap();
    kafka = createKafka({ brokers, clientId: options.clientId, logLevel: 'nothing' });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        // Waited for below: kafkajs's own wait fails on the first "does not host this topic-partition".
        waitForLeaders: false,
        topics: [{ topic, numPartitions: options.partitions, replicationFactor: 3, configEntries: options.configEntries ?? [] }],
      });
    } finally {
      await admin.disconnect();
    }
    await waitFor(
      'every partition to have a leader',
      async () => [...(await leaders().catch(() => new Map<number, number>())).values()].filter((node) => node >= 0).length === options.partitions,
      60_000,
      250,
    );
  });

  afterAll(async () => {
    // The cluster is shared with the specs that follow: whole again before leaving.
    if (killed !== null) await cluster.startNode(killed);
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  return {
    cluster,
    get brokers() {
      return brokers;
    },
    get kafka() {
      return kafka;
    },
    topic,
    leaders,
    kill(node: number) {
      cluster.kill(node);
      killed = node;
    },
  };
}
