/** The database client: a knex connection with hitboard's type parsing. Apps and the dashboard import this, never the migrations. */
export { createDb, type CreateDbOptions } from './create-db';
export { hitboardTypes } from './pg-types';
