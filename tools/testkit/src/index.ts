/** The shared test kit: a fresh real database per test, a real Kafka broker when one runs, apps as child processes, waiting. (Seeded randomness: @hitboard/random.) */
export * from './postgres';
export * from './kafka';
export * from './s3';
export * from './wait-for';
export * from './app-process';
export * from './tcp-proxy';
export * from './scratch-kafka';
export * from './ingest-ledger';
export * from './ranking';
export * from './proc-stats';
