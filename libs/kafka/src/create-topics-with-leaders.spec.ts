import type { Admin } from 'kafkajs';
import { createTopicsWithLeaders } from './ensure-topics';

/** An admin whose metadata answers as a broker does while a new topic reaches it: unknown, then leaderless, then led. */
function admin(answers: Array<'unknown' | 'leaderless' | 'led'>) {
  const calls = { created: 0, metadata: 0 };
  const fake = {
    createTopics: async () => {
      calls.created++;
      return true;
    },
    fetchTopicMetadata: async () => {
      const answer = answers[Math.min(calls.metadata++, answers.length - 1)];
      if (answer === 'unknown') throw Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
      return { topics: [{ name: 't', partitions: [0, 1].map((partitionId) => ({ partitionId, leader: answer === 'led' ? 1 : -1 })) }] };
    },
  };
  return { admin: fake as unknown as Admin, calls };
}

it('waits through "does not host this topic-partition" and leaderless partitions until every partition is led', async () => {
  const { admin: a, calls } = admin(['unknown', 'unknown', 'leaderless', 'led']);
  await createTopicsWithLeaders(a, [{ topic: 't', numPartitions: 2 }], 5_000);
  expect(calls).toEqual({ created: 1, metadata: 4 });
});

it('gives up with the topic named once its time is out', async () => {
  const { admin: a } = admin(['unknown']);
  await expect(createTopicsWithLeaders(a, [{ topic: 't', numPartitions: 2 }], 300)).rejects.toThrow('topics t: no leader for every partition within 300 ms');
});
