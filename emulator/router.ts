/**
 * Matches a method and path against the endpoint catalogue. A path that matches no template is 404
 * `{"detail": "Not Found"}`; a known path with another method is 405 `{"detail": "Method Not Allowed"}`
 * (FastAPI's answers, which is what the real service sends). Trailing slashes and `/status` suffixes are
 * not special-cased: they simply do not match.
 */
import { ENDPOINTS, ROUTE_IDS, type RouteId } from './catalogue.js';

/** The outcome of matching one request. */
export type RouteMatch =
  | { readonly kind: 'found'; readonly id: RouteId; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

interface CompiledRoute {
  readonly id: RouteId;
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

const COMPILED: readonly CompiledRoute[] = ROUTE_IDS.map((id) => {
  const names: string[] = [];
  const source = ENDPOINTS[id].path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { id, method: ENDPOINTS[id].method, pattern: new RegExp(`^${source}$`), names };
});

/** Finds the endpoint for `method` and `pathname` (already stripped of the query string). */
export function matchRoute(method: string, pathname: string): RouteMatch {
  const allow: string[] = [];
  for (const route of COMPILED) {
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    if (route.method !== method) {
      allow.push(route.method);
      continue;
    }
    const params: Record<string, string> = {};
    try {
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1] ?? '')));
    } catch {
      // A malformed percent-escape cannot name any resource.
      return { kind: 'not-found' };
    }
    return { kind: 'found', id: route.id, params };
  }
  return allow.length > 0 ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' };
}
