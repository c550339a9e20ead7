import { describe, expect, it } from 'vitest';
import { requireAddressableName } from '../storage/unsafeBlobName.js';
import { RESULT_KINDS, resultPath } from '../storage/resultsStore.js';
import { MAX_BLOB_NAME_CHARS } from './blobAddress.js';
import { LONGEST_RESULTS_SUFFIX_CHARS, MAX_SOURCE_NAME_CHARS, resultsRoomProblem } from './resultsRoom.js';
import { validateBlob } from './validateBlob.js';
import { sampleMedia } from '../../test/support/media.js';

/** A name of exactly `length` characters, in folders so no file name passes 255 characters. */
function nameOf(length: number): string {
  const folders = `${'f'.repeat(200)}/`.repeat(4);
  return `${folders}${'x'.repeat(length - folders.length - '.png'.length)}.png`;
}

describe('resultsRoomProblem', () => {
  it('leaves room for the longest results suffix, .failure.json', () => {
    expect(LONGEST_RESULTS_SUFFIX_CHARS).toBe('.failure.json'.length);
    expect(MAX_SOURCE_NAME_CHARS).toBe(1011);
  });

  it('accepts the longest name whose results fit, and every results name of it is addressable', () => {
    const name = nameOf(MAX_SOURCE_NAME_CHARS);
    expect(name).toHaveLength(1011);
    expect(resultsRoomProblem(name)).toBeUndefined();
    for (const kind of RESULT_KINDS) {
      expect(resultPath(name, kind).length).toBeLessThanOrEqual(MAX_BLOB_NAME_CHARS);
      expect(() => requireAddressableName(resultPath(name, kind))).not.toThrow();
    }
  });

  it('refuses one character more, saying why and what to do', () => {
    const name = nameOf(MAX_SOURCE_NAME_CHARS + 1);
    expect(() => requireAddressableName(resultPath(name, 'failure'))).toThrow();
    const problem = resultsRoomProblem(name);
    expect(problem).toContain('is 1012 characters');
    expect(problem).toContain('".failure.json"');
    expect(problem).toContain('would be 1025');
    expect(problem).toContain('at most 1011 characters');
  });

  it('is enforced by validateBlob, as an invalid-name rejection, up to the address limit itself', () => {
    const png = sampleMedia('image/png');
    const blob = (name: string) => ({
      name,
      contentType: 'image/png',
      contentLength: png.length,
      firstBytes: png,
    });
    expect(validateBlob(blob(nameOf(MAX_SOURCE_NAME_CHARS))).ok).toBe(true);
    for (const length of [MAX_SOURCE_NAME_CHARS + 1, MAX_BLOB_NAME_CHARS]) {
      const result = validateBlob(blob(nameOf(length)));
      expect(result).toMatchObject({ ok: false, rejection: { kind: 'invalid-name' } });
      if (!result.ok) expect(result.rejection.message).toContain('results document');
    }
  });
});
