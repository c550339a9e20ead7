/**
 * Emulator-only endpoints under `/_emulator/` (no API key): stats for benchmarks and the soak test, and
 * runtime controls for a CLI-started emulator, mirroring the in-process `controls`.
 *
 * | Method | Path                          | Body / effect                                 |
 * |--------|-------------------------------|-----------------------------------------------|
 * | GET    | /_emulator/stats              | the stats document                            |
 * | POST   | /_emulator/stats/reset        | zero request/submission counters → 204        |
 * | GET    | /_emulator/faults             | active rules with use counts                  |
 * | PUT    | /_emulator/faults             | `FaultRule[]` replaces all rules → 204        |
 * | PUT    | /_emulator/rates              | `{bucket: {ratePerSecond, burst}}` → 204      |
 * | PUT    | /_emulator/webhooks/chaos     | `WebhookChaos` → 204                          |
 * | POST   | /_emulator/processing/finish  | finish every in-flight asset run now → 204    |
 */
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { FaultRulesSchema, RateLimitsSchema, WebhookChaosSchema } from '../configSchemas.js';
import type { Services } from '../context.js';
import { domainError } from '../errors.js';
import { readJson, type Reply } from '../http.js';
import { parseOrThrow } from '../validation.js';

/** The path prefix of admin endpoints. */
export const ADMIN_PREFIX = '/_emulator/';

/** Handles one admin request. Unknown admin paths are 404, like any unknown route. */
export async function handleAdmin(
  services: Services,
  req: IncomingMessage,
  pathname: string,
): Promise<Reply> {
  const route = `${req.method ?? ''} ${pathname}`;
  const body = <T>(schema: z.ZodType<T>): Promise<T> =>
    readJson(req, services.options.maxJsonBodyBytes).then((v) => parseOrThrow(schema, v));
  switch (route) {
    case 'GET /_emulator/stats':
      return { status: 200, body: services.stats.snapshot() };
    case 'POST /_emulator/stats/reset':
      services.stats.reset();
      return { status: 204 };
    case 'GET /_emulator/faults':
      return { status: 200, body: services.faults.list() };
    case 'PUT /_emulator/faults':
      services.faults.set(await body(FaultRulesSchema));
      return { status: 204 };
    case 'PUT /_emulator/rates':
      services.limiter.setLimits(await body(RateLimitsSchema));
      return { status: 204 };
    case 'PUT /_emulator/webhooks/chaos':
      services.deliveries.setChaos(await body(WebhookChaosSchema));
      return { status: 204 };
    case 'POST /_emulator/processing/finish':
      services.processor.finishNow();
      return { status: 204 };
    default:
      throw domainError(404, 'Not Found');
  }
}
