import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settingsTable } from '../scripts/settingsTable.js';

/** Splits a Markdown table row into trimmed cells (escaped pipes stay inside their cell). */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

describe('README', () => {
  const readme = readFileSync('README.md', 'utf8');

  it('its settings table is exactly the config module’s SETTINGS (regenerate with npm run settings-table)', () => {
    const section = /<!-- settings:start -->\n([\s\S]*?)\n<!-- settings:end -->/.exec(readme)?.[1];
    expect(section, 'settings markers missing').toBeDefined();
    const documented = (section ?? '')
      .split('\n')
      .filter((l) => l.startsWith('|'))
      .slice(2)
      .map(cells);
    const expected = settingsTable().split('\n').slice(2).map(cells);
    expect(documented).toEqual(expected);
  });

  it('links only to docs that exist', () => {
    for (const [, target] of readme.matchAll(/\]\(((?:docs\/|local\.)[^)#]+)\)/g)) {
      expect(() => readFileSync(target as string), target).not.toThrow();
    }
  });
});
