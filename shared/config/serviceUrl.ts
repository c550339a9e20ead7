import { z } from 'zod';
import { isLoopbackHost } from './loopback.js';
import type { Parser } from './parser.js';

/**
 * An absolute http(s) URL without credentials, query or fragment, normalised without a trailing slash.
 * Plain http is accepted only for loopback hosts (Azurite, the local emulator).
 */
export function serviceUrl(): Parser<string> {
  return z.string().transform((raw, ctx) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      ctx.addIssue('must be an absolute http(s) URL');
      return z.NEVER;
    }
    const problem = serviceUrlProblem(url);
    if (problem !== undefined) {
      ctx.addIssue(problem);
      return z.NEVER;
    }
    return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  });
}

function serviceUrlProblem(url: URL): string | undefined {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return 'must use https (plain http is allowed only for localhost / 127.0.0.1 / [::1])';
  }
  if (url.username !== '' || url.password !== '') return 'must not contain credentials (user:password@)';
  if (url.search !== '' || url.hash !== '') return 'must not contain a query string or fragment';
  return undefined;
}
