import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Keeps the repository explaining itself: comments and docs may point only at documents the repository
 * holds (the design and its reasons live in docs/design.md), and every pointer into docs/ must land on a
 * doc, a decision heading or a section that exists. Every git-tracked text file is scanned; a failure names
 * each offending file:line.
 *
 * Patterns below are written with escapes (`\/`, `\.`, `\s`) so that this file's own source never matches
 * them: the file scans itself like any other.
 */

/** Docs another branch adds: pointers to them are tolerated until it merges (then empty this list). */
const EXPECTED_FROM_OTHER_BRANCHES: readonly string[] = [];

const ROOT = path.resolve(__dirname, '../..');

/** A tracked file's path (relative to the root, `/`-separated) and its text. */
interface TextFile {
  readonly file: string;
  readonly text: string;
}

/** Every git-tracked file that is text: the lock file and anything holding a NUL byte are skipped. */
function trackedTextFiles(): TextFile[] {
  const listed = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
  return listed
    .split('\0')
    .filter((file) => file && file !== 'package-lock.json' && existsSync(path.join(ROOT, file)))
    .flatMap((file) => {
      const bytes = readFileSync(path.join(ROOT, file));
      return bytes.subarray(0, 8000).includes(0) ? [] : [{ file, text: bytes.toString('utf8') }];
    });
}

/** The docs on disk now (a doc being written counts, tracked or not), plus the allowance. */
function knownDocs(): Set<string> {
  const present = readdirSync(path.join(ROOT, 'docs')).map((name) => `docs/${name}`);
  return new Set([...present, ...EXPECTED_FROM_OTHER_BRANCHES]);
}

/** Markdown headings outside code fences, as written (without the leading `#`s). */
function headingsOf(markdown: string): string[] {
  const headings: string[] = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const heading = inFence ? undefined : /^#{1,6}\s+(.*?)\s*$/.exec(line)?.[1];
    if (heading !== undefined) headings.push(heading);
  }
  return headings;
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, each space a hyphen. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The 1-based line of a character offset. */
function lineAt(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** A reference may wrap onto the next comment line: whitespace, `*`, `//` and `#` between its words. */
const GAP = String.raw`[\s*/#]+`;

/** Joins a wrapped reference back into one line of words. */
function unwrap(text: string): string {
  return text.replace(/\s*\n[\s*/#]*/g, ' ');
}

const files = trackedTextFiles();
const docs = knownDocs();
const headingCache = new Map<string, string[]>();

/** Headings of a doc that exists on disk; empty for one that is only expected. */
function headingsOfDoc(doc: string): string[] {
  let headings = headingCache.get(doc);
  if (!headings) {
    const full = path.join(ROOT, doc);
    headings = existsSync(full) ? headingsOf(readFileSync(full, 'utf8')) : [];
    headingCache.set(doc, headings);
  }
  return headings;
}

/** True when `target` (root-relative) exists, or is a compiled `.js` name of a `.ts` source. */
function existsInRepo(target: string): boolean {
  const full = path.join(ROOT, target);
  return existsSync(full) || (target.endsWith('.js') && existsSync(full.replace(/\.js$/, '.ts')));
}

/** `target` as written in `file`, resolved to a root-relative path; undefined outside the repository. */
function resolveFrom(file: string, target: string): string | undefined {
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
  return resolved.startsWith('../') ? undefined : resolved;
}

describe('references to documents', () => {
  it('point only at documents the repository holds', () => {
    const problems: string[] = [];
    const flag = (file: string, text: string, index: number, what: string): void => {
      problems.push(`${file}:${lineAt(text, index)}: ${what}`);
    };
    const alwaysOutside: readonly [RegExp, string][] = [
      [/\bDESIGN\.md\b/g, 'cites the outside design document; point at docs/design.md'],
      [/\bDESIGN\s+decisions?\b/g, 'cites an outside design decision; use "docs/design.md, decision N"'],
      [/\bseeds\//g, 'cites the outside error-handling guide; point at docs/design.md'],
      [
        /\bseed\s+guide\b/gi,
        'names the outside error-handling guide; say what it is, or point at docs/design.md',
      ],
    ];
    for (const { file, text } of files) {
      for (const [pattern, what] of alwaysOutside) {
        for (const match of text.matchAll(pattern)) flag(file, text, match.index, `${match[0]}: ${what}`);
      }
      // Section numbers belong to RFCs (named on the same line); any other § cites an outside document.
      for (const match of text.matchAll(/^.*§\s*\d.*$/gm)) {
        if (!/\bRFC\s*\d/.test(match[0]))
          flag(file, text, match.index, 'cites a section of an outside document by number');
      }
      // Relative paths into a shared folder are fine while they land in the repository (imports do; so do
      // the import probes of test/imports/, which are written from other folders than their own). What is
      // refused: a path out of the repository, or to a document or reference folder the repository lacks.
      for (const match of text.matchAll(/(?:\.\.\/)+shared\/[\w./-]*/g)) {
        const target = resolveFrom(file, match[0].replace(/\.+$/, ''));
        const namesADocument = (t: string): boolean => /\.md$|^shared\/(reference|seeds)\//.test(t);
        if (target === undefined || (!existsInRepo(target) && namesADocument(target))) {
          flag(file, text, match.index, `${match[0]} is outside the repository`);
        }
      }
      for (const match of text.matchAll(/\breference\/[\w.-]+\.md\b/g)) {
        const fromFile = resolveFrom(file, match[0]);
        if (!existsInRepo(match[0]) && (fromFile === undefined || !existsInRepo(fromFile))) {
          flag(file, text, match.index, `${match[0]} does not exist in the repository`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('name decisions and sections that exist in the doc they point at', () => {
    const problems: string[] = [];
    const decisionRef = new RegExp(
      String.raw`\bdocs\/([\w.-]+\.md),${GAP}decisions?${GAP}(\d+(?:(?:${GAP}|,|and|&|–|-)+\d+)*)`,
      'g',
    );
    const sectionRef = new RegExp(
      String.raw`\bdocs\/([\w.-]+\.md),((?:${GAP}(?:and${GAP})?["“][^"”]+["”],?)+)`,
      'g',
    );
    for (const { file, text } of files) {
      for (const match of text.matchAll(decisionRef)) {
        const doc = `docs/${match[1] ?? ''}`;
        const where = `${file}:${lineAt(text, match.index)}`;
        if (!docs.has(doc)) {
          problems.push(`${where}: ${doc} does not exist`);
          continue;
        }
        const decisions = new Set(
          headingsOfDoc(doc).flatMap((h) => /^Decision\s+(\d+)\b/.exec(h)?.slice(1, 2) ?? []),
        );
        for (const n of (match[2] ?? '').match(/\d+/g) ?? []) {
          if (!decisions.has(n)) problems.push(`${where}: ${doc} has no heading "Decision ${n}"`);
        }
      }
      for (const match of text.matchAll(sectionRef)) {
        const doc = `docs/${match[1] ?? ''}`;
        const where = `${file}:${lineAt(text, match.index)}`;
        if (!docs.has(doc)) continue; // reported by the check for doc paths
        const headings = new Set(headingsOfDoc(doc));
        for (const quoted of unwrap(match[2] ?? '').matchAll(/["“]([^"”]+)["”]/g)) {
          const section = quoted[1] ?? '';
          if (!headings.has(section)) problems.push(`${where}: ${doc} has no heading "${section}"`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('mention only docs that exist, and link only to headings they have', () => {
    const problems: string[] = [];
    for (const { file, text } of files) {
      for (const match of text.matchAll(/\bdocs\/[\w.-]+\.md\b/g)) {
        if (!docs.has(match[0]))
          problems.push(`${file}:${lineAt(text, match.index)}: ${match[0]} does not exist`);
      }
      if (!file.endsWith('.md')) continue;
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const [target = '', anchor] = (match[1] ?? '').split('#');
        if (/^[a-z]+:/i.test(target) || (target && !target.endsWith('.md'))) continue;
        const where = `${file}:${lineAt(text, match.index)}`;
        const doc = target ? resolveFrom(file, target) : file;
        if (doc === undefined || !(docs.has(doc) || existsInRepo(doc))) {
          problems.push(`${where}: link to ${target}, which does not exist`);
          continue;
        }
        if (anchor === undefined || (EXPECTED_FROM_OTHER_BRANCHES.includes(doc) && !existsInRepo(doc)))
          continue;
        const anchors = new Set(headingsOfDoc(doc).map(anchorOf));
        if (!anchors.has(anchor)) problems.push(`${where}: ${doc} has no heading for #${anchor}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
