import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ledgerKey } from './ledgerKey.js';
import { LedgerRecordSchema, parseLedgerRecord } from './record.js';
import {
  ALLOWED_TRANSITIONS,
  LEDGER_STATES,
  REQUIRED_ON_ENTRY,
  TERMINAL_STATES,
  type LedgerState,
} from './states.js';

// docs/ledger.md is the operator's description of the record and the state machine; these tests fail when
// the code changes and the page does not (or the other way round).
const doc = readFileSync(path.join(__dirname, '../../docs/ledger.md'), 'utf8');

describe('docs/ledger.md', () => {
  it('transition table equals ALLOWED_TRANSITIONS', () => {
    const rows = tableRows('transitions');
    const documented = Object.fromEntries(rows.map(([from, to]) => [code(from), codes(to)]));
    expect(documented).toEqual(mapStates((s) => [...ALLOWED_TRANSITIONS[s]]));
  });

  it('requirements table equals TERMINAL_STATES and REQUIRED_ON_ENTRY', () => {
    const rows = tableRows('requirements');
    const terminal = rows.filter(([, isTerminal]) => isTerminal?.trim() === 'yes').map(([s]) => code(s));
    expect(terminal).toEqual([...TERMINAL_STATES]);
    const required = Object.fromEntries(rows.map(([state, , fields]) => [code(state), codes(fields)]));
    expect(required).toEqual(mapStates((s) => [...REQUIRED_ON_ENTRY[s]]));
  });

  it('Mermaid diagram has exactly the allowed transitions, entered at claimed, ending at terminal states', () => {
    const mermaid = /```mermaid\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const aliases = new Map(
      [...mermaid.matchAll(/state "([a-z-]+)" as (\w+)/g)].map((m) => [m[2] ?? '', m[1] ?? '']),
    );
    const name = (id: string): string => aliases.get(id) ?? id;
    const edges = [...mermaid.matchAll(/^\s*(\S+) --> (\S+)\s*$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']);
    const transitions = edges
      .filter(([a, b]) => a !== '[*]' && b !== '[*]')
      .map(([a, b]) => `${name(a ?? '')} → ${name(b ?? '')}`);
    const expected = LEDGER_STATES.flatMap((from) =>
      ALLOWED_TRANSITIONS[from].map((to) => `${from} → ${to}`),
    );
    expect(transitions.sort()).toEqual(expected.sort());
    expect(edges.filter(([a]) => a === '[*]').map(([, b]) => name(b ?? ''))).toEqual(['claimed']);
    expect(
      edges
        .filter(([, b]) => b === '[*]')
        .map(([a]) => name(a ?? ''))
        .sort(),
    ).toEqual([...TERMINAL_STATES].sort());
  });

  it('example record is a valid record under its own key', () => {
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(doc)?.[1] ?? 'null') as unknown;
    const parsed = parseLedgerRecord(example);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.record.key).toBe(ledgerKey(parsed.record.source.container, parsed.record.source.name));
  });

  it('field table lists every field of the schema, and nothing else', () => {
    const documented = tableRows('fields').map(([field]) => code(field));
    expect(documented.sort()).toEqual(schemaPaths(LedgerRecordSchema).sort());
  });
});

/** The cells of the table between `<!-- ledger:<name>:start -->` and `<!-- ledger:<name>:end -->`, header excluded. */
function tableRows(name: string): string[][] {
  const section = new RegExp(`<!-- ledger:${name}:start -->([\\s\\S]*?)<!-- ledger:${name}:end -->`).exec(
    doc,
  )?.[1];
  if (!section) throw new Error(`docs/ledger.md has no ${name} table`);
  const lines = section.split('\n').filter((line) => line.trim().startsWith('|'));
  return lines.slice(2).map((line) => line.split('|').slice(1, -1));
}

/** The one backticked name in a cell. */
function code(cell: string | undefined): string {
  const names = codes(cell);
  if (names.length !== 1) throw new Error(`expected one \`name\` in "${cell}"`);
  return names[0] as string;
}

/** Every backticked name in a cell (`—` has none). */
function codes(cell: string | undefined): string[] {
  return [...(cell ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
}

function mapStates<T>(f: (state: LedgerState) => T): Record<string, T> {
  return Object.fromEntries(LEDGER_STATES.map((s) => [s, f(s)]));
}

/** Dotted paths of every field in a zod object schema, arrays as `name[]`. */
function schemaPaths(schema: z.ZodType, prefix = ''): string[] {
  const optional = schema instanceof z.ZodOptional || schema instanceof z.ZodExactOptional;
  const inner = optional ? (schema.unwrap() as z.ZodType) : schema;
  if (inner instanceof z.ZodArray) return schemaPaths(inner.element as z.ZodType, `${prefix}[]`);
  if (!(inner instanceof z.ZodObject)) return [];
  return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, child]) => {
    const fieldPath = prefix ? `${prefix}.${key}` : key;
    return [fieldPath, ...schemaPaths(child, fieldPath)];
  });
}
