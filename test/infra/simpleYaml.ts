/**
 * Reads the small YAML subset azure.yaml is kept to: `key: value` scalars and nested blocks by
 * indentation, `#` comments. No YAML library is installed, and a file that needs more (lists, flow
 * collections, anchors, multi-line scalars) should not pass silently: anything else is an error naming
 * the line.
 */
export type YamlMap = { [key: string]: string | YamlMap };

export function parseSimpleYaml(text: string): YamlMap {
  const root: YamlMap = {};
  // The open blocks: indentation of their keys, and the map they fill.
  const stack: { indent: number; map: YamlMap }[] = [{ indent: -1, map: root }];
  let pendingKey: { key: string; indent: number; parent: YamlMap } | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = raw.replace(/(^|\s)#.*$/, '').trimEnd();
    if (content.trim() === '') return;
    if (/\t/.test(raw.slice(0, raw.length - raw.trimStart().length)))
      throw new Error(`line ${line}: tab indentation`);
    const indent = content.length - content.trimStart().length;
    const match = /^([A-Za-z0-9_.-]+):(?:\s+(.*))?$/.exec(content.trim());
    if (!match?.[1])
      throw new Error(`line ${line}: not a "key: value" line (keep azure.yaml simple): ${content.trim()}`);
    const [, key, rawValue] = match;
    if (pendingKey) {
      if (indent <= pendingKey.indent) throw new Error(`line ${line}: ${pendingKey.key} has no value`);
      const child: YamlMap = {};
      pendingKey.parent[pendingKey.key] = child;
      stack.push({ indent, map: child });
      pendingKey = undefined;
    }
    while (stack.length > 1 && indent < (stack[stack.length - 1]?.indent ?? 0)) stack.pop();
    const top = stack[stack.length - 1];
    if (!top || (indent !== top.indent && top.indent !== -1))
      throw new Error(`line ${line}: unexpected indentation`);
    if (top.indent === -1) top.indent = indent;
    if (Object.hasOwn(top.map, key)) throw new Error(`line ${line}: duplicate key ${key}`);
    if (rawValue === undefined || rawValue === '') {
      pendingKey = { key, indent, parent: top.map };
      return;
    }
    if (/^[[{&*!|>-]/.test(rawValue))
      throw new Error(`line ${line}: only plain scalars are supported: ${rawValue}`);
    top.map[key] = unquote(rawValue);
  });
  if (pendingKey) throw new Error(`${pendingKey.key} has no value`);
  return root;
}

function unquote(value: string): string {
  const quoted = /^'(.*)'$|^"(.*)"$/.exec(value);
  return quoted ? (quoted[1] ?? quoted[2] ?? '') : value;
}

/** The value at `keys`, or undefined. */
export function yamlGet(map: YamlMap, ...keys: string[]): string | YamlMap | undefined {
  let current: string | YamlMap | undefined = map;
  for (const key of keys) {
    if (current === undefined || typeof current === 'string') return undefined;
    current = current[key];
  }
  return current;
}

/** The string at `keys`; throws when it is missing or a block. */
export function yamlString(map: YamlMap, ...keys: string[]): string {
  const value = yamlGet(map, ...keys);
  if (typeof value !== 'string') throw new Error(`${keys.join('.')} is not a plain value in azure.yaml`);
  return value;
}
