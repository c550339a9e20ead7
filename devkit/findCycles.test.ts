import { describe, expect, it } from 'vitest';
import { findCycles } from './findCycles.js';

const graphOf = (edges: Record<string, string[]>): Map<string, string[]> => new Map(Object.entries(edges));

describe('findCycles', () => {
  it('finds none in a graph that only points one way', () => {
    expect(findCycles(graphOf({ a: ['b', 'c'], b: ['c'], c: [] }))).toEqual([]);
  });

  it('names the shortest loop through each group of files that import each other', () => {
    const graph = graphOf({
      a: ['b'],
      b: ['c', 'x'],
      c: ['a', 'b'],
      x: ['y'],
      y: ['x'],
      z: [],
    });
    expect(findCycles(graph)).toEqual([
      ['a', 'b', 'c', 'a'],
      ['x', 'y', 'x'],
    ]);
  });

  it('finds a file that imports itself', () => {
    expect(findCycles(graphOf({ a: ['a'], b: ['a'] }))).toEqual([['a', 'a']]);
  });
});
