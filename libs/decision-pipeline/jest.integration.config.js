// Integration tests: real redis-server processes started on free ports by @rl/testing.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'decision-pipeline:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.integration.spec.ts'],
  testTimeout: 60000,
};
