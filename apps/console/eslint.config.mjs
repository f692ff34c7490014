// The root rules, also applied to the console's .tsx files (the root config's own rules cover *.ts).
import root from '../../eslint.config.mjs';

const tsRules = root.filter((c) => Array.isArray(c.files) && c.files.length === 1 && c.files[0] === '**/*.ts' && c.rules);

// The console is a browser bundle: it reads the admin API's shapes from @rl/contracts as types
// only (erased when bundled), and imports no other workspace library at all. A value import would
// pull class-validator, reflect-metadata and the server's rules into the bundle.
const typeOnlyContracts = {
  files: ['**/*.ts', '**/*.tsx'],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: [{ name: '@rl/contracts', allowTypeImports: true, message: 'the console imports only types from @rl/contracts: write `import type`.' }],
        patterns: [
          { group: ['@rl/*', '!@rl/contracts'], message: 'the console is a browser bundle: it imports no workspace library but the types of @rl/contracts.' },
          { group: ['**/libs/**'], message: 'reach the contracts through `import type … from \'@rl/contracts\'`.' },
        ],
      },
    ],
  },
};

export default [...root, ...tsRules.map((c) => ({ ...c, files: ['**/*.tsx'] })), typeOnlyContracts];
