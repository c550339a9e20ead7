/**
 * Reading the Kusto queries infra/ deploys — the alert rules' (infra/app/alerts/*.kql, loaded by
 * alerts.bicep) and the workbook's (infra/app/workbook.json) — and checking the names in them against
 * shared/telemetry/names.ts and against the Azure Monitor tables and columns they rely on.
 *
 * A lexer, not a parser: it finds the string literals and the identifiers outside strings and comments.
 * The convention that makes identifiers checkable: Azure's tables and columns are PascalCase, and every
 * name a query introduces itself (let, extend, summarize) is camelCase.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LEDGER_STATES } from '../../shared/ledger/states.js';
import { ATTRIBUTES, EVENTS, LOG_FIELDS, LOG_LINES, METRICS, SPANS } from '../../shared/telemetry/names.js';

/**
 * The workspace tables (workspace-based Application Insights) the queries read, with the columns they may
 * use. The app's log lines land in AppTraces (`Message`, properties in `Properties`), its metrics in
 * AppMetrics (one row per metric and attribute set per export interval: `Sum` and `ItemCount`, and for a
 * histogram `Min` and `Max`; attributes in `Properties`). This is the one list of Azure's names.
 */
export const AZURE_TABLES: Readonly<Record<string, readonly string[]>> = {
  AppTraces: ['TimeGenerated', 'Message', 'SeverityLevel', 'OperationName', 'AppRoleInstance', 'Properties'],
  AppMetrics: ['TimeGenerated', 'Name', 'Sum', 'ItemCount', 'Min', 'Max', 'AppRoleInstance', 'Properties'],
};

/** One query and where it comes from (a file, or the workbook item's name). */
export interface Query {
  readonly source: string;
  readonly text: string;
}

/** The string literals of a query (their values) and its identifiers outside strings and comments. */
export interface KqlTokens {
  readonly strings: readonly string[];
  readonly identifiers: readonly string[];
}

/** Splits `text` into string literals and identifiers; `//` comments and numbers/timespans are skipped. */
export function lexKql(text: string): KqlTokens {
  const strings: string[] = [];
  const identifiers: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
    } else if ((c === '@' || c === 'h' || c === 'H') && /["']/.test(text.charAt(i + 1))) {
      // Verbatim (@"…") and obfuscated (h"…") literals: a verbatim one has no escapes.
      const [value, next] = quoted(text, i + 1, c === '@');
      strings.push(value);
      i = next;
    } else if (c === '"' || c === "'") {
      const [value, next] = quoted(text, i, false);
      strings.push(value);
      i = next;
    } else if (/[0-9]/.test(c)) {
      i = skip(text, i, /[0-9A-Za-z_.]/);
    } else if (/[A-Za-z_]/.test(c)) {
      const end = skip(text, i, /[A-Za-z0-9_]/);
      identifiers.push(text.slice(i, end));
      i = end;
    } else {
      i++;
    }
  }
  return { strings, identifiers };
}

function skip(text: string, from: number, pattern: RegExp): number {
  let i = from;
  while (i < text.length && pattern.test(text.charAt(i))) i++;
  return i;
}

/** The value of the literal whose opening quote is at `open`, and the index after its closing quote. */
function quoted(text: string, open: number, verbatim: boolean): [string, number] {
  const quote = text.charAt(open);
  let value = '';
  let i = open + 1;
  while (i < text.length && text.charAt(i) !== quote) {
    if (!verbatim && text.charAt(i) === '\\') {
      value += text.charAt(i + 1);
      i += 2;
    } else {
      value += text.charAt(i);
      i++;
    }
  }
  if (i >= text.length)
    throw new Error(`unterminated string literal at ${open}: ${text.slice(open, open + 40)}`);
  return [value, i + 1];
}

/** Every name of shared/telemetry/names.ts a query may quote, with what it is. */
export function knownNames(): Map<string, string> {
  const known = new Map<string, string>();
  for (const span of Object.values(SPANS)) known.set(span, 'span');
  for (const attribute of Object.values(ATTRIBUTES)) known.set(attribute, 'attribute');
  for (const event of Object.values(EVENTS)) known.set(event, 'event');
  for (const metric of Object.values(METRICS)) known.set(metric.name, 'metric');
  for (const prefix of Object.values(LOG_LINES)) known.set(prefix, 'log line prefix');
  for (const fields of Object.values(LOG_FIELDS))
    for (const field of Object.values(fields)) known.set(field, 'log line field');
  // Ledger states are attribute values (mediamagic.state.to) and log fields' values.
  for (const state of LEDGER_STATES) known.set(state, 'ledger state');
  return known;
}

/**
 * What is wrong with the names in `queries`: a quoted string with a letter in it that is not a name of
 * names.ts (or a ledger state), a table the list above does not have, a PascalCase identifier that is not a
 * column of a table the query reads. Punctuation-only literals (`": "`) are parsing, not names.
 */
export function queryNameProblems(queries: readonly Query[]): string[] {
  const known = knownNames();
  const problems: string[] = [];
  for (const { source, text } of queries) {
    const { strings, identifiers } = lexKql(text);
    for (const value of strings) {
      if (!/[A-Za-z]/.test(value) || known.has(value)) continue;
      const what = /^mediamagic\.|\./.test(value) ? 'a span, attribute or metric' : 'a name';
      problems.push(
        `${source}: "${value}" is ${what} shared/telemetry/names.ts does not define (the code does not emit it)`,
      );
    }
    const pascal = [...new Set(identifiers.filter((id) => /^[A-Z]/.test(id)))];
    const tables = pascal.filter((id) => AZURE_TABLES[id] !== undefined);
    if (tables.length === 0) problems.push(`${source}: reads none of the tables in AZURE_TABLES`);
    const columns = new Set(tables.flatMap((table) => AZURE_TABLES[table] ?? []));
    for (const id of pascal) {
      if (AZURE_TABLES[id] !== undefined || columns.has(id)) continue;
      problems.push(
        `${source}: ${id} is neither a table in AZURE_TABLES nor a column of ${tables.join(', ')}`,
      );
    }
  }
  return problems;
}

const ALERTS_BICEP = 'infra/app/alerts.bicep';
const WORKBOOK = 'infra/app/workbook.json';

/** The queries the alert rules load, by the file name `loadTextContent` gives. */
export function alertQueries(root: string): Query[] {
  const bicep = fs.readFileSync(path.join(root, ALERTS_BICEP), 'utf8');
  return [...bicep.matchAll(/loadTextContent\('([^']+\.kql)'\)/g)].map((m) => {
    const source = path.posix.join(path.posix.dirname(ALERTS_BICEP), m[1] ?? '');
    return { source, text: fs.readFileSync(path.join(root, source), 'utf8') };
  });
}

/** A workbook item, as far as the queries go: a query, or a group of items. */
interface WorkbookItem {
  readonly name?: string;
  readonly content?: { readonly query?: string; readonly items?: readonly WorkbookItem[] };
}

/** The queries of the workbook's items (groups included), by item name. */
export function workbookQueries(workbookJson: string): Query[] {
  const workbook = JSON.parse(workbookJson) as { items?: readonly WorkbookItem[] };
  const queries: Query[] = [];
  const visit = (items: readonly WorkbookItem[]): void => {
    for (const item of items) {
      if (typeof item.content?.query === 'string')
        queries.push({ source: `${WORKBOOK} item ${item.name ?? '?'}`, text: item.content.query });
      if (item.content?.items) visit(item.content.items);
    }
  };
  visit(workbook.items ?? []);
  return queries;
}

/** The workbook's JSON as deployed. */
export function readWorkbook(root: string): string {
  return fs.readFileSync(path.join(root, WORKBOOK), 'utf8');
}
