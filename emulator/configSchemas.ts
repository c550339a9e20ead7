/**
 * zod schemas for configuration that arrives as JSON — CLI flags, environment variables and the
 * `/_emulator/*` admin endpoints — so a typo in a fault rule is a clear error, not a silent no-op.
 */
import { z } from 'zod';
import { BUCKETS } from '../shared/mediamagic/buckets.js';
import { ROUTE_IDS } from './catalogue.js';
import type { FaultRule } from './faults.js';
import type { RateLimits } from './rateLimiter.js';
import type { WebhookChaos } from './webhookDelivery.js';
import type { ApiKeyConfig } from './auth.js';

const FaultSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('status'),
    status: z.union([z.literal(500), z.literal(502), z.literal(503)]),
    detail: z.string().exactOptional(),
  }),
  z.strictObject({
    kind: z.literal('rateLimit'),
    retryAfterSeconds: z.number().int().min(1).exactOptional(),
  }),
  z.strictObject({ kind: z.literal('latency'), ms: z.number().min(0) }),
  z.strictObject({ kind: z.literal('resetBefore') }),
  z.strictObject({ kind: z.literal('resetAfter') }),
]);

const TargetSchema = z.enum(['*', ...ROUTE_IDS]);

/** A list of fault rules (see `faults.ts`). */
export const FaultRulesSchema: z.ZodType<FaultRule[]> = z.array(
  z.union([
    z.strictObject({ route: TargetSchema, sequence: z.array(FaultSchema.nullable()) }),
    z.strictObject({
      route: TargetSchema,
      fault: FaultSchema,
      probability: z.number().min(0).max(1).exactOptional(),
      times: z.number().int().min(0).exactOptional(),
    }),
  ]),
);

/** Rate limits per bucket. */
export const RateLimitsSchema: z.ZodType<RateLimits> = z.partialRecord(
  z.enum(BUCKETS),
  z.strictObject({ ratePerSecond: z.number().positive(), burst: z.number().min(1) }),
);

/** Webhook chaos knobs. */
export const WebhookChaosSchema: z.ZodType<WebhookChaos> = z.strictObject({
  dropProbability: z.number().min(0).max(1).exactOptional(),
  duplicateProbability: z.number().min(0).max(1).exactOptional(),
  delayMs: z.number().min(0).exactOptional(),
  reorderWindowMs: z.number().min(0).exactOptional(),
  script: z.array(z.enum(['deliver', 'drop', 'duplicate'])).exactOptional(),
});

/** A list of API keys. */
export const KeysSchema: z.ZodType<ApiKeyConfig[]> = z.array(
  z.strictObject({
    key: z.string().regex(/^sk_(test|live)_\S+$/, 'keys start with sk_test_ or sk_live_'),
    workspaceId: z.string().min(1),
    status: z.enum(['active', 'expired', 'revoked']).default('active'),
    tier: z.enum(['api', 'no-api']).default('api'),
  }),
);

/** Parses JSON text with `schema`, throwing an error that names `what` and every problem. */
export function parseConfig<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${what}: not valid JSON (${error instanceof Error ? error.message : String(error)})`, {
      cause: error,
    });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`${what}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
