/** @type {import('jest').Config} */
// The chaos suite starts its own Postgres and cluster: skip the preset's embedded-Postgres globalSetup.
// maxWorkers 1: the specs share the cluster and kill its brokers; two at once would break each other.
module.exports = { ...require('../../jest.preset.js'), displayName: '@hitboard/chaos', globalSetup: undefined, globalTeardown: undefined, maxWorkers: 1 };
