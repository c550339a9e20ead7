/**
 * Import cycles in a graph of files. A cycle makes the files in it one unit — none can be loaded, tested or
 * understood without the others, and under CommonJS one of them sees the other half-initialised — so the
 * repository allows none, type-only imports included.
 */
import type { ImportGraph } from './importGraph.js';

/**
 * One example cycle for each group of files that import each other (each strongly connected component of
 * more than one file, or a file importing itself): the shortest path from the group's first file (in sort
 * order) back to itself, e.g. `[a, b, a]`. Groups come in the order of their first file.
 */
export function findCycles(graph: ImportGraph): string[][] {
  return stronglyConnected(graph)
    .filter((group) => group.length > 1 || (graph.get(group[0] ?? '') ?? []).includes(group[0] ?? ''))
    .map((group) => shortestCycle(graph, new Set(group), [...group].sort()[0] ?? ''))
    .sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

/** Tarjan's algorithm: the strongly connected components of `graph`. */
function stronglyConnected(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    lowLink.set(file, index.get(file) ?? 0);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        lowLink.set(file, Math.min(lowLink.get(file) ?? 0, lowLink.get(next) ?? 0));
      } else if (onStack.has(next)) {
        lowLink.set(file, Math.min(lowLink.get(file) ?? 0, index.get(next) ?? 0));
      }
    }
    if (lowLink.get(file) !== index.get(file)) return;
    const group: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      group.push(member);
    } while (member !== file);
    groups.push(group);
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return groups;
}

/** Breadth-first within `group`: the shortest import path from `start` back to `start`. */
function shortestCycle(graph: ImportGraph, group: ReadonlySet<string>, start: string): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  // for…of sees what is pushed while it runs: a queue.
  for (const file of queue) {
    for (const next of graph.get(file) ?? []) {
      if (next === start) return [...pathBack(file, cameFrom, start), start];
      if (group.has(next) && !cameFrom.has(next)) {
        cameFrom.set(next, file);
        queue.push(next);
      }
    }
  }
  return [start, start]; // not reached: every file of a group reaches every other
}

/** `start` → … → `file`, following `cameFrom` back from `file`. */
function pathBack(file: string, cameFrom: ReadonlyMap<string, string>, start: string): string[] {
  const path = [file];
  for (let at = cameFrom.get(file); at !== undefined && path[0] !== start; at = cameFrom.get(at))
    path.unshift(at);
  return path;
}
