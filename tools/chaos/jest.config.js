/** @type {import('jest').Config} */
// The preset's globalSetup gives the specs that need a database (freshDatabase) an embedded Postgres; the
// chaos suite itself starts its own. maxWorkers 1: the specs share the cluster and kill its brokers; two at
// once would break each other.
module.exports = { ...require('../../jest.preset.js'), displayName: '@hitboard/chaos', maxWorkers: 1 };
