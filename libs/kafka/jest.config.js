/** @type {import('jest').Config} */
// No Postgres here: skip the preset's embedded-Postgres globalSetup (see jest.preset.js).
module.exports = { ...require('../../jest.preset.js'), displayName: '@hitboard/kafka', globalSetup: undefined, globalTeardown: undefined };
