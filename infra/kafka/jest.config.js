/** @type {import('jest').Config} */
module.exports = { ...require('../../jest.preset.js'), displayName: '@hitboard/kafka-broker', globalSetup: undefined, globalTeardown: undefined };
