/** @hitboard/kafka — kafkajs set up for this project: every codec, topic setup, logging. */
export { createKafka, RETRY_THROUGH_LEADER_ELECTION, type CreateKafkaOptions, type KafkaLogLevelName } from './create-kafka';
export { installConsumerRecovery, PATCHED_KAFKAJS_VERSION } from './consumer-recovery';
export { ACKS_ALL, createProducer, DURABLE_PRODUCER, unacknowledged } from './create-producer';
export { createTopicsWithLeaders, DLQ_TOPIC_CONFIG, dlqTopicSpec, ensureTopics, type TopicSpec, type EnsureTopicsResult } from './ensure-topics';
export { kafkaLogCreator, type LevelLogger } from './kafka-log-creator';
export { registerCodecs } from './codecs/register-codecs';
export { Lz4Codec } from './codecs/lz4-codec';
export { ZstdCodec, ZstdCompressionUnsupportedError, zstdCompressionSupported } from './codecs/zstd-codec';
export { encodeLz4Frame, decodeLz4Frame, Lz4FrameError } from './codecs/lz4-frame';
export type { KafkaCodec } from './codecs/kafka-codec';
