// Unit tests of the console's pure modules (diff, validation mapping, formatting, routing). The
// UI itself is tested in a real browser by e2e/src/console.e2e.spec.ts.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'console',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
