export * from './check-row';
export * from './importer';
export * from './ledger';
export * from './names';
export * from './read-rows';
export * from './summary';
