/**
 * `webhooks create|list|delete|deliveries`: manage MediaMagic webhook subscriptions for this app's
 * receiver. `create` prints the signing secret — the only time MediaMagic ever returns it — once, with
 * what to do with it. Only the API client is built: these commands need no storage access.
 */
import { parseArgs } from 'node:util';
import type { Config } from '../shared/config/loadConfig.js';
import type { ApiResult, MediaMagicClient } from '../shared/mediamagic/client.js';
import {
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
  WebhookSubscription,
} from '../shared/mediamagic/schemas.js';
import { apiFailure } from './lib/apiFailure.js';
import { commandLogger, withApiClient } from './lib/app.js';
import { intFlag, parseOrUsage, usageError } from './lib/args.js';
import { EXIT } from './lib/exitCodes.js';
import type { CliIo, Command } from './lib/io.js';
import type { Output } from './lib/output.js';
import { runCommand } from './lib/runCommand.js';
import { loadCliConfig } from './lib/settings.js';

/** `webhooks --help`. */
export const WEBHOOKS_USAGE = `Usage: mediamagic-autosubmit webhooks <create|list|delete|deliveries> [options]

  webhooks create --url <url> [--events <a,b>] [--description <text>] [--json]
      Subscribes <url> (this app's receiver: https://<app>.azurewebsites.net/api/webhooks/mediamagic) to
      asset events. Prints the signing secret ONCE: store it in MEDIAMAGIC_WEBHOOK_SECRETS (Key Vault in
      Azure). --events: comma-separated, default all (${WEBHOOK_EVENT_TYPES.join(', ')}).
  webhooks list [--json]
      Every subscription of the key's workspace.
  webhooks delete <id> [--json]
      Deletes a subscription; pending deliveries to it are cancelled.
  webhooks deliveries <id> [--status <succeeded|failed>] [--limit <n>] [--json]
      Recent delivery attempts, newest first (--limit 1–1000, default: the API's, 50).

Every subcommand takes --verbose (log retries to stderr) and --help.

Exit codes: 0 ok · 2 usage · 3 configuration · 4 no such subscription · 6 MediaMagic API error`;

/** A subscription as printed: every field present. */
export interface SubscriptionView {
  readonly id: string;
  readonly endpointUrl: string;
  readonly eventTypes: readonly string[];
  readonly enabled: boolean;
  readonly description: string | null;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
}

/** What to do with a new secret: said once in text and carried in the JSON. */
export const SECRET_INSTRUCTIONS =
  'Store this secret now — MediaMagic never shows it again. Add it to MEDIAMAGIC_WEBHOOK_SECRETS ' +
  '(space-separated; keep the previous secret listed beside it until its subscription is deleted): in Azure, ' +
  'as the Key Vault secret the app setting references; locally, in local.settings.json "Values". Until the ' +
  'app has it, webhooks from this subscription fail signature verification (the timer still polls).';

/** Runs `webhooks <subcommand>`. */
export const runWebhooks: Command = (args, io) => {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create':
      return runCreate(rest, io);
    case 'list':
      return runList(rest, io);
    case 'delete':
      return runDelete(rest, io);
    case 'deliveries':
      return runDeliveries(rest, io);
    default:
      return runCommand(io, args, (output) => {
        if (sub === '--help' || sub === '-h' || sub === 'help') {
          output.out(WEBHOOKS_USAGE);
          return Promise.resolve(EXIT.ok);
        }
        throw usageError(
          'webhooks',
          sub === undefined
            ? 'name a subcommand: create, list, delete or deliveries'
            : `unknown subcommand "${sub}"`,
        );
      });
  }
};

const COMMON = {
  json: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

const runCreate: Command = (args, io) =>
  runCommand(io, args, async (output) => {
    const { values } = parseOrUsage('webhooks', () =>
      parseArgs({
        args: [...args],
        options: {
          url: { type: 'string' },
          events: { type: 'string' },
          description: { type: 'string' },
          ...COMMON,
        },
      }),
    );
    if (values.help) return help(output);
    const endpointUrl = checkedUrl(values.url);
    const eventTypes = checkedEvents(values.events);
    const created = await callApi(io, output, values.verbose, 'creating the webhook subscription', (client) =>
      client.createWebhookSubscription({
        endpointUrl,
        eventTypes,
        ...(values.description !== undefined ? { description: values.description } : {}),
      }),
    );
    const subscription = viewOf(created);
    if (values.json) {
      output.json({ subscription, secret: created.secret, instructions: SECRET_INSTRUCTIONS });
      output.err(`Created webhook subscription ${subscription.id}. ${SECRET_INSTRUCTIONS}`);
      return EXIT.ok;
    }
    output.out(
      `Created webhook subscription ${subscription.id}`,
      ...subscriptionLines(subscription, '  '),
      '',
      'Signing secret (shown ONCE):',
      '',
      `  ${created.secret}`,
      '',
      ...wrap(SECRET_INSTRUCTIONS, 100),
    );
    return EXIT.ok;
  });

const runList: Command = (args, io) =>
  runCommand(io, args, async (output) => {
    const { values } = parseOrUsage('webhooks', () => parseArgs({ args: [...args], options: COMMON }));
    if (values.help) return help(output);
    const list = await callApi(io, output, values.verbose, 'listing webhook subscriptions', (client) =>
      client.listWebhookSubscriptions(),
    );
    const subscriptions = list.map(viewOf);
    if (values.json) {
      output.json({ subscriptions });
      return EXIT.ok;
    }
    if (subscriptions.length === 0) {
      output.out(
        'No webhook subscriptions. Create one with: mediamagic-autosubmit webhooks create --url <url>',
      );
    }
    for (const s of subscriptions) output.out(s.id, ...subscriptionLines(s, '  '));
    return EXIT.ok;
  });

const runDelete: Command = (args, io) =>
  runCommand(io, args, async (output) => {
    const { values, positionals } = parseOrUsage('webhooks', () =>
      parseArgs({ args: [...args], options: COMMON, allowPositionals: true }),
    );
    if (values.help) return help(output);
    const id = singleId(positionals, 'delete');
    await callApi(io, output, values.verbose, `deleting webhook subscription ${id}`, (client) =>
      client.deleteWebhookSubscription(id),
    );
    if (values.json) output.json({ deleted: true, id });
    else {
      output.out(
        `Deleted webhook subscription ${id}; pending deliveries to it are cancelled.`,
        'Remove its secret from MEDIAMAGIC_WEBHOOK_SECRETS once no webhook signed with it can still arrive.',
      );
    }
    return EXIT.ok;
  });

const runDeliveries: Command = (args, io) =>
  runCommand(io, args, async (output) => {
    const { values, positionals } = parseOrUsage('webhooks', () =>
      parseArgs({
        args: [...args],
        options: { status: { type: 'string' }, limit: { type: 'string' }, ...COMMON },
        allowPositionals: true,
      }),
    );
    if (values.help) return help(output);
    const id = singleId(positionals, 'deliveries');
    const limit =
      values.limit === undefined
        ? undefined
        : intFlag('webhooks', '--limit', values.limit, { min: 1, max: 1000, default: 50 });
    const deliveries = await callApi(
      io,
      output,
      values.verbose,
      `listing deliveries of subscription ${id}`,
      (client) =>
        client.listWebhookDeliveries(id, {
          ...(values.status ? { statusFilter: values.status } : {}),
          ...(limit !== undefined ? { limit } : {}),
        }),
    );
    const attempts = deliveries.attempts.map((a) => ({
      id: a.id,
      status: a.status,
      createdAt: a.createdAt,
      responseStatus: a.responseStatus ?? null,
      eventId: a.eventId,
    }));
    if (values.json) {
      output.json({ subscriptionId: id, attempts, total: deliveries.total });
      return EXIT.ok;
    }
    output.out(
      `${attempts.length} delivery attempt${attempts.length === 1 ? '' : 's'} for subscription ${id} (newest first)`,
    );
    for (const a of attempts) {
      output.out(
        `  ${a.createdAt}  ${a.status.padEnd(9)} HTTP ${a.responseStatus ?? '—'}  event ${a.eventId}  (${a.id})`,
      );
    }
    return EXIT.ok;
  });

/** Loads the configuration, makes one API call and unwraps it, or throws its classified failure. */
async function callApi<T>(
  io: CliIo,
  output: Output,
  verbose: boolean,
  action: string,
  call: (client: MediaMagicClient) => Promise<ApiResult<T>>,
): Promise<T> {
  const config: Config = loadCliConfig(io, output);
  const result = await withApiClient(config, commandLogger(output, verbose), call);
  if (!result.ok) throw apiFailure(action, result.failure);
  return result.value;
}

function help(output: Output): Promise<number> {
  output.out(WEBHOOKS_USAGE);
  return Promise.resolve(EXIT.ok);
}

function checkedUrl(text: string | undefined): string {
  if (text === undefined)
    throw usageError('webhooks', 'create needs --url <url> (the receiver’s public https URL)');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError('webhooks', `--url is not a URL: "${text}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw usageError('webhooks', `--url must be an https URL (got ${url.protocol})`);
  }
  return text;
}

function checkedEvents(text: string | undefined): WebhookEventType[] {
  if (text === undefined) return [...WEBHOOK_EVENT_TYPES];
  const events = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const unknown = events.filter((e) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e));
  if (events.length === 0 || unknown.length > 0) {
    throw usageError(
      'webhooks',
      `--events must list some of ${WEBHOOK_EVENT_TYPES.join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`,
    );
  }
  return [...new Set(events)] as WebhookEventType[];
}

function singleId(positionals: readonly string[], sub: string): string {
  const [id, ...extra] = positionals;
  if (id === undefined || extra.length > 0)
    throw usageError('webhooks', `${sub} needs exactly one subscription id`);
  return id;
}

function viewOf(s: WebhookSubscription): SubscriptionView {
  return {
    id: s.id,
    endpointUrl: s.endpointUrl,
    eventTypes: s.eventTypes,
    enabled: s.enabled,
    description: s.description ?? null,
    createdAt: s.createdAt ?? null,
    updatedAt: s.updatedAt ?? null,
  };
}

function subscriptionLines(s: SubscriptionView, indent: string): string[] {
  return [
    `${indent}url:         ${s.endpointUrl}`,
    `${indent}events:      ${s.eventTypes.join(', ')}`,
    `${indent}enabled:     ${s.enabled ? 'yes' : 'no'}`,
    ...(s.description ? [`${indent}description: ${s.description}`] : []),
    ...(s.createdAt ? [`${indent}created:     ${s.createdAt}`] : []),
  ];
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
