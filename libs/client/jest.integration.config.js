// Integration tests: a real enforcer process (run from source) and real redis-server processes
// started on free ports by @rl/testing; Nest, Fastify and Express apps listening on loopback.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'client:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.integration.spec.ts'],
  testTimeout: 60000,
};
