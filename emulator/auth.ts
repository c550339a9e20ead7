/**
 * API keys and the authentication step every `/api/integrations/...` route runs first. Keys are
 * workspace-scoped (the workspace is derived from the key, never sent in a body) and the prefix alone
 * picks the environment: `sk_test_` is sandbox, `sk_live_` is live (per the contract).
 */
import { createHash } from 'node:crypto';
import type { Bucket } from '../shared/mediamagic/buckets.js';
import { domainError, tierError } from './errors.js';

/** Lifecycle state of a configured key; anything but `active` is a 401 with its own `detail`. */
export type KeyStatus = 'active' | 'expired' | 'revoked';

/** `no-api` models a plan without Integrations API access: authenticates, then 402 on every route. */
export type KeyTier = 'api' | 'no-api';

/** One key the emulator accepts. */
export interface ApiKeyConfig {
  readonly key: string;
  readonly workspaceId: string;
  readonly status: KeyStatus;
  readonly tier: KeyTier;
}

/** Who is calling: the result of a successful authentication. */
export interface Principal {
  readonly key: string;
  readonly workspaceId: string;
  /** True for `sk_test_` keys: the two sandbox-only features are open to them. */
  readonly sandbox: boolean;
}

/** The workspace the default keys belong to (the id the contract's upload example uses). */
export const DEFAULT_WORKSPACE_ID = '660e8400-e29b-41d4-a716-446655440000';

/**
 * Stable default keys, so `npm run emulator` prints the same sandbox key every time and local config can
 * hard-code it. 64 hex characters follow the prefix, matching the documented live-key format.
 */
export const DEFAULT_SANDBOX_KEY = `sk_test_${hex64('mediamagic-emulator-sandbox')}`;
/** The default live key (same workspace as the sandbox key). */
export const DEFAULT_LIVE_KEY = `sk_live_${hex64('mediamagic-emulator-live')}`;

/** The keys an emulator accepts when none are configured. */
export const DEFAULT_KEYS: readonly ApiKeyConfig[] = [
  { key: DEFAULT_SANDBOX_KEY, workspaceId: DEFAULT_WORKSPACE_ID, status: 'active', tier: 'api' },
  { key: DEFAULT_LIVE_KEY, workspaceId: DEFAULT_WORKSPACE_ID, status: 'active', tier: 'api' },
];

/** The four documented 401 details, word for word. */
export const AUTH_DETAILS = {
  missing: 'Missing X-API-Key header',
  invalid: 'Invalid API key',
  expired: 'This API key has expired',
  revoked: 'This API key has been revoked',
} as const;

/** The mutable set of keys; controls can add, replace or change keys while the emulator runs. */
export class KeyRing {
  private readonly keys = new Map<string, ApiKeyConfig>();

  constructor(initial: readonly ApiKeyConfig[]) {
    this.replace(initial);
  }

  /** Adds a key, or overwrites the key with the same value. */
  add(config: ApiKeyConfig): void {
    this.keys.set(config.key, config);
  }

  /** Replaces every key. */
  replace(configs: readonly ApiKeyConfig[]): void {
    this.keys.clear();
    for (const config of configs) this.add(config);
  }

  /** All configured keys, in insertion order. */
  list(): ApiKeyConfig[] {
    return [...this.keys.values()];
  }

  /**
   * Resolves the `X-API-Key` header to a principal, or throws the documented 401, or a 402 naming the
   * route's bucket when the key's plan has no API access. Keys without a known prefix are simply invalid.
   */
  authenticate(header: string | string[] | undefined, bucket: Bucket): Principal {
    const raw = Array.isArray(header) ? header[0] : header;
    const presented = raw?.trim();
    if (!presented) throw domainError(401, AUTH_DETAILS.missing);
    const config = this.keys.get(presented);
    if (!config || !/^sk_(test|live)_/.test(presented)) throw domainError(401, AUTH_DETAILS.invalid);
    if (config.status === 'expired') throw domainError(401, AUTH_DETAILS.expired);
    if (config.status === 'revoked') throw domainError(401, AUTH_DETAILS.revoked);
    if (config.tier === 'no-api') throw tierError(bucket);
    return { key: config.key, workspaceId: config.workspaceId, sandbox: config.key.startsWith('sk_test_') };
  }
}

function hex64(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}
