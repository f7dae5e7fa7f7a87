/** The shared test kit: a fresh real database per test, and a real Kafka broker when one runs. */
export * from './postgres';
export * from './kafka';
export * from './s3';
