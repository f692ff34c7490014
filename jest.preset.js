// Shared Jest preset. SWC transpiles (fast on two cores) with decorator metadata for NestJS;
// type checking is a separate step (`npm run typecheck`) so tests never run against unchecked code.
const path = require('node:path');
const { pathsToModuleNameMapper } = require('./tools/paths');

module.exports = {
  testEnvironment: 'node',
  rootDir: undefined,
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(path.join(__dirname)),
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // Every skipped test is printed with its title (which names the reason); see the reporter.
  reporters: ['default', path.join(__dirname, 'tools/jest-skip-reporter.js')],
};
