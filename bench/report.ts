/**
 * How benchmark results are shown: each benchmark returns a {@link BenchSection} (a comparison table with
 * targets, plus notes), which is printed to the terminal and written into `docs/benchmarks.md` between
 * `<!-- bench:<id>:start -->` / `<!-- bench:<id>:end -->` markers. Everything outside the markers is
 * hand-written prose and is kept as it is, so a re-run refreshes the figures without losing the analysis.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A target a figure is judged against: how it reads in the table, and the test. */
export interface Target {
  readonly text: string;
  readonly met: (value: number) => boolean;
}

/** One measured figure: the number the target is checked on, and how it is shown. */
export interface Figure {
  readonly value: number;
  readonly text: string;
}

/** One row of a comparison: a metric, its target (if it has one) and one figure per side. */
export interface MetricRow {
  readonly metric: string;
  readonly target?: Target;
  /** One entry per side, in the order of {@link Comparison.sides}; undefined = not measured for that side. */
  readonly figures: readonly (Figure | undefined)[];
  /** Which sides the target applies to (default all), e.g. a target stated "with webhooks" only. */
  readonly judged?: readonly boolean[];
}

/** Sides (ours, the baseline, …) measured in the same run, metric by metric. */
export interface Comparison {
  readonly sides: readonly string[];
  readonly rows: readonly MetricRow[];
  /**
   * `metrics-as-rows` (default): one row per metric, a figure and a Result column per side.
   * `sides-as-rows`: one row per side, a figure and a Result column per metric (target in the header) —
   * narrower when there are many sides.
   */
  readonly layout?: 'metrics-as-rows' | 'sides-as-rows';
}

/** A plain table (breakdowns that have no targets). */
export interface PlainTable {
  readonly caption: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** What one benchmark produced. */
export interface BenchSection {
  /** Marker id in docs/benchmarks.md, e.g. `goodput`. */
  readonly id: string;
  readonly title: string;
  /** `quick` runs use smaller inputs; the section says so. */
  readonly mode: 'full' | 'quick';
  readonly comparison: Comparison;
  readonly breakdowns?: readonly PlainTable[];
  /** Facts worth a sentence: how it was measured, and every MISS with its cause. */
  readonly notes: readonly string[];
}

/** The machine a run happened on, stamped on every section. */
export interface RunContext {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
}

/** Describes this machine and this moment. */
export function runContext(): RunContext {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** PASS / MISS for a figure against a target; an em dash when there is nothing to judge. */
export function verdict(target: Target | undefined, figure: Figure | undefined): string {
  if (!target || !figure) return '—';
  return target.met(figure.value) ? 'PASS' : 'MISS';
}

/**
 * The comparison as one table: Metric | Target | then, per side, its figure and its PASS/MISS column — so
 * every figure has its target on the same row and its verdict right beside it.
 */
export function comparisonTable(comparison: Comparison): PlainTable {
  if (comparison.layout === 'sides-as-rows') return sidesAsRows(comparison);
  const headers = ['Metric', 'Target', ...comparison.sides.flatMap((side) => [side, 'Result'])];
  const rows = comparison.rows.map((row) => [
    row.metric,
    row.target?.text ?? '—',
    ...comparison.sides.flatMap((_, i) => {
      const figure = row.figures[i];
      const judged = row.judged?.[i] ?? true;
      return [figure?.text ?? 'n/a', judged ? verdict(row.target, figure) : '—'];
    }),
  ]);
  return { caption: '', headers, rows };
}

function sidesAsRows(comparison: Comparison): PlainTable {
  const headers = [
    'Side',
    ...comparison.rows.flatMap((row) =>
      row.target ? [`${row.metric} (target ${row.target.text})`, 'Result'] : [row.metric],
    ),
  ];
  const rows = comparison.sides.map((side, i) => [
    side,
    ...comparison.rows.flatMap((row) => {
      const figure = row.figures[i];
      const judged = row.judged?.[i] ?? true;
      return row.target
        ? [figure?.text ?? 'n/a', judged ? verdict(row.target, figure) : '—']
        : [figure?.text ?? 'n/a'];
    }),
  ]);
  return { caption: '', headers, rows };
}

/** A Markdown table with padded columns (the way Prettier would lay it out, so diffs stay small). */
export function markdownTable(table: Pick<PlainTable, 'headers' | 'rows'>): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  const all = [table.headers, ...table.rows].map((row) => row.map(escape));
  const widths = table.headers.map((_, i) => Math.max(3, ...all.map((row) => displayWidth(row[i] ?? ''))));
  const line = (row: readonly string[]): string =>
    `| ${widths.map((w, i) => pad(row[i] ?? '', w)).join(' | ')} |`;
  const [head, ...body] = all;
  return [line(head ?? []), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join(
    '\n',
  );
}

/** The whole section as Markdown: a stamp line, the comparison, breakdowns and notes. */
export function sectionMarkdown(section: BenchSection, context: RunContext): string {
  const parts = [
    `_Measured ${context.date} on ${context.cpu} (${context.cores} cores, ${context.memoryGiB} GiB), ` +
      `Node ${context.node}, ${context.platform}; ${section.mode === 'quick' ? '`--quick` run' : 'full run'}._`,
    markdownTable(comparisonTable(section.comparison)),
  ];
  for (const table of section.breakdowns ?? []) parts.push(`${table.caption}\n\n${markdownTable(table)}`);
  if (section.notes.length > 0) parts.push(section.notes.map((note) => `- ${note}`).join('\n'));
  return parts.join('\n\n');
}

/** Prints a section to the terminal (the same Markdown, which reads fine as plain text). */
export function printSection(section: BenchSection, context: RunContext): void {
  console.log(`\n## ${section.title}\n\n${sectionMarkdown(section, context)}\n`);
}

/** Where the figures live. */
export const BENCHMARKS_DOC = path.resolve(__dirname, '../../docs/benchmarks.md');

/**
 * Writes the section between its markers in `file`, replacing what was there. A section seen for the first
 * time is appended under its own heading, so a new benchmark never needs a hand edit before its first run.
 */
export function writeSection(section: BenchSection, context: RunContext, file = BENCHMARKS_DOC): void {
  const start = `<!-- bench:${section.id}:start -->`;
  const end = `<!-- bench:${section.id}:end -->`;
  const body = `${start}\n\n${sectionMarkdown(section, context)}\n\n${end}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  writeFileSync(file, replaceBetweenMarkers(current, start, end, body, `## ${section.title}`));
}

/**
 * Replaces `start…end` (markers included) in `text` with `body`; when the markers are missing, appends
 * `heading` and `body` at the end. Pure, for the unit test.
 */
export function replaceBetweenMarkers(
  text: string,
  start: string,
  end: string,
  body: string,
  heading: string,
): string {
  const from = text.indexOf(start);
  const to = text.indexOf(end, from + start.length);
  if (from === -1 || to === -1) return `${text.replace(/\s*$/, '')}\n\n${heading}\n\n${body}\n`;
  return `${text.slice(0, from)}${body}${text.slice(to + end.length)}`;
}

// ---------------------------------------------------------------------------------------------------
// Formatting helpers shared by the benchmarks, so every table spells numbers the same way.

/** `1234.5` → `1,235` (or with `digits` decimals). */
export function num(value: number, digits = 0): string {
  return value.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A share as a percentage: `0.0312` → `3.1 %`. */
export function pct(share: number, digits = 1): string {
  return `${num(share * 100, digits)} %`;
}

/** Bytes in MiB: `157286400` → `150.0 MiB`. */
export function mib(bytes: number, digits = 1): string {
  return `${num(bytes / 2 ** 20, digits)} MiB`;
}

/** Milliseconds as seconds: `104250` → `104.3 s`. */
export function secs(ms: number, digits = 1): string {
  return `${num(ms / 1000, digits)} s`;
}

/** A figure from a number and a formatter. */
export function figure(value: number, format: (v: number) => string): Figure {
  return { value, text: format(value) };
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The p-th percentile (nearest rank) of a non-empty list, p in [0, 100]. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

function displayWidth(text: string): number {
  // Every character we print (≥, ≤, ÷, —, ×) is one column wide; code points, not UTF-16 units.
  return [...text].length;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}
