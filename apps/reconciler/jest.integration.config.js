// Integration tests: the reconciler in-process against the real NATS JetStream on 127.0.0.1:4222,
// one namespace per suite.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'reconciler:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.integration.spec.ts'],
  testTimeout: 60000,
};
