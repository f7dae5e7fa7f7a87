/** @type {import('jest').Config} */
// No Postgres here (the server round trip is tested in infra/db): skip the preset's embedded-Postgres globalSetup.
module.exports = { ...require('../../jest.preset.js'), displayName: '@hitboard/db-client', globalSetup: undefined, globalTeardown: undefined };
