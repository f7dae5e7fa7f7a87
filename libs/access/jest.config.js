/** @type {import('jest').Config} */
// Pure code, no Postgres: skip the preset's embedded-Postgres globalSetup.
module.exports = { ...require('../../jest.preset.js'), displayName: '@hitboard/access', globalSetup: undefined, globalTeardown: undefined };
