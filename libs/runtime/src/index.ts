/** What every long-running hitboard app needs: settings, logs, metrics, health, retries, shutdown, and the runner that wires them. */
export * from './brokers';
export * from './cli-args';
export * from './clock';
export * from './config';
export * from './data-folder-secret';
export * from './deployment-settings';
export * from './entry-point';
export * from './logger';
export * from './ops-server';
export * from './run-service';
export * from './settings-ledger';
export * from './stall-watch';
export * from './retry';
export * from './finished-within';
export * from './shutdown';
