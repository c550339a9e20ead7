/**
 * The webhook receiver's slice of the composition root. Configuration (`loadConfig`, which names every
 * missing or bad setting) and the storage clients are built once per process by `shared/app/appDeps.ts`;
 * this picks out what the receiver uses, so the receiver and the other functions share one ledger client.
 */
import type { AppDeps } from './appDeps.js';
import type { ReceiveWebhookDeps } from '../webhooks/receiveWebhookHandler.js';

/** The receiver's dependencies, without a logger: each invocation logs through its own context. */
export type WebhookDeps = Omit<ReceiveWebhookDeps, 'logger'>;

/** The receiver's deps from the app's: `MEDIAMAGIC_WEBHOOK_SECRETS`, `WEBHOOK_MAX_BODY_BYTES`, the ledger. */
export function webhookDepsFrom(
  app: Pick<AppDeps, 'config' | 'clock' | 'ledger' | 'redactor' | 'reconciliation'>,
): WebhookDeps {
  return {
    ledger: app.ledger,
    secrets: app.config.webhookSecrets,
    maxBodyBytes: app.config.webhookMaxBodyBytes,
    clock: app.clock,
    // The app's redactor knows every secret (API key, storage key), not only the webhook secrets.
    redactor: app.redactor,
    orphans: app.reconciliation,
  };
}
