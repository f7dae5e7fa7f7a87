/** @type {import('jest').Config} */
// The chaos suite starts its own Postgres and cluster: skip the preset's embedded-Postgres globalSetup.
module.exports = { ...require('../../jest.preset.js'), displayName: '@hitboard/chaos', globalSetup: undefined, globalTeardown: undefined };
