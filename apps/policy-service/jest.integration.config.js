// Integration tests: a database of its own per suite on the local PostgreSQL, real NATS JetStream
// with a namespace (stream) of its own per suite.
const preset = require('../../jest.preset.js');

// @fastify/static (Swagger UI assets) requires content-disposition, which ships only as an ES
// module; Node loads it natively, Jest needs it compiled to CommonJS.
const ESM_ONLY = ['content-disposition'];

module.exports = {
  ...preset,
  displayName: 'policy-service:integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.integration.spec.ts'],
  testTimeout: 60000,
  transform: {
    ...preset.transform,
    [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
};
