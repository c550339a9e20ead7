import { describe, expect, it } from 'vitest';
import {
  comparisonTable,
  markdownTable,
  median,
  percentile,
  replaceBetweenMarkers,
  type Comparison,
} from '../../bench/report.js';
import { labelOf } from '../../bench/stack.js';

describe('bench report', () => {
  const comparison: Comparison = {
    sides: ['Ours', 'Baseline'],
    rows: [
      {
        metric: 'calls per asset',
        target: { text: '≤ 4', met: (v) => v <= 4 },
        figures: [
          { value: 4, text: '4.00' },
          { value: 5, text: '5.00' },
        ],
      },
      {
        metric: 'only ours is judged',
        target: { text: '0', met: (v) => v === 0 },
        figures: [{ value: 0, text: '0' }, undefined],
        judged: [true, false],
      },
    ],
  };

  it('puts the target beside each figure and a PASS/MISS verdict per judged side', () => {
    const table = comparisonTable(comparison);
    expect(table.headers).toEqual(['Metric', 'Target', 'Ours', 'Result', 'Baseline', 'Result']);
    expect(table.rows[0]).toEqual(['calls per asset', '≤ 4', '4.00', 'PASS', '5.00', 'MISS']);
    expect(table.rows[1]).toEqual(['only ours is judged', '0', '0', 'PASS', 'n/a', '—']);
  });

  it('lays sides out as rows on request, targets in the headers', () => {
    const table = comparisonTable({ ...comparison, layout: 'sides-as-rows' });
    expect(table.headers).toEqual([
      'Side',
      'calls per asset (target ≤ 4)',
      'Result',
      'only ours is judged (target 0)',
      'Result',
    ]);
    expect(table.rows[1]).toEqual(['Baseline', '5.00', 'MISS', 'n/a', '—']);
  });

  it('pads Markdown columns to the widest cell and escapes pipes', () => {
    expect(markdownTable({ headers: ['a', 'bb'], rows: [['x|y', '≥ 1']] })).toBe(
      ['| a    | bb  |', '| ---- | --- |', '| x\\|y | ≥ 1 |'].join('\n'),
    );
  });

  it('replaces exactly the text between markers and keeps the prose around them', () => {
    const doc = 'intro\n<!-- s -->\nold\n<!-- e -->\nafter\n';
    expect(replaceBetweenMarkers(doc, '<!-- s -->', '<!-- e -->', '<!-- s -->new<!-- e -->', '## X')).toBe(
      'intro\n<!-- s -->new<!-- e -->\nafter\n',
    );
  });

  it('appends a section with its heading when its markers are missing', () => {
    expect(replaceBetweenMarkers('# T\n\n', '<!-- s -->', '<!-- e -->', 'BODY', '## X')).toBe(
      '# T\n\n## X\n\nBODY\n',
    );
  });

  it('computes medians and nearest-rank percentiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
  });

  it('labels storage requests by container role, method and query', () => {
    const roles = { 'mediamagic-ledger': 'ledger' };
    expect(
      labelOf('PUT', 'http://127.0.0.1:1/devstoreaccount1/mediamagic-ledger/records/a.json?comp=tags', roles),
    ).toBe('ledger PUT ?comp=tags');
    expect(
      labelOf(
        'GET',
        'http://127.0.0.1:1/devstoreaccount1/mediamagic-ledger?restype=container&comp=blobs',
        roles,
      ),
    ).toBe('ledger GET ?restype=container&comp=blobs');
  });
});
