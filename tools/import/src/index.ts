export * from './check-row';
export * from './importer';
export * from './ledger';
export * from './read-rows';
export * from './summary';
