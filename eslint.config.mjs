// Module boundaries are enforced, not advisory: every project carries a `type:` and a `scope:` tag,
// and these constraints fail lint when an import crosses a line it may not.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const focusedTests = ['it', 'describe', 'test'].flatMap((object) => [
  { object, property: 'only', message: 'Focused tests silently skip the rest of the suite.' },
]);

const infraBans = ['@nestjs/*', 'ioredis', 'typeorm', 'nats', 'pg', 'fastify', 'pino', 'prom-client'];

const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:data-access', 'type:contracts', 'type:util'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts'], bannedExternalImports: infraBans },
  { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:util', 'type:data-access'] },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'], bannedExternalImports: ['@nestjs/*', 'ioredis', 'typeorm', 'pg', 'fastify'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contracts', 'type:domain'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:util', 'type:contracts', 'type:domain', 'type:data-access', 'type:testing'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:testing', 'type:util', 'type:contracts', 'type:domain', 'type:data-access'] },
  { sourceTag: 'scope:enforcement', onlyDependOnLibsWithTags: ['scope:enforcement', 'scope:shared'] },
  { sourceTag: 'scope:control-plane', onlyDependOnLibsWithTags: ['scope:control-plane', 'scope:shared'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
];

export default [
  { ignores: ['**/dist', '**/node_modules', '**/.nx', '**/coverage', 'tools/**', '**/*.js', '**/*.mjs'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints }],
      'no-restricted-properties': ['error', ...focusedTests],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      'no-unsafe-finally': 'error',
    },
  },
  {
    // Specs may use the testing harness (real redis-server, free ports) from any project.
    files: ['**/*.spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: depConstraints.map((c) =>
            c.onlyDependOnLibsWithTags ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing', 'scope:shared'] } : c,
          ),
        },
      ],
    },
  },
  ...tseslint.configs.recommended.map((c) => ({ ...c, files: ['**/*.ts'] })).slice(-1),
];
