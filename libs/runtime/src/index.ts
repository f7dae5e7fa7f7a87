/** What every long-running hitboard app needs: config, logs, metrics, health, retries, shutdown. */
export * from './config';
export * from './cli';
export * from './logger';
export * from './ops-server';
export * from './progress-watch';
export * from './retry';
export * from './shutdown';
