/** Reading infra/ from disk, and the deliberately broken copies the tests feed the checks. */
import fs from 'node:fs';
import path from 'node:path';

/** Every `infra/**.bicep` under `root`, as repository-relative path → text. */
export function readInfraSources(root: string): Map<string, string> {
  const sources = new Map<string, string>();
  const visit = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const relative = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) visit(relative);
      else if (entry.name.endsWith('.bicep'))
        sources.set(relative, fs.readFileSync(path.join(root, relative), 'utf8'));
    }
  };
  visit('infra');
  return sources;
}

/** A copy of `sources` with `from` replaced by `to` in one file; `from` must occur exactly once. */
export function edited(
  sources: ReadonlyMap<string, string>,
  filePath: string,
  from: string,
  to: string,
): Map<string, string> {
  const text = sources.get(filePath);
  if (text === undefined) throw new Error(`no ${filePath}`);
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`${filePath}: expected one ${JSON.stringify(from)}, found ${count}`);
  return new Map(sources).set(filePath, text.replace(from, to));
}
