// Shared jest settings: every project's jest.config.js spreads this.
// ts-jest transpiles only (isolatedModules); type errors are caught by each project's `build` target.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['ts-jest', { isolatedModules: true, tsconfig: { module: 'commonjs', moduleResolution: 'node' } }] },
  testMatch: ['**/?(*.)spec.ts', '**/__tests__/**/*.spec.ts'],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
  testTimeout: 60_000,
};
