import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMMITTED_BLOB_APIS,
  blobSubject,
  blobUrl,
  isCommittedBlobApi,
  parseBlobSubject,
  parseBlobUrl,
  safeDecode,
} from './blobCreatedEvent.js';

describe('committed block blob operations', () => {
  it('are exactly the four that commit a block blob', () => {
    expect([...COMMITTED_BLOB_APIS]).toEqual(['PutBlob', 'PutBlockList', 'CopyBlob', 'FlushWithClose']);
  });

  it.each(['PutBlock', 'AppendBlock', 'PutPage', 'putblob', 'DeleteBlob', '', 'SetBlobTier'])(
    '%j does not commit a block blob',
    (api) => {
      expect(isCommittedBlobApi(api)).toBe(false);
    },
  );
});

describe('blob subjects', () => {
  it('formats and parses /blobServices/default/containers/<c>/blobs/<name>', () => {
    const subject = blobSubject('uploads', 'a/b/c d.mp4');
    expect(subject).toBe('/blobServices/default/containers/uploads/blobs/a/b/c d.mp4');
    expect(parseBlobSubject(subject)).toEqual({ container: 'uploads', rawName: 'a/b/c d.mp4' });
  });

  it('keeps a name that itself contains /blobs/', () => {
    expect(parseBlobSubject('/blobServices/default/containers/c1/blobs/x/blobs/y.png')).toEqual({
      container: 'c1',
      rawName: 'x/blobs/y.png',
    });
  });

  it.each([
    'blobServices/default/containers/c/blobs/a.png',
    '/blobServices/default/containers/c/blobs/',
    '/blobServices/default/containers/c',
    '/blobServices/default/containers//blobs/a.png',
    '/fileServices/default/shares/s/files/a.png',
    '',
  ])('rejects %j', (subject) => {
    expect(parseBlobSubject(subject)).toBeUndefined();
  });
});

describe('blob URLs', () => {
  it('percent-encodes each segment of the name', () => {
    expect(blobUrl('https://acct.blob.core.windows.net/', 'c', 'dir/a b?#%.png')).toBe(
      'https://acct.blob.core.windows.net/c/dir/a%20b%3F%23%25.png',
    );
  });

  it.each([
    [
      'https://acct.blob.core.windows.net/uploads/dir/a%20b.png',
      { container: 'uploads', blobName: 'dir/a b.png' },
    ],
    ['https://acct.dfs.core.windows.net/fs/x/y.txt', { container: 'fs', blobName: 'x/y.txt' }],
    ['http://127.0.0.1:10000/devstoreaccount1/uploads/a.png', { container: 'uploads', blobName: 'a.png' }],
    ['http://localhost:10000/devstoreaccount1/uploads/a.png', { container: 'uploads', blobName: 'a.png' }],
    ['http://[::1]:10000/devstoreaccount1/uploads/a.png', { container: 'uploads', blobName: 'a.png' }],
    ['https://acct.blob.core.windows.net/c/a.png?sv=1&sig=x', { container: 'c', blobName: 'a.png' }],
    ['https://acct.blob.core.windows.net/c/../a.png', { container: 'c', blobName: '../a.png' }],
    ['https://acct.blob.core.windows.net/c/100%.png', { container: 'c', blobName: '100%.png' }],
  ])('parses %s', (url, expected) => {
    expect(parseBlobUrl(url)).toEqual(expected);
  });

  it.each([
    'ftp://acct/c/a.png',
    'https://acct.blob.core.windows.net/',
    'https://acct.blob.core.windows.net/c',
    'https://acct.blob.core.windows.net/c/',
    'http://127.0.0.1:10000/devstoreaccount1/c',
    'not a url',
  ])('rejects %j', (url) => {
    expect(parseBlobUrl(url)).toBeUndefined();
  });

  it('round-trips any name through blobUrl and parseBlobUrl', () => {
    const segment = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 12 })
      .filter((s) => !s.includes('/'));
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.boolean(), (segments, azurite) => {
        const name = segments.join('/');
        const endpoint = azurite
          ? 'http://127.0.0.1:10000/devstoreaccount1'
          : 'https://a.blob.core.windows.net';
        expect(parseBlobUrl(blobUrl(endpoint, 'uploads', name))).toEqual({
          container: 'uploads',
          blobName: name,
        });
      }),
    );
  });
});

describe('safeDecode', () => {
  it('decodes valid percent-encoding and leaves invalid input alone', () => {
    expect(safeDecode('a%20b')).toBe('a b');
    expect(safeDecode('100%')).toBe('100%');
    expect(safeDecode('%E0%A4%A')).toBe('%E0%A4%A');
  });
});
