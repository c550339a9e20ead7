/**
 * Prints the README's settings table from the config module's `SETTINGS`, the single source of truth.
 * `npm run settings-table` regenerates it; test/readme.test.ts fails when the README drifts from it.
 */
import { SETTINGS } from '../shared/config/settings.js';

/** The Markdown table (header included). */
export function settingsTable(): string {
  const escape = (text: string): string =>
    text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const rows = SETTINGS.map((s) => {
    const required = s.required ? 'yes' : s.requiredGroup ? 'one form¹' : 'no';
    const defaultValue = s.default !== undefined ? `\`${s.default}\`` : '—';
    return `| \`${s.name}\` | ${required} | ${defaultValue} | ${s.secret ? 'yes' : 'no'} | ${escape(s.description)} |`;
  });
  return [
    '| Setting | Required | Default | Secret | Meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

if (require.main === module) console.log(settingsTable());
