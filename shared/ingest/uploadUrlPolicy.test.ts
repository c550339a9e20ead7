import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../config/loopback.js';
import { displayUrl, uploadUrlProblem } from './uploadUrlPolicy.js';

const LIVE_API = 'https://api.mediamagic.example';
const LOCAL_API = 'http://127.0.0.1:7071';
const SAS = 'sv=2025-01-05&sr=b&sp=cw&sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D';

describe('uploadUrlProblem', () => {
  it.each([
    [LIVE_API, `https://mmstore.blob.core.windows.net/uploads/ws-1/clip--ab12-g1.mp4?${SAS}`],
    [LIVE_API, `https://mmstore.blob.core.chinacloudapi.cn/uploads/ws-1/a%20b.mp4?${SAS}`],
    [LIVE_API, `https://media.example.com/uploads/ws-1/clip.mp4?${SAS}`],
    [LOCAL_API, `http://127.0.0.1:10000/devstoreaccount1/mediamagic/ws-1/clip.mp4?${SAS}`],
    ['http://localhost:7071', `http://localhost:10000/devstoreaccount1/mediamagic/ws-1/clip.mp4?${SAS}`],
    ['http://[::1]:7071', `http://[::1]:10000/acct/mediamagic/clip.mp4?${SAS}`],
    [LIVE_API, `https://127.0.0.1:10000/devstoreaccount1/mediamagic/ws-1/clip.mp4?${SAS}`],
  ])('accepts, with the API at %s, %s', (api, uploadUrl) => {
    expect(uploadUrlProblem(uploadUrl, api)).toBeUndefined();
  });

  it.each([
    [LIVE_API, 'not a url', 'not-a-url', 'is not a URL'],
    [LIVE_API, `ftp://mmstore.example/uploads/clip.mp4?${SAS}`, 'scheme', 'uses ftp; only https'],
    [LIVE_API, `file:///etc/uploads/clip.mp4?${SAS}`, 'scheme', 'uses file'],
    [LOCAL_API, `ftp://127.0.0.1:21/acct/uploads/clip.mp4?${SAS}`, 'scheme', 'uses ftp'],
    [LIVE_API, `http://mmstore.blob.core.windows.net/uploads/clip.mp4?${SAS}`, 'insecure-http', 'plain http'],
    [LIVE_API, `http://127.0.0.1:10000/acct/uploads/clip.mp4?${SAS}`, 'insecure-http', 'plain http'],
    [LOCAL_API, `http://198.51.100.7/acct/uploads/clip.mp4?${SAS}`, 'insecure-http', 'plain http'],
    [LOCAL_API, `http://0.0.0.0:10000/acct/uploads/clip.mp4?${SAS}`, 'insecure-http', 'plain http'],
    [LIVE_API, `https://u:p@mmstore.example/uploads/clip.mp4?${SAS}`, 'credentials', 'user name or password'],
    [LIVE_API, `https://mmstore.example/?${SAS}`, 'not-blob-shaped', 'does not name a blob container'],
    [LIVE_API, `https://mmstore.example/uploads?${SAS}`, 'not-blob-shaped', 'does not name a blob'],
    [LIVE_API, `https://mmstore.example/uploads/?${SAS}`, 'not-blob-shaped', 'does not name a blob'],
    [LIVE_API, `https://mmstore.example/Up_Loads/clip.mp4?${SAS}`, 'not-blob-shaped', 'blob container'],
    [
      LIVE_API,
      `https://mmstore.example/uploads/../ledger/x.json?${SAS}`,
      'not-blob-shaped',
      'exactly one blob',
    ],
    [LIVE_API, `https://mmstore.example/uploads/%2e%2e/x?${SAS}`, 'not-blob-shaped', 'exactly one blob'],
    [LOCAL_API, `http://127.0.0.1:10000/acct/uploads?${SAS}`, 'not-blob-shaped', 'does not name a blob'],
  ])('refuses, with the API at %s, %s (%s)', (api, uploadUrl, kind, words) => {
    const problem = uploadUrlProblem(uploadUrl, api);
    expect(problem?.kind).toBe(kind);
    expect(problem?.message).toContain(words);
    expect(problem?.message).toMatch(
      /^MediaMagic's upload URL ".*" .*; nothing was copied and no SAS was sent$/,
    );
    expect(problem?.message).not.toContain('sig=');
    expect(problem?.message).not.toContain('c2VjcmV0');
  });

  it('names the URL without its query, fragment or credentials', () => {
    expect(displayUrl(`ftp://user:pw@host.example:21/c/b.mp4?${SAS}#frag`)).toBe(
      '"ftp://host.example:21/c/b.mp4"',
    );
    expect(displayUrl(`https://h.example/c/${'b'.repeat(300)}?${SAS}`)).toMatch(/…"$/);
  });

  it('knows the loopback hosts', () => {
    for (const host of ['localhost', '127.0.0.1', '127.8.9.10', '[::1]'])
      expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '128.0.0.1', 'localhost.example', '[::ffff:7f00:1]', '10.0.0.1'])
      expect(isLoopbackHost(host)).toBe(false);
  });
});
