import { describe, expect, it } from 'vitest';
import { multipartBoundary, parseMultipart } from './multipart.js';

describe('multipart', () => {
  it('finds the boundary only for multipart/form-data', () => {
    expect(multipartBoundary('multipart/form-data; boundary=abc')).toBe('abc');
    expect(multipartBoundary('multipart/form-data; boundary="a b"')).toBe('a b');
    expect(multipartBoundary('application/json')).toBeUndefined();
    expect(multipartBoundary(undefined)).toBeUndefined();
  });

  it('parses what the platform FormData serialises, byte for byte', async () => {
    const data = Buffer.from([0, 1, 2, 13, 10, 45, 45, 255]);
    const form = new FormData();
    form.append('note', 'hi');
    form.append('file', new Blob([data], { type: 'image/png' }), 'a "quoted" name.png');
    const request = new Request('http://x/', { method: 'POST', body: form });
    const body = Buffer.from(await request.arrayBuffer());
    const boundary = multipartBoundary(request.headers.get('content-type') ?? '') ?? '';
    const parts = parseMultipart(body, boundary);
    expect(parts.map((p) => p.name)).toEqual(['note', 'file']);
    const file = parts[1];
    expect(file?.contentType).toBe('image/png');
    expect(file?.data.equals(data)).toBe(true);
    expect(file?.filename).toContain('quoted');
  });

  it('throws on malformed bodies', () => {
    expect(() => parseMultipart(Buffer.from('garbage'), 'b')).toThrow();
    expect(() =>
      parseMultipart(Buffer.from('--b\r\nContent-Disposition: form-data; name="x"\r\n\r\nno end'), 'b'),
    ).toThrow();
  });
});
