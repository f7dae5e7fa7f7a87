/**
 * Unit tests of the docs path check. Run: node --require tsx/cjs --test tools/scripts/check-doc-paths.spec.ts
 * (npm test runs them before the check itself).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anchorsOf, checkDoc, type Repo } from './check-doc-paths';

function repoOf(files: Record<string, string>, ignored: string[] = []): Repo {
  const paths = new Set<string>();
  for (const f of Object.keys(files)) {
    const parts = f.split('/');
    for (let i = 1; i <= parts.length; i++) paths.add(parts.slice(0, i).join('/'));
  }
  return {
    has: (p) => paths.has(p),
    topLevel: new Set([...paths].map((p) => p.split('/')[0])),
    read: (p) => files[p] ?? '',
    ignored: (p) => ignored.some((prefix) => p.startsWith(prefix)),
  };
}

const repo = repoOf(
  {
    'README.md': '',
    'apps/aggregator/README.md': '',
    'apps/aggregator/bench/harness.ts': '',
    'apps/aggregator/src/main.ts': '',
    'bench/run.ts': '',
    'docs/ARCHITECTURE.md': '# hitboard architecture\n\n## Who may touch which table\n\n```\n# not a heading\n```\n',
    'infra/kafka/kafka.sh': '',
    'tools/dev/src/start.ts': '',
  },
  ['infra/kafka/target/', '.data/'],
);

const paths = (doc: string, md: string) => checkDoc(doc, md, repo).map((f) => `${f.line}: ${f.path} (${f.why})`);

test('a path that exists passes, in code, code blocks and links', () => {
  const md = [
    'Run `npx tsx apps/aggregator/src/main.ts --help`, see [the doc](docs/ARCHITECTURE.md).',
    '```sh',
    'bash infra/kafka/kafka.sh start   # the broker',
    '```',
    'Folders too: `apps/aggregator/`, `bench/run.ts:12`, (`docs/ARCHITECTURE.md`).',
  ].join('\n');
  assert.deepEqual(paths('README.md', md), []);
});

test('a missing path fails with its line, in code, code blocks and links', () => {
  const md = [
    'intro',
    'Run `npx tsx bench/aggregator-throughput.ts`.',
    '```sh',
    'npx tsx tools/dev/src/app-roles.ts',
    '```',
    'See [the brief](../shared/DESIGN.md) and [gone](docs/GONE.md).',
    'And `../shared/DESIGN.md`.',
  ].join('\n');
  assert.deepEqual(paths('README.md', md), [
    '2: bench/aggregator-throughput.ts (no such file or folder)',
    '4: tools/dev/src/app-roles.ts (no such file or folder)',
    '6: ../shared/DESIGN.md (points outside the repository)',
    '6: docs/GONE.md (no such file or folder)',
    '7: ../shared/DESIGN.md (points outside the repository)',
  ]);
});

test('a code span that runs on over a line break is still code, and prose after it is prose', () => {
  const md = ['Run `npx tsx', 'bench/gone.ts --help` and see [gone](docs/GONE.md).', '', 'A `stray tick', '', 'then [ok](docs/ARCHITECTURE.md).'].join('\n');
  assert.deepEqual(paths('README.md', md), ['2: bench/gone.ts (no such file or folder)', '2: docs/GONE.md (no such file or folder)']);
});

test('a link to a section is checked against the target headings', () => {
  const md = '[ok](docs/ARCHITECTURE.md#who-may-touch-which-table) [bad](docs/ARCHITECTURE.md#not-a-heading)';
  assert.deepEqual(paths('README.md', md), ['1: docs/ARCHITECTURE.md#not-a-heading (no section #not-a-heading in docs/ARCHITECTURE.md)']);
});

test('URLs, npm names, run-time paths, placeholders and globs are not repository paths', () => {
  const md = [
    'Open [it](https://example.com/apps/x) or `http://127.0.0.1:3000/api/top`.',
    '`@hitboard/movers`, `.data/logs/`, `/tmp/hb`, `infra/kafka/target/lib`, `apps/<app>/src/main.ts`,',
    '`apps/dashboard/test-artifacts/*.png`, `lake/raw/date=…/`, `apps` and `libs` as words, `LAKE_DIR=apps/x`.',
    'A removed file, on purpose: `bench/old.ts` <!-- doc-paths: ignore -->',
  ].join('\n');
  assert.deepEqual(paths('README.md', md), []);
});

test("a project's README names its own files from its folder", () => {
  assert.deepEqual(paths('apps/aggregator/README.md', '`bench/harness.ts` and `src/main.ts`'), []);
  assert.deepEqual(paths('README.md', '`bench/harness.ts`'), ['1: bench/harness.ts (no such file or folder)']);
});

test('anchors follow GitHub: lower case, punctuation dropped, repeats numbered', () => {
  assert.deepEqual(
    [...anchorsOf('# A `code` title: yes!\n## Runs of `npm run bench`\n## Same\n## Same\n')],
    ['a-code-title-yes', 'runs-of-npm-run-bench', 'same', 'same-1'],
  );
});
