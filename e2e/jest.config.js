// Black-box suites: compiled services (npm run build) started as real processes on free ports,
// each region with its own real redis-server. Driven only through their HTTP APIs.
module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'e2e',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.e2e.spec.ts'],
  testTimeout: 60000,
};
