import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ATTRIBUTES, LOG_LINES, METRICS, SPANS } from '../../shared/telemetry/names.js';

/**
 * docs/operations.md lists what the app emits; alert rules and workbook queries are written from it. Its
 * tables must name exactly what shared/telemetry/names.ts defines, with the same kinds and units.
 */
const doc = readFileSync('docs/operations.md', 'utf8');

/** The rows of the table between `<!-- operations:<name>:start -->` and `...:end -->`, header excluded. */
function rows(name: string): string[][] {
  const section = new RegExp(
    `<!-- operations:${name}:start -->([\\s\\S]*?)<!-- operations:${name}:end -->`,
  ).exec(doc);
  if (!section) throw new Error(`docs/operations.md has no ${name} table`);
  return (section[1] ?? '')
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

/** The one backticked name in a cell. */
function code(cell: string | undefined): string {
  const names = [...(cell ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  if (names.length !== 1) throw new Error(`expected one \`name\` in "${cell}"`);
  return names[0] as string;
}

describe('docs/operations.md against shared/telemetry/names.ts', () => {
  it('the span table lists every span name, and nothing else', () => {
    expect(
      rows('spans')
        .map(([span]) => code(span))
        .sort(),
    ).toEqual(Object.values(SPANS).sort());
  });

  it('the attribute table lists every attribute name, and nothing else', () => {
    expect(
      rows('attributes')
        .map(([attribute]) => code(attribute))
        .sort(),
    ).toEqual([...new Set(Object.values(ATTRIBUTES))].sort());
  });

  it('the metric table lists every metric with its kind, unit and attributes', () => {
    const documented = rows('metrics').map(([name, kind, unit, splitBy]) => ({
      name: code(name),
      kind,
      unit: code(unit),
      attributes: [...(splitBy ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]).sort(),
    }));
    const defined = Object.values(METRICS).map((m) => ({
      name: m.name,
      kind: m.kind,
      unit: m.unit,
      attributes: [...m.attributes].sort(),
    }));
    expect(documented.sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      defined.sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it('the log-line table lists every prefix the queries read, and nothing else', () => {
    expect(
      rows('log-lines')
        .map(([prefix]) => code(prefix))
        .sort(),
    ).toEqual(Object.values(LOG_LINES).sort());
  });
});
