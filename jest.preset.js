// Shared jest settings: every project's jest.config.js spreads this.
// ts-jest transpiles only (isolatedModules, given as a compiler option: the ts-jest option of that name is
// deprecated and warned about on every run); type errors are caught by each project's `build` target.
const path = require('node:path');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: { module: 'commonjs', moduleResolution: 'node', isolatedModules: true } }] },
  testMatch: ['**/?(*.)spec.ts', '**/__tests__/**/*.spec.ts'],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
  testTimeout: 60_000,
  // One Postgres per jest run for @hitboard/testkit's freshDatabase(): TEST_DATABASE_URL or DATABASE_URL
  // if set, else an embedded server started here (~1-2 s) and removed afterwards. HITBOARD_TEST_PG=off skips
  // it for one run; a project that never touches Postgres can set `globalSetup: undefined, globalTeardown: undefined`.
  globalSetup: path.join(__dirname, 'tools/testkit/src/jest-global-setup.ts'),
  globalTeardown: path.join(__dirname, 'tools/testkit/src/jest-global-teardown.ts'),
};
