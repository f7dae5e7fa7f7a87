export * from './check-row';
export * from './importer';
export * from './import-records';
export * from './read-rows';
export * from './summary';
