/** The lake's one definition: paths, the raw Parquet columns, and the ledger's read side. Nothing reads a file the ledger does not list. */
export * from './paths';
export * from './columns';
export * from './ledger-reads';
export * from './ledger-stats';
export * from './read-lake';
export * from './rollup-paths';
export * from './report-paths';
export * from './raw-file-writer';
export * from './file-snapshot';
export * from './store';
export * from './range-sums';
