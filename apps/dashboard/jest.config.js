const path = require('node:path');

/** @type {import('jest').Config} */
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: '@hitboard/dashboard',
  // `server-only` throws outside React's server graph; jest runs the data module as plain Node, which is the server.
  moduleNameMapper: { '^server-only$': path.join(__dirname, '__tests__/support/server-only.js') },
  // The built app (`.next`) holds copies of the sources; never collect tests from it.
  testPathIgnorePatterns: ['/node_modules/', '/.next/'],
  modulePathIgnorePatterns: ['<rootDir>/.next/'],
};
