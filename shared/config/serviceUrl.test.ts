import { describe, expect, it } from 'vitest';
import { load, problemsWith } from '../../test/support/configEnv.js';

describe('loadConfig — MediaMagic API base URL', () => {
  it.each([
    ['https://api.example.com/', 'https://api.example.com'],
    ['https://api.example.com/prefix//', 'https://api.example.com/prefix'],
    ['HTTPS://API.Example.com', 'https://api.example.com'],
    ['http://localhost:7072', 'http://localhost:7072'],
    ['http://127.0.0.1:9000/', 'http://127.0.0.1:9000'],
    ['http://127.10.0.3', 'http://127.10.0.3'],
    ['http://[::1]:8080', 'http://[::1]:8080'],
  ])('normalises the base URL %s to %s', (value, expected) => {
    expect(load({ MEDIAMAGIC_API_BASE_URL: value }).apiBaseUrl).toBe(expected);
  });

  it.each([
    ['not a url', 'must be an absolute http(s) URL'],
    ['/relative/path', 'must be an absolute http(s) URL'],
    ['ftp://api.example.com', 'must be an http(s) URL'],
    [
      'http://api.example.com',
      'must use https (plain http is allowed only for localhost / 127.0.0.1 / [::1])',
    ],
    ['http://10.0.0.1', 'must use https'],
    ['https://api.example.com?x=1', 'must not contain a query string or fragment'],
    ['https://api.example.com/#frag', 'must not contain a query string or fragment'],
  ])('rejects the base URL %s', (value, expected) => {
    const [problem] = problemsWith({ MEDIAMAGIC_API_BASE_URL: value });
    expect(problem).toContain(`MEDIAMAGIC_API_BASE_URL ${expected}`);
    expect(problem).toContain(`(got ${JSON.stringify(value)})`);
  });

  it('rejects credentials in the base URL and masks them in the echo', () => {
    const [problem] = problemsWith({ MEDIAMAGIC_API_BASE_URL: 'https://user:hunter2@api.example.com' });
    expect(problem).toBe(
      'MEDIAMAGIC_API_BASE_URL must not contain credentials (user:password@) (got "https://***@api.example.com")',
    );
  });
});
