/**
 * The package version for `--version`, read from the package's own package.json. Found by walking up from
 * this file because the depth differs between the sources (`cli/lib/`) and the build (`dist/cli/lib/`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const PACKAGE_NAME = 'mediamagic-autosubmit';

/** `name version`, e.g. `mediamagic-autosubmit 0.1.0`; `unknown` when package.json cannot be found. */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}
