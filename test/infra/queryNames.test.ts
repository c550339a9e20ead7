/**
 * One list of names for the code and the queries (docs/design.md, decision 14): every name the alert rules'
 * and the workbook's Kusto queries quote — metric, attribute, log-line prefix, log field, ledger state —
 * comes from shared/telemetry/names.ts (or the ledger's state list), and every table and column they read
 * is in the one list of Azure's names in kql.ts. The second half proves the check fires on broken copies,
 * and the last part that the code logs what the queries look for.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { newLedgerRecord } from '../../shared/ledger/newRecord.js';
import { logTransition } from '../../shared/pipeline/saveRecord.js';
import type { DrainSummary } from '../../shared/poison/drainPoisonQueue.js';
import type { RecoverySummary } from '../../shared/sweep/recoveryRun.js';
import { LOG_FIELDS, LOG_LINES, METRICS } from '../../shared/telemetry/names.js';
import { MemoryLogger } from '../support/memoryLogger.js';
import { readBicep, topLevel } from './bicep/declarations.js';
import { elements, entries, stringLiteral } from './bicep/syntax.js';
import { type Query, alertQueries, lexKql, queryNameProblems, readWorkbook, workbookQueries } from './kql.js';

const root = process.cwd();
const alerts = alertQueries(root);
const workbookJson = readWorkbook(root);
const workbook = workbookQueries(workbookJson);

describe('the queries infra deploys', () => {
  test('the alert rules load every query file in infra/app/alerts, each once', () => {
    const files = fs
      .readdirSync(path.join(root, 'infra/app/alerts'))
      .filter((f) => f.endsWith('.kql'))
      .map((f) => `infra/app/alerts/${f}`)
      .sort();
    expect(alerts.map((q) => q.source).sort()).toEqual(files);
    expect(files).toHaveLength(7);
  });

  test('the workbook has its query parts', () => {
    expect(workbook.map((q) => q.source.replace(/.* item /, ''))).toEqual([
      'funnel',
      'event-lag',
      'time-to-terminal',
      'latency-summary',
      'terminal-percentiles',
      'rate-limited-share',
      'pace',
      'failures',
      'stuck-files',
      'slowest-files',
      'alert-lines',
    ]);
  });

  test('quote only names from shared/telemetry/names.ts, and read only listed tables and columns', () => {
    expect(queryNameProblems([...alerts, ...workbook])).toEqual([]);
  });

  test('between them use every metric the app emits that an operator acts on', () => {
    const quoted = new Set([...alerts, ...workbook].flatMap((q) => lexKql(q.text).strings));
    const used = Object.values(METRICS)
      .map((m) => m.name)
      .filter((name) => quoted.has(name));
    expect(used).toEqual(
      expect.arrayContaining([
        METRICS.transitions.name,
        METRICS.eventLag.name,
        METRICS.timeToTerminal.name,
        METRICS.apiCalls.name,
        METRICS.rateLimited.name,
        METRICS.pace.name,
        METRICS.breakerOpen.name,
      ]),
    );
  });

  test("each rule's measure and dimension are columns its query makes", () => {
    const bicep = readBicep('infra/app/alerts.bicep', fs.readFileSync('infra/app/alerts.bicep', 'utf8'));
    const rules = topLevel(bicep, 'rules', 'var');
    expect(rules).toBeDefined();
    const ruleObjects = elements(rules?.value ?? []).map((tokens) => entries(tokens));
    expect(ruleObjects).toHaveLength(alerts.length);
    for (const rule of ruleObjects) {
      const queryTokens = rule.get('query') ?? [];
      // A query built from a var (the heartbeat's) names its file in the var.
      const [first] = queryTokens;
      const fromVar = first?.kind === 'ident' ? topLevel(bicep, first.text, 'var')?.value : undefined;
      const file = (fromVar ?? queryTokens).map((t) => stringLiteral(t)).find((s) => s?.endsWith('.kql'));
      const query = alerts.find((q) => q.source === `infra/app/${file ?? ''}`);
      expect(query, `rule ${stringLiteral(rule.get('name')?.[0])}`).toBeDefined();
      const identifiers = lexKql(query?.text ?? '').identifiers;
      for (const key of ['measure', 'dimension']) {
        const column = stringLiteral(rule.get(key)?.[0]) ?? '';
        if (column !== '') expect(identifiers, `${file ?? ''}: ${key} ${column}`).toContain(column);
      }
    }
  });

  test('every rule looks back further than its frequency, so a late line still falls in an evaluation', () => {
    const bicep = readBicep('infra/app/alerts.bicep', fs.readFileSync('infra/app/alerts.bicep', 'utf8'));
    const minutes = (iso: string | undefined): number => {
      const m = /^PT(?:(\d+)H)?(?:(\d+)M)?$/.exec(iso ?? '');
      if (!m) throw new Error(`not a PTnHnM duration: ${iso ?? ''}`);
      return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
    };
    const rules = elements(topLevel(bicep, 'rules', 'var')?.value ?? []).map((tokens) => entries(tokens));
    for (const rule of rules) {
      const name = stringLiteral(rule.get('name')?.[0]);
      const frequency = minutes(stringLiteral(rule.get('frequency')?.[0]));
      expect(minutes(stringLiteral(rule.get('window')?.[0])), `${name ?? ''}`).toBeGreaterThan(frequency);
    }
  });

  test('the workbook falls back to the workspace: alerts.bicep fills its empty resource list', () => {
    expect(workbookJson.split('"fallbackResourceIds": []')).toHaveLength(2);
    expect(fs.readFileSync('infra/app/alerts.bicep', 'utf8')).toContain(
      `replace(loadTextContent('workbook.json'), '"fallbackResourceIds": []', '"fallbackResourceIds": ["\${logAnalytics.id}"]')`,
    );
  });

  test("the heartbeat's period and budget lines are the ones alerts.bicep replaces with its parameters", () => {
    const heartbeat = alerts.find((q) => q.source.endsWith('pollSilent.kql'));
    const bicep = fs.readFileSync('infra/app/alerts.bicep', 'utf8').replace(/,\s+/g, ', ');
    for (const [line, param, unit] of [
      ['let period = 1m;', 'pollPeriodMinutes', 'm'],
      ['let budget = 240s;', 'pollBudgetSeconds', 's'],
    ] as const) {
      expect(heartbeat?.text.split(line)).toHaveLength(2);
      expect(bicep).toContain(`'${line}', '${line.replace(/\d+[ms];$/, `\${${param}}${unit};`)}'`);
    }
  });
});

describe('the name check reports', () => {
  const deadLetters = alerts.find((q) => q.source.endsWith('deadLetters.kql')) as Query;
  const needsPerson = alerts.find((q) => q.source.endsWith('needsPerson.kql')) as Query;
  const edit = (query: Query, from: string, to: string): Query => {
    expect(query.text).toContain(from);
    return { source: query.source, text: query.text.replace(from, to) };
  };

  test('a metric the code does not emit', () => {
    const broken = edit(deadLetters, '"mediamagic.files.transitions"', '"mediamagic.poison.backlog"');
    expect(queryNameProblems([broken]).join('\n')).toMatch(
      /deadLetters\.kql: "mediamagic\.poison\.backlog" is a span, attribute or metric .* does not emit/,
    );
  });

  test('an attribute the code does not set', () => {
    const broken = edit(deadLetters, '"mediamagic.state.to"', '"mediamagic.state"');
    expect(queryNameProblems([broken]).join('\n')).toMatch(/"mediamagic\.state" is a span, attribute/);
  });

  test('a log-line prefix the code does not log', () => {
    const broken = edit(needsPerson, '"ALERT:"', '"ALERT"');
    expect(queryNameProblems([broken]).join('\n')).toMatch(/needsPerson\.kql: "ALERT" is a name/);
  });

  test('a ledger state that does not exist', () => {
    const broken = edit(deadLetters, '"dead-lettered"', '"deadlettered"');
    expect(queryNameProblems([broken]).join('\n')).toMatch(/"deadlettered" is a name/);
  });

  test('a column the table does not have, and a table not in the list', () => {
    expect(queryNameProblems([edit(needsPerson, 'Message startswith', 'Mesage startswith')]).join()).toMatch(
      /Mesage is neither a table in AZURE_TABLES nor a column of AppTraces, AppMetrics/,
    );
    expect(queryNameProblems([edit(deadLetters, 'AppMetrics', 'AppDependencies')]).join('\n')).toMatch(
      /reads none of the tables[\s\S]*AppDependencies is neither/,
    );
  });

  test("a workbook part's unknown metric, read through the workbook's JSON", () => {
    const broken = workbookJson.replace('\\"mediamagic.pace\\"', '\\"mediamagic.pace_per_bucket\\"');
    expect(broken).not.toBe(workbookJson);
    expect(queryNameProblems(workbookQueries(broken)).join('\n')).toMatch(
      /workbook\.json item pace: "mediamagic\.pace_per_bucket"/,
    );
  });

  test('the lexer skips comments and punctuation-only literals, and reads escapes', () => {
    expect(
      lexKql('// "not.a.name"\nT | where x == "a\\"b" and y == @"c\\d" | parse z with * ": " w'),
    ).toEqual({
      strings: ['a"b', 'c\\d', ': '],
      identifiers: ['T', 'where', 'x', 'and', 'y', 'parse', 'z', 'with', 'w'],
    });
  });
});

describe('the code logs what the queries look for', () => {
  test('a ledger transition line starts with its prefix and carries the fields by their names', () => {
    const logger = new MemoryLogger();
    const record = newLedgerRecord(
      { container: 'uploads', name: 'videos/a.mp4' },
      { sourceEtag: '"0x1"', contentType: 'video/mp4', contentLength: 1, due: '2026-11-25T12:15:00.000Z' },
      '2026-11-25T12:00:00.000Z',
    );
    logTransition(logger, record, 'stuck', 'why', { ...record, state: 'stuck', submissionId: 'sub-1' });
    const [line] = logger.lines;
    expect(line?.message).toBe(LOG_LINES.transition);
    const f = LOG_FIELDS.transition;
    expect(line?.props).toEqual({
      [f.blob]: 'videos/a.mp4',
      [f.generation]: 1,
      [f.from]: 'claimed',
      [f.to]: 'stuck',
      [f.reason]: 'why',
      [f.submissionId]: 'sub-1',
    });
  });

  test('the sweepSource line fields the poison query reads are fields of the run summary', () => {
    // Compile-time: renaming a summary field breaks this file before it breaks the alert.
    const poison = LOG_FIELDS.recoveryRun.poison satisfies keyof RecoverySummary;
    const counts = [
      LOG_FIELDS.recoveryRun.left,
      LOG_FIELDS.recoveryRun.givenUp,
      LOG_FIELDS.recoveryRun.unreadable,
      LOG_FIELDS.recoveryRun.stopped,
    ] satisfies (keyof DrainSummary)[];
    const error = LOG_FIELDS.recoveryRun.error satisfies keyof Exclude<
      RecoverySummary['poison'],
      DrainSummary
    >;
    expect([poison, ...counts, error]).toHaveLength(6);
  });

  test('every ALERT literal in shared/ and functions/ starts with the prefix the queries look for', () => {
    const literals = alertLiterals(['shared', 'functions']);
    // The places known when this was written; fewer would mean the scan no longer finds them.
    expect(literals.length).toBeGreaterThanOrEqual(10);
    const wrong = literals.filter((l) => !l.text.startsWith(`${LOG_LINES.alert} `));
    expect(wrong).toEqual([]);
  });

  test('the ALERT scan reports a literal that is spelt differently', () => {
    expect(alertLiteralsIn('x.ts', "logger.error('Alert - gone', {});\nlog(`ALERT:${x}`)")).toEqual([
      { at: 'x.ts:1', text: 'Alert - gone' },
      { at: 'x.ts:2', text: 'ALERT:${x}' },
    ]);
  });
});

/** String and template literals that begin with the word ALERT in any case, in the non-test .ts files. */
function alertLiterals(folders: readonly string[]): { at: string; text: string }[] {
  const found: { at: string; text: string }[] = [];
  const visit = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) visit(file);
      // names.ts holds the prefix itself.
      else if (file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('telemetry/names.ts'))
        found.push(...alertLiteralsIn(file, fs.readFileSync(file, 'utf8')));
    }
  };
  for (const folder of folders) visit(folder);
  return found;
}

/** The ALERT literals of one file; comment lines (which quote the prefix in backticks) are skipped. */
function alertLiteralsIn(file: string, source: string): { at: string; text: string }[] {
  return source.split('\n').flatMap((line, i) =>
    /^\s*(\*|\/\/|\/\*)/.test(line)
      ? []
      : [...line.matchAll(/['"`](\s*alert\b[^'"`]*)/gi)].map((m) => ({
          at: `${file}:${i + 1}`,
          text: m[1] ?? '',
        })),
  );
}
