import type { Kafka } from 'kafkajs';

/** Java's `String.hashCode` (31·h + UTF-16 unit, int32): what Kafka hashes a group id with. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The node coordinating `groupId`: the leader of its `__consumer_offsets` partition, which Kafka picks
 * as `Utils.abs(groupId.hashCode()) % partitions` (GroupCoordinator.partitionFor; Utils.abs maps
 * MIN_VALUE to 0). kafkajs has no FindCoordinator in its admin API; this needs the topic to exist
 * (the cluster creates it with the first group).
 */
export async function coordinatorNode(kafka: Kafka, groupId: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
    const partitions = topics[0]!.partitions;
    const h = javaStringHash(groupId);
    const partition = (h === -2147483648 ? 0 : Math.abs(h)) % partitions.length;
    return partitions.find((p) => p.partitionId === partition)!.leader;
  } finally {
    await admin.disconnect();
  }
}
