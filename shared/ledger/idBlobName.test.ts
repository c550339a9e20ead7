import { describe, expect, it } from 'vitest';
import { MAX_BLOB_NAME_CHARS } from '../validation/blobAddress.js';
import { HASHED_ID_MARKER, idBlobName } from './idBlobName.js';

describe('idBlobName', () => {
  const prefix = 'submissions/';
  const room = MAX_BLOB_NAME_CHARS - prefix.length - '.json'.length;

  it('keeps the URI-encoded id when the name fits, so names written before stay found', () => {
    expect(idBlobName(prefix, '3f2c-uuid')).toBe('submissions/3f2c-uuid.json');
    expect(idBlobName(prefix, 'ws/1?x')).toBe('submissions/ws%2F1%3Fx.json');
    const longest = 'a'.repeat(room);
    expect(idBlobName(prefix, longest)).toBe(`${prefix}${longest}.json`);
    expect(idBlobName(prefix, longest)).toHaveLength(MAX_BLOB_NAME_CHARS);
  });

  it('hashes an id one character past the limit into a fixed-length name', () => {
    const name = idBlobName(prefix, 'a'.repeat(room + 1));
    expect(name).toMatch(/^submissions\/sha256=[0-9a-f]{64}\.json$/);
  });

  it('counts the encoded length: 256 multibyte characters (2,304 encoded) are hashed', () => {
    const name = idBlobName(prefix, '中'.repeat(256));
    expect(name.length).toBeLessThanOrEqual(MAX_BLOB_NAME_CHARS);
    expect(name.startsWith(`${prefix}${HASHED_ID_MARKER}`)).toBe(true);
    // 111 encode to 999 characters and fit; 112 encode to 1,008 and do not: the rule counts the encoded form.
    expect(idBlobName(prefix, '中'.repeat(111))).toBe(
      `${prefix}${encodeURIComponent('中'.repeat(111))}.json`,
    );
    expect(idBlobName(prefix, '中'.repeat(112)).startsWith(`${prefix}${HASHED_ID_MARKER}`)).toBe(true);
  });

  it('keeps one name per id: same id, same name; ids sharing a long prefix, different names', () => {
    const base = '中'.repeat(200);
    expect(idBlobName(prefix, `${base}a`)).toBe(idBlobName(prefix, `${base}a`));
    expect(idBlobName(prefix, `${base}a`)).not.toBe(idBlobName(prefix, `${base}b`));
  });

  it('never gives a hashed name to an id that is itself shaped like one', () => {
    const lookalike = `${HASHED_ID_MARKER}${'0'.repeat(64)}`;
    expect(idBlobName(prefix, lookalike)).toBe(`${prefix}sha256%3D${'0'.repeat(64)}.json`);
  });
});
