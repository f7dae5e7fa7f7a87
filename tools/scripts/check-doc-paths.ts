/**
 * Fails when a Markdown doc of the repository names a repository path that does not exist.
 *
 * Run: node --require tsx/cjs tools/scripts/check-doc-paths.ts [--help]   (npm test runs it first)
 *
 * What is checked, in every *.md file git knows (tracked or new, not ignored):
 *  - link targets `[text](target)` that are not URLs: resolved against the doc's own folder, as a
 *    Markdown renderer does; a `#section` is checked against the target's headings (GitHub's slugs);
 *  - every word inside `inline code` and fenced code blocks that reads as a repository path: it starts
 *    with a top-level folder or file of the repository (apps/, libs/, tools/, infra/, docs/, bench/,
 *    .ci/, README.md, …), so commands, URLs, npm names (@hitboard/x), run-time paths (.data/…, /tmp/…)
 *    are never taken for one.
 * A word with a placeholder or a glob (`<app>`, `…`, `*`, `{a,b}`, `$VAR`) is skipped: it names many
 * paths, or none yet. A doc may name a path that is not there on purpose (a file it says was removed):
 * put `<!-- doc-paths: ignore -->` at the end of that line.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const USAGE = `Usage: node --require tsx/cjs tools/scripts/check-doc-paths.ts [--root DIR] [FILE.md ...]

Checks that every repository path a Markdown doc names exists: link targets (relative to the doc,
with their #section against the target's headings) and words in \`code\` or code blocks that start
with a top-level folder or file of the repository (apps/, libs/, tools/, …). URLs, npm names,
run-time paths (.data/…, /tmp/…), placeholders (<app>, …) and globs are not paths of the repository.
Without FILE arguments it checks every *.md file git lists (tracked, or new and not ignored).
Prints one line per missing path, "doc:line: path (why)", then a tally; exits 1 if any is missing.
A line ending in <!-- doc-paths: ignore --> is skipped.`;

export interface Finding {
  doc: string;
  line: number;
  path: string;
  why: string;
}

/** One place a doc names something that may be a path. */
export interface Mention {
  line: number;
  text: string;
  kind: 'link' | 'code';
}

const IGNORE_MARK = '<!-- doc-paths: ignore -->';

/** Links and code words of one Markdown text, with their 1-based line numbers. */
export function mentionsOf(markdown: string): Mention[] {
  const out: Mention[] = [];
  let fence: string | null = null;
  let openTicks: string | null = null;
  markdown.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const fenceMatch = /^\s*(```+|~~~+)/.exec(raw);
    if (fenceMatch) {
      fence = fence === null ? fenceMatch[1] : raw.trim().startsWith(fence) ? null : fence;
      openTicks = null;
      return;
    }
    if (raw.includes(IGNORE_MARK)) return;
    if (fence !== null) {
      for (const word of raw.split(/\s+/)) if (word) out.push({ line, text: word, kind: 'code' });
      return;
    }
    if (raw.trim() === '') openTicks = null; // a code span ends with its paragraph
    // Code spans (which may run on over a line break) and prose, whose links count.
    let prose = '';
    for (const part of raw.split(/(`+)/)) {
      if (part.startsWith('`')) {
        if (openTicks === null) openTicks = part;
        else if (part === openTicks) openTicks = null;
        else if (openTicks !== null) codeWords(part);
        prose += ' ';
      } else if (openTicks !== null) codeWords(part);
      else prose += part;
    }
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      out.push({ line, text: m[1], kind: 'link' });
    }
    function codeWords(code: string): void {
      for (const word of code.split(/\s+/)) if (word) out.push({ line, text: word, kind: 'code' });
    }
  });
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slugOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors a Markdown text offers (repeated headings get -1, -2, … as on GitHub). */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const m = inFence ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slugOf(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** What the checker needs to know about the repository. */
export interface Repo {
  /** Paths relative to the root, `/`-separated: every file, and every folder (no trailing slash). */
  has(path: string): boolean;
  /** First-level names of the repository (files and folders): what a code word must start with. */
  topLevel: Set<string>;
  /** The text of a Markdown file, for its anchors. */
  read(path: string): string;
  /** Whether git ignores the path: something a run creates (infra/kafka/target/, .data/), not a source. */
  ignored(path: string): boolean;
}

const PLACEHOLDER = /[<>*?{}$…|\\]|\.\.\.|^-/;

/** The repository path a code word names, or null when it names none. */
export function codeWordPath(word: string, repo: Repo): string | null {
  // Quotes, brackets and sentence punctuation around a word; a :line suffix; a #section.
  let w = word.replace(/^[("'[]+/, '').replace(/[)"'\],.;:]+$/, '');
  w = w.replace(/:\d+(-\d+)?$/, '').replace(/#.*$/, '');
  if (w.startsWith('./')) w = w.slice(2);
  if (!w || PLACEHOLDER.test(w) || w.includes('://') || w.includes('=')) return null;
  const first = w.split('/')[0];
  if (!repo.topLevel.has(first)) return null;
  // A bare top-level name (`apps`, `README`) is a word, not a path, unless it is a file.
  if (!w.includes('/') && !/\.\w+$/.test(w)) return null;
  return w.replace(/\/+$/, '');
}

/** Every missing path one doc names. */
export function checkDoc(doc: string, markdown: string, repo: Repo): Finding[] {
  const findings: Finding[] = [];
  for (const m of mentionsOf(markdown)) {
    if (m.kind === 'code') {
      const word = m.text.replace(/^[("'[]+/, '');
      if (word.startsWith('../')) {
        const named = word.replace(/[)"'\],.;:]+$/, '');
        const resolved = normalize(join(dirname(doc), named)).replace(/\/+$/, '');
        if (resolved.startsWith('..')) findings.push({ doc, line: m.line, path: named, why: 'points outside the repository' });
        else if (!repo.has(resolved)) findings.push({ doc, line: m.line, path: named, why: 'no such file or folder' });
        continue;
      }
      const path = codeWordPath(m.text, repo);
      // A project's README names its own files from its folder (`bench/harness.ts` in apps/aggregator).
      if (path === null || repo.has(path) || repo.has(join(dirname(doc), path)) || repo.ignored(path)) continue;
      findings.push({ doc, line: m.line, path, why: 'no such file or folder' });
      continue;
    }
    const target = m.text;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // a URL or mailto:
    const [file, anchor] = target.split('#', 2) as [string, string | undefined];
    const path = file === '' ? doc : normalize(join(dirname(doc), decodeURIComponent(file))).replace(/\\/g, '/').replace(/\/+$/, '');
    if (path.startsWith('..')) {
      findings.push({ doc, line: m.line, path: target, why: 'points outside the repository' });
      continue;
    }
    if (!repo.has(path)) {
      findings.push({ doc, line: m.line, path: target, why: 'no such file or folder' });
      continue;
    }
    if (anchor && path.endsWith('.md') && !anchorsOf(repo.read(path)).has(anchor.toLowerCase())) {
      findings.push({ doc, line: m.line, path: target, why: `no section #${anchor} in ${path}` });
    }
  }
  return findings;
}

/** The repository as git lists it: tracked files and new ones that are not ignored. */
export function gitRepo(root: string): { repo: Repo; docs: string[] } {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
    .split('\0')
    .filter(Boolean);
  const paths = new Set<string>();
  for (const f of files) {
    paths.add(f);
    for (let d = dirname(f); d !== '.'; d = dirname(d)) paths.add(d);
  }
  const topLevel = new Set([...paths].map((p) => p.split('/')[0]));
  // A folder made by a fetch or a build (infra/s3/lib) is absent from a fresh clone, and a folder-only
  // pattern ("lib/") matches a missing path only when it is asked about as a folder: ask both ways.
  const ignored = (p: string): boolean =>
    [p, `${p.replace(/\/$/, '')}/`].some((asked) => {
      try {
        execFileSync('git', ['check-ignore', '-q', '--no-index', asked], { cwd: root, stdio: 'ignore' });
        return true;
      } catch {
        return false; // exit 1: not ignored
      }
    });
  const repo: Repo = { has: (p) => paths.has(p), topLevel, read: (p) => readFileSync(join(root, p), 'utf8'), ignored };
  return { repo, docs: files.filter((f) => f.endsWith('.md') && paths.has(f)).sort() };
}

function main(argv: string[]): number {
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  let root = join(__dirname, '..', '..');
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root') root = argv[++i];
    else only.push(argv[i]);
  }
  const { repo, docs } = gitRepo(root);
  const checked = only.length > 0 ? only.map((f) => relative(root, join(process.cwd(), f))) : docs;
  const findings = checked.flatMap((doc) => checkDoc(doc, repo.read(doc), repo));
  for (const f of findings) console.log(`${f.doc}:${f.line}: ${f.path} (${f.why})`);
  const verdict = findings.length === 0 ? 'every path they name exists' : `${findings.length} missing path(s)`;
  console.log(`check-doc-paths: ${checked.length} docs, ${verdict}`);
  return findings.length === 0 ? 0 : 1;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
