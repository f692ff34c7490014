// Integration tests: NATS helpers against the real NATS JetStream on 127.0.0.1:4222, one stream
// per test.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'platform:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.integration.spec.ts'],
  testTimeout: 60000,
};
