/** @type {import('jest').Config} */
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: '@hitboard/aggregator',
  // The Kafka scenario tests start the aggregator as a child process (kill -9 must be real) and
  // share one broker: run test files one at a time so two never fight for 2 cores.
  maxWorkers: 1,
  testTimeout: 240_000,
};
