/**
 * The registered function: its `app.http` registration, and a delivery through the exported
 * `receiveWebhook` with deps built by the composition root from environment settings (Azurite storage).
 * Modules are reloaded per test so the process-wide deps are rebuilt from that test's settings.
 */
import { InvocationContext } from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../shared/clock.js';
import { BlobLedger } from '../../shared/ledger/blobLedger.js';
import { useAzurite } from '../support/azurite.js';
import { eventPayload, newSecret, signedRequest, submittedRecord } from './fixtures.js';

const registrations = vi.hoisted(() => [] as { name: string; options: Record<string, unknown> }[]);

vi.mock('@azure/functions', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@azure/functions')>();
  const http = (name: string, options: Record<string, unknown>): void => {
    registrations.push({ name, options });
  };
  return { ...actual, app: { ...actual.app, http } };
});

type FunctionModule = typeof import('../../functions/receiveWebhook.js');
type AppDepsModule = typeof import('../../shared/app/appDeps.js');

describe('functions/receiveWebhook', () => {
  const azurite = useAzurite();
  const oldSecret = newSecret();
  const newSecretValue = newSecret();
  let logs: string[];
  let ledgerContainer: string;
  let count = 0;
  let builtApp = false;

  beforeEach(() => {
    vi.resetModules();
    logs = [];
    ledgerContainer = `webhook-ledger-${++count}-${Date.now()}`;
  });

  afterEach(async () => {
    // Same module instance as the function's (no reset since its import): close what it built.
    if (builtApp) {
      const appDeps = (await import('../../shared/app/appDeps.js')) as AppDepsModule;
      await (await appDeps.getAppDeps()).close();
    }
    builtApp = false;
    vi.unstubAllEnvs();
  });

  function stubSettings(): void {
    vi.stubEnv('AzureWebJobsStorage', azurite.current.connectionString);
    vi.stubEnv('MEDIAMAGIC_API_KEY', 'sk_test_webhookreceiver');
    vi.stubEnv('MEDIAMAGIC_WEBHOOK_SECRETS', `${oldSecret} ${newSecretValue}`);
    vi.stubEnv('LEDGER_CONTAINER', ledgerContainer);
    vi.stubEnv('WEBHOOK_MAX_BODY_BYTES', '2048');
  }

  function context(): InvocationContext {
    return new InvocationContext({ logHandler: (level, ...args) => logs.push(`${level} ${args.join(' ')}`) });
  }

  it('registers an anonymous POST route webhooks/mediamagic with the exported handler', async () => {
    const module = (await import('../../functions/receiveWebhook.js')) as FunctionModule;
    const registration = registrations.findLast((r) => r.name === 'receiveWebhook');
    expect(registration?.options).toEqual({
      methods: ['POST'],
      route: 'webhooks/mediamagic',
      authLevel: 'anonymous',
      handler: module.receiveWebhook,
    });
  });

  it('builds its deps from the settings: rotated secrets, body limit and ledger container', async () => {
    stubSettings();
    const { receiveWebhook } = (await import('../../functions/receiveWebhook.js')) as FunctionModule;
    builtApp = true;
    const service = BlobServiceClient.fromConnectionString(azurite.current.connectionString);
    const ledger = new BlobLedger(service.getContainerClient(ledgerContainer), systemClock);
    await ledger.ensureContainer();
    const record = submittedRecord('wired.mp4', 'sub_1', ['a1']);
    await ledger.claim(record);
    await ledger.linkSubmission('sub_1', record.key);
    const body = JSON.stringify(eventPayload({ id: 'evt_1', submissionId: 'sub_1', assetId: 'a1' }));
    const now = Date.now();

    // Signed with the second secret of the rotation list, at the real time (the production clock).
    const delivery = signedRequest({ secret: newSecretValue, body, signedAtMs: now });
    const response = await receiveWebhook(delivery.request, context());

    expect(response).toEqual({ status: 200, jsonBody: { status: 'applied' } });
    expect((await ledger.get(record.key))?.record.assets[0]?.status).toBe('complete');
    const oversize = signedRequest({ secret: newSecretValue, body: body.padEnd(2049), signedAtMs: now });
    expect((await receiveWebhook(oversize.request, context())).status).toBe(413);
    const everything = logs.join('\n');
    for (const secret of [oldSecret, newSecretValue, delivery.signature])
      expect(everything).not.toContain(secret);
  });

  it('answers 500 and names the bad setting (never its value) when the configuration is invalid', async () => {
    stubSettings();
    vi.stubEnv('MEDIAMAGIC_WEBHOOK_SECRETS', 'not-a-whsec-secret');
    const { receiveWebhook } = (await import('../../functions/receiveWebhook.js')) as FunctionModule;
    const delivery = signedRequest({ secret: oldSecret, body: '{}' });

    const response = await receiveWebhook(delivery.request, context());

    expect(response.status).toBe(500);
    expect(logs.join('\n')).toContain('MEDIAMAGIC_WEBHOOK_SECRETS');
    expect(logs.join('\n')).not.toContain('not-a-whsec-secret');
  });
});
