/**
 * The queue-trigger settings of the app's host.json (`extensions.queues`) that the dev host's queue driver
 * honours, so that tuning them changes a local run (and the soak) the way it changes the Functions host.
 *
 * `messageEncoding` is `base64` (the extension's default) or `none`; the extension reads the enum without
 * regard to case, so `Base64` is accepted too and normalised to lower case.
 *
 * `visibilityTimeout` is left out on purpose: in the host it is only the retry delay after a failure (the
 * host receives with a 10-minute lease), while the dev host uses one value for both; its 30 s default is
 * what this app's host.json sets anyway.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const Queues = z.object({
  batchSize: z.number().int().min(1).max(32).exactOptional(),
  newBatchThreshold: z.number().int().min(0).exactOptional(),
  maxDequeueCount: z.number().int().min(1).exactOptional(),
  messageEncoding: z
    .string()
    .toLowerCase()
    .pipe(z.enum(['base64', 'none']))
    .exactOptional(),
});

const HostJson = z.object({
  extensions: z.object({ queues: Queues.optional() }).optional(),
});

/** What the driver takes from host.json; absent keys keep the host's defaults. */
export type HostQueueSettings = Readonly<z.infer<typeof Queues>>;

/** Reads `<appRoot>/host.json`; throws with the offending keys when the queue settings are not valid. */
export function readHostQueueSettings(appRoot: string): HostQueueSettings {
  const file = path.join(appRoot, 'host.json');
  const parsed = HostJson.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
  return parsed.data.extensions?.queues ?? {};
}
