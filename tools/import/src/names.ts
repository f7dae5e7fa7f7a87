/**
 * The import ledger's table (migration 0006). libs/schema's TABLES is the home of table names; this
 * one lives here until it moves there (libs/schema is outside this tool's files).
 */
export const IMPORTS_TABLE = 'imports';
