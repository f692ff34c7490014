module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'decision-pipeline',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '\\.integration\\.spec\\.ts$'],
};
