import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBuiltApp } from './support/builtApp.js';

/**
 * The registration contract: build the app, then load the files matched by package.json `main` the way the
 * Functions worker does, with a stand-in `@azure/functions-core` capturing what the host would receive
 * (devkit/printRegistrations.ts, built with the app, in a fresh process).
 */
interface Loaded {
  main: string;
  files: string[];
  errors: { file: string; message: string }[];
  registrations: {
    metadata: { name: string; bindings: Record<string, Record<string, unknown>> };
    handlerType: string;
  }[];
  terminateHooks: number;
}

let appRoot = '';

/** The built loader inside the app root (the build compiles devkit/ with the app). */
const loader = (): string => path.join(appRoot, 'dist/devkit/printRegistrations.js');

function load(env: Record<string, string> = {}): Loaded {
  const out = execFileSync(process.execPath, [loader(), appRoot], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out) as Loaded;
}

function trigger(loaded: Loaded, name: string): Record<string, unknown> {
  const reg = loaded.registrations.find((r) => r.metadata.name === name);
  if (!reg)
    throw new Error(
      `${name} was not registered; got ${loaded.registrations.map((r) => r.metadata.name).join(', ')}`,
    );
  const found = Object.values(reg.metadata.bindings).find((b) => b.direction === 'in');
  if (!found) throw new Error(`${name} has no trigger binding`);
  return found;
}

describe('registration contract (as the Functions worker loads the app)', () => {
  const app = useBuiltApp();
  beforeAll(() => {
    appRoot = app.root;
  });

  it('the main glob matches the compiled function files and every one loads without error', () => {
    const loaded = load();
    expect(loaded.main).toBe('dist/functions/*.js');
    expect(loaded.files).toContain('dist/functions/submitOnBlobCreated.js');
    expect(loaded.errors).toEqual([]);
    expect(loaded.registrations.every((r) => r.handlerType === 'function')).toBe(true);
  });

  it('submitOnBlobCreated is a queue trigger on BLOB_EVENTS_QUEUE (default blob-created) via AzureWebJobsStorage', () => {
    expect(trigger(load(), 'submitOnBlobCreated')).toMatchObject({
      type: 'queueTrigger',
      direction: 'in',
      queueName: 'blob-created',
      connection: 'AzureWebJobsStorage',
    });
    expect(trigger(load({ BLOB_EVENTS_QUEUE: 'custom-events' }), 'submitOnBlobCreated')).toMatchObject({
      queueName: 'custom-events',
    });
  });

  it('pollSubmissions is a timer on POLL_SCHEDULE, the default schedule when it is unset', () => {
    expect(trigger(load(), 'pollSubmissions')).toMatchObject({
      type: 'timerTrigger',
      direction: 'in',
      schedule: '0 */1 * * * *',
    });
    expect(trigger(load({ POLL_SCHEDULE: '*/30 * * * * *' }), 'pollSubmissions')).toMatchObject({
      schedule: '*/30 * * * * *',
    });
    expect(trigger(load({ POLL_SCHEDULE: '  0  */5 * * * *  ' }), 'pollSubmissions')).toMatchObject({
      schedule: '0 */5 * * * *',
    });
  });

  it('registers the default schedule for an invalid POLL_SCHEDULE, and the start-up check names it', () => {
    const run = spawnSync(process.execPath, [loader(), appRoot], {
      env: { PATH: process.env.PATH ?? '', POLL_SCHEDULE: '*/5 * * * *' },
      encoding: 'utf8',
    });
    expect(trigger(JSON.parse(run.stdout) as Loaded, 'pollSubmissions')).toMatchObject({
      schedule: '0 */1 * * * *',
    });
    expect(run.stderr).toMatch(/POLL_SCHEDULE must be a six-field NCRONTAB expression.*it has 5 fields/);
  });

  it('sweepSource is a timer on SWEEP_SCHEDULE, hourly at minute 17 when it is unset or invalid', () => {
    expect(trigger(load(), 'sweepSource')).toMatchObject({
      type: 'timerTrigger',
      direction: 'in',
      schedule: '0 17 * * * *',
    });
    expect(trigger(load({ SWEEP_SCHEDULE: ' 0  */20 * * * * ' }), 'sweepSource')).toMatchObject({
      schedule: '0 */20 * * * *',
    });
    const run = spawnSync(process.execPath, [loader(), appRoot], {
      env: { PATH: process.env.PATH ?? '', SWEEP_SCHEDULE: '17 * * * *' },
      encoding: 'utf8',
    });
    expect(trigger(JSON.parse(run.stdout) as Loaded, 'sweepSource')).toMatchObject({
      schedule: '0 17 * * * *',
    });
    expect(run.stderr).toMatch(/SWEEP_SCHEDULE must be a six-field NCRONTAB expression/);
  });

  it('receiveWebhook is an anonymous POST on webhooks/mediamagic', () => {
    expect(trigger(load(), 'receiveWebhook')).toMatchObject({
      type: 'httpTrigger',
      authLevel: 'anonymous',
      methods: ['POST'],
      route: 'webhooks/mediamagic',
    });
  });

  it('exactly the four functions are registered', () => {
    expect(
      load()
        .registrations.map((r) => r.metadata.name)
        .sort(),
    ).toEqual(['pollSubmissions', 'receiveWebhook', 'submitOnBlobCreated', 'sweepSource']);
  });

  it('registers one appTerminate hook, however many entry files load (it leaves the fleet on shutdown)', () => {
    expect(load().terminateHooks).toBe(1);
  });

  it('validates settings once at start-up and names every missing one, without failing registration', () => {
    const run = spawnSync(process.execPath, [loader(), appRoot], {
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    });
    const loaded = JSON.parse(run.stdout) as Loaded;
    expect(loaded.registrations).toHaveLength(4);
    const reported = run.stderr
      .split('\n')
      .filter((l) => l.includes('MediaMagic autosubmit: Invalid configuration'));
    expect(reported).toHaveLength(1);
    expect(run.stderr).toContain('MEDIAMAGIC_API_KEY');
    expect(run.stderr).toContain('AzureWebJobsStorage');
  });

  it('no function uses the host blob trigger (it would load whole blobs into memory)', () => {
    const types = load().registrations.flatMap((r) => Object.values(r.metadata.bindings).map((b) => b.type));
    expect(types).not.toContain('blobTrigger');
  });
});
