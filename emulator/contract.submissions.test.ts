/**
 * Contract tests over real HTTP for submissions, processing, asset results, retries and versions.
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAzurite } from '../test/support/azurite.js';
import { DEFAULT_KEYS, DEFAULT_LIVE_KEY, DEFAULT_SANDBOX_KEY, DEFAULT_WORKSPACE_ID } from './auth.js';
import { startEmulator, type EmulatorHandle } from './server.js';
import { EmulatorClient, pollSubmission, SAMPLES } from './testkit.js';

const WS = DEFAULT_WORKSPACE_ID;
const OTHER_WS = '22222222-3333-4444-8555-666666666666';
const OTHER_KEY = `sk_test_${'9'.repeat(64)}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Created {
  submissionId: string;
  workflowId: string;
  ablyChannel: string;
  status: string;
  assets: { assetId: string; versionGroupId: string; versionNumber: number }[];
}
interface StatusAsset {
  assetId: string;
  status: string;
  issueCount: number | null;
  errorMessage: string | null;
  errorType: string | null;
  isRetryable: boolean;
  retryCount: number;
  versionNumber: number;
}
interface Status {
  submissionId: string;
  status: string;
  progressPercent: number;
  completedAt: string | null;
  errorMessage: string | null;
  isRetryable: boolean;
  assets: StatusAsset[];
}

describe('emulator: submissions, processing, results, retries', () => {
  const azurite = useAzurite();
  let emulator: EmulatorHandle;
  let client: EmulatorClient;
  let container: ContainerClient;
  let n = 0;
  /** A unique file name per test, so the 409 rule never couples tests. */
  const unique = (name: string): string => name.replace(/^([^.]*)/, `$1-${++n}`);

  beforeAll(async () => {
    emulator = await startEmulator({
      storageConnectionString: azurite.current.connectionString,
      keys: [...DEFAULT_KEYS, { key: OTHER_KEY, workspaceId: OTHER_WS, status: 'active', tier: 'api' }],
      categoryMaxBytes: { image: 1024 },
      processing: { startDelayMs: 30, durationMs: 80 },
    });
    client = new EmulatorClient(emulator.url, DEFAULT_SANDBOX_KEY);
    container = BlobServiceClient.fromConnectionString(azurite.current.connectionString).getContainerClient(
      'assets',
    );
  });
  afterAll(() => emulator?.stop());

  /** Uploads a sample and submits it; returns the creation body. */
  async function submitFile(name: string): Promise<Created> {
    const filename = unique(name);
    const blobPath = await client.upload(filename, contentTypeOf(filename));
    const response = await client.submit<Created>([blobPath]);
    expect(response.status, response.text).toBe(201);
    return response.body;
  }

  const finished = (id: string): Promise<Status> => pollSubmission<Status>(client, id);

  describe('POST /api/integrations/submissions', () => {
    it('answers 201 with the submission-creation model', async () => {
      const blobPath = await client.upload(unique('clip.mp4'), 'video/mp4');
      const response = await client.submit<Created>([blobPath]);
      expect(response.status).toBe(201);
      const body = response.body;
      expect(Object.keys(body).sort()).toEqual([
        'ablyChannel',
        'assets',
        'status',
        'submissionId',
        'workflowId',
      ]);
      expect(body.submissionId).toMatch(UUID);
      expect(body.workflowId).toMatch(/^asset-processing-/);
      expect(body.ablyChannel).toBe(`submission:${body.submissionId}`);
      expect(body.status).toBe('submitted');
      expect(body.assets).toHaveLength(1);
      expect(Object.keys(body.assets[0] ?? {}).sort()).toEqual([
        'assetId',
        'versionGroupId',
        'versionNumber',
      ]);
      expect(body.assets[0]?.versionNumber).toBe(1);
      expect(emulator.stats().submissionsByBlobPath[blobPath]).toBe(1);
    });

    it('accepts several assets, sidekickIds and metadata', async () => {
      const paths = [
        await client.upload(unique('a.png'), 'image/png'),
        await client.upload(unique('b.pdf'), 'application/pdf'),
      ];
      const response = await client.post<Created>('/api/integrations/submissions', {
        assets: paths.map((blobPath) => ({ blobPath })),
        sidekickIds: ['3f6c2a7e-1b4d-4e8a-9c0f-5d2e7b8a1c34'],
        metadata: { campaign: 'spring' },
      });
      expect(response.status).toBe(201);
      expect(response.body.assets).toHaveLength(2);
    });

    it('answers 400 for simulationDelaySeconds with a live key, and 422 outside 0..30', async () => {
      const blobPath = await client.upload(unique('d.mp4'), 'video/mp4');
      const live = await client.post(
        '/api/integrations/submissions?simulationDelaySeconds=0',
        { assets: [{ blobPath }] },
        { key: DEFAULT_LIVE_KEY },
      );
      expect(live.status).toBe(400);
      expect(live.body).toEqual({ detail: expect.stringContaining('simulationDelaySeconds') as string });
      for (const value of ['31', '-1', 'abc', '1.5']) {
        const response = await client.submit([blobPath], `?simulationDelaySeconds=${value}`);
        expect(response.status, value).toBe(422);
        expect(response.body).toMatchObject({ fields: [{ field: 'simulationDelaySeconds' }] });
      }
      expect(emulator.stats().submissionsByBlobPath[blobPath]).toBeUndefined();
    });

    it('honours simulationDelaySeconds for sandbox keys (terminal state is delayed)', async () => {
      const blobPath = await client.upload(unique('delay.mp4'), 'video/mp4');
      const created = await client.submit<Created>([blobPath], '?simulationDelaySeconds=1');
      expect(created.status).toBe(201);
      const started = Date.now();
      const done = await finished(created.body.submissionId);
      expect(done.status).toBe('complete');
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    });

    it('answers 403 "Invalid blob path" for another workspace, malformed paths and blobs never uploaded', async () => {
      const foreign = await client.upload(unique('x.mp4'), 'video/mp4', undefined);
      const foreignPath = foreign.replace(WS, OTHER_WS);
      await container.getBlockBlobClient(foreignPath).uploadData(SAMPLES['.mp4'] as Buffer);
      for (const blobPath of [
        foreignPath,
        `${WS}/../${OTHER_WS}/x.mp4`,
        `${WS}/dir/x.mp4`,
        'x.mp4',
        `${WS}/`,
        `${WS}/never-uploaded.mp4`,
      ]) {
        const response = await client.submit([blobPath]);
        expect(response.status, blobPath).toBe(403);
        expect(response.body).toEqual({ detail: 'Invalid blob path' });
      }
    });

    it('answers 404 for an unknown previousSubmissionId', async () => {
      const blobPath = await client.upload(unique('v.mp4'), 'video/mp4');
      const response = await client.post('/api/integrations/submissions', {
        assets: [{ blobPath, previousSubmissionId: '00000000-0000-4000-8000-000000000000' }],
      });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ detail: 'Previous submission not found' });
    });

    it('answers 409 on a repeat with the blobPath in the detail, counts it, and creates nothing', async () => {
      const blobPath = await client.upload(unique('dup.mp4'), 'video/mp4');
      expect((await client.submit([blobPath])).status).toBe(201);
      const before = emulator.stats().duplicates409;
      const again = await client.submit([blobPath]);
      expect(again.status).toBe(409);
      expect(again.body).toEqual({
        detail: `Asset with blobPath '${blobPath}' already submitted`,
        docs_url: 'https://docs.mediamagic.app/concepts/assets',
      });
      // The live key shares the workspace, so it sees the same submission.
      const live = await client.post(
        '/api/integrations/submissions',
        { assets: [{ blobPath }] },
        { key: DEFAULT_LIVE_KEY },
      );
      expect(live.status).toBe(409);
      const twiceInOne = await client.submit(
        [await client.upload(unique('pair.mp4'), 'video/mp4')].flatMap((p) => [p, p]),
      );
      expect(twiceInOne.status).toBe(409);
      const stats = emulator.stats();
      expect(stats.duplicates409).toBe(before + 3);
      expect(stats.submissionsByBlobPath[blobPath]).toBe(1);
      expect(stats.duplicateBlobPaths).toEqual([]);
    });

    it('never creates two submissions for one blob path, even for concurrent requests', async () => {
      const blobPath = await client.upload(unique('race.mp4'), 'video/mp4');
      const responses = await Promise.all(Array.from({ length: 8 }, () => client.submit([blobPath])));
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
      expect(emulator.stats().submissionsByBlobPath[blobPath]).toBe(1);
    });

    it('creates a new version with previousSubmissionId and lists versions', async () => {
      const filename = unique('ver.mp4');
      const blobPath = await client.upload(filename, 'video/mp4');
      const first = (await client.submit<Created>([blobPath])).body;
      await client.upload(filename, 'video/mp4');
      const second = await client.post<Created>('/api/integrations/submissions', {
        assets: [{ blobPath, previousSubmissionId: first.submissionId }],
      });
      expect(second.status).toBe(201);
      expect(second.body.assets[0]?.versionGroupId).toBe(first.assets[0]?.versionGroupId);
      expect(second.body.assets[0]?.versionNumber).toBe(2);
      const versions = await client.get<{
        submissionId: string;
        assets: { versionGroupId: string; versions: { versionNumber: number; submissionId: string }[] }[];
      }>(`/api/integrations/submissions/${second.body.submissionId}/versions`);
      expect(versions.status).toBe(200);
      expect(versions.body.assets[0]?.versions.map((v) => [v.versionNumber, v.submissionId])).toEqual([
        [1, first.submissionId],
        [2, second.body.submissionId],
      ]);
      expect(emulator.stats().submissionsByBlobPath[blobPath]).toBe(2);
    });

    it('answers 413 when a blob exceeds its category cap', async () => {
      const big = Buffer.concat([SAMPLES['.png'] as Buffer, Buffer.alloc(2048)]);
      const blobPath = await client.upload(unique('huge.png'), 'image/png', big);
      const response = await client.submit([blobPath]);
      expect(response.status).toBe(413);
      expect(response.body).toEqual({ detail: expect.stringContaining('image') as string });
    });

    it('answers 415 when the stored bytes do not match the declared type, or the type is not allowlisted', async () => {
      const fake = await client.upload(unique('fake.mp4'), 'video/mp4', SAMPLES['.pdf']);
      const mismatch = await client.submit([fake]);
      expect(mismatch.status).toBe(415);
      expect(mismatch.body).toEqual({
        detail: expect.stringContaining('Unsupported content type') as string,
      });
      const binaryText = await client.upload(unique('bin.txt'), 'text/plain', Buffer.from([0x41, 0, 0x42]));
      expect((await client.submit([binaryText])).status).toBe(415);
      const empty = await client.upload(unique('empty.txt'), 'text/plain', Buffer.alloc(0));
      expect((await client.submit([empty])).status).toBe(415);
      const exe = `${WS}/${unique('tool.exe')}`;
      await container.getBlockBlobClient(exe).uploadData(Buffer.from('MZ'));
      expect((await client.submit([exe])).status).toBe(415);
    });

    it('answers 422 with dotted field paths for bad bodies', async () => {
      const cases: [unknown, string][] = [
        [{}, 'assets'],
        [{ assets: [] }, 'assets'],
        [{ assets: [{}] }, 'assets.0.blobPath'],
        [{ assets: [{ blobPath: `${WS}/a.mp4`, filename: 'a.mp4' }] }, 'assets.0'],
        [
          { assets: [{ blobPath: `${WS}/a.mp4`, previousSubmissionId: 'nope' }] },
          'assets.0.previousSubmissionId',
        ],
        [{ assets: [{ blobPath: `${WS}/a.mp4` }], sidekickIds: ['x'] }, 'sidekickIds.0'],
        [[], 'body'],
      ];
      for (const [body, field] of cases) {
        const response = await client.post<{ detail: string; fields: { field: string }[] }>(
          '/api/integrations/submissions',
          body,
        );
        expect(response.status, JSON.stringify(body)).toBe(422);
        expect(response.body.detail).toBe('Request validation failed');
        expect(response.body.fields.map((f) => f.field)).toContain(field);
      }
    });
  });

  describe('GET /api/integrations/submissions/{submission_id}', () => {
    it('reports per-asset status and the submission fields through submitted → processing → complete', async () => {
      emulator.controls.processing.hold();
      const created = await submitFile('flow.mp4');
      const path = `/api/integrations/submissions/${created.submissionId}`;
      const first = await client.get<Status & Record<string, unknown>>(path);
      expect(first.status).toBe(200);
      expect(Object.keys(first.body).sort()).toEqual(
        [
          'assets',
          'completedAt',
          'createdAt',
          'errorMessage',
          'isRetryable',
          'progressPercent',
          'status',
          'submissionId',
          'workflowId',
          'workspaceId',
        ].sort(),
      );
      expect(first.body).toMatchObject({
        status: 'submitted',
        progressPercent: 0,
        completedAt: null,
        errorMessage: null,
        isRetryable: false,
        workspaceId: WS,
      });
      expect(Object.keys(first.body.assets[0] ?? {}).sort()).toEqual(
        [
          'assetId',
          'errorMessage',
          'errorType',
          'isRetryable',
          'issueCount',
          'retryCount',
          'status',
          'versionGroupId',
          'versionNumber',
        ].sort(),
      );
      expect(first.body.assets[0]).toMatchObject({
        status: 'submitted',
        issueCount: null,
        retryCount: 0,
        isRetryable: false,
      });
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect((await client.get<Status>(path)).body.assets[0]?.status).toBe('processing');
      emulator.controls.processing.release();
      const done = await finished(created.submissionId);
      expect(done).toMatchObject({ status: 'complete', progressPercent: 100, errorMessage: null });
      expect(Date.parse(done.completedAt ?? '')).not.toBeNaN();
      expect(done.assets[0]).toMatchObject({ status: 'complete', errorMessage: null, errorType: null });
      expect(done.assets[0]?.issueCount).toEqual(expect.any(Number));
    });

    it('answers 404 for unknown ids and other workspaces, 422 for a non-UUID id', async () => {
      const created = await submitFile('mine.mp4');
      const unknown = await client.get('/api/integrations/submissions/00000000-0000-4000-8000-000000000000');
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({ detail: 'Submission not found' });
      const foreign = await client.get(`/api/integrations/submissions/${created.submissionId}`, {
        key: OTHER_KEY,
      });
      expect(foreign.status).toBe(404);
      const bad = await client.get('/api/integrations/submissions/not-a-uuid');
      expect(bad.status).toBe(422);
      expect(bad.body).toMatchObject({ fields: [{ field: 'submission_id' }] });
    });
  });

  describe('asset result, issues and topics', () => {
    it('answers 404 "Asset processing not finished" while pending, then realistic results', async () => {
      emulator.controls.processing.hold();
      const created = await submitFile('res.mmissues-4.mp4');
      const base = `/api/integrations/submissions/${created.submissionId}/assets/${created.assets[0]?.assetId ?? ''}`;
      for (const suffix of ['', '/issues', '/topics']) {
        const pending = await client.get(base + suffix);
        expect(pending.status, suffix).toBe(404);
        expect(pending.body).toEqual({ detail: 'Asset processing not finished' });
      }
      emulator.controls.processing.release();
      await finished(created.submissionId);

      const asset = await client.get<Record<string, unknown> & { issues: Record<string, unknown>[] }>(base);
      expect(asset.status).toBe(200);
      expect(asset.body).toMatchObject({
        assetId: created.assets[0]?.assetId,
        submissionId: created.submissionId,
        filename: expect.stringMatching(/^res-\d+\.mmissues-4\.mp4$/) as string,
        mimeType: 'video/mp4',
        status: 'complete',
        issueCount: 4,
        versionNumber: 1,
        versionGroupId: created.assets[0]?.versionGroupId,
      });
      expect(asset.body.issues).toHaveLength(4);
      const issue = asset.body.issues[0] ?? {};
      expect(Object.keys(issue).sort()).toEqual(
        [
          'createdAt',
          'id',
          'precedents',
          'referenceNumber',
          'ruleCode',
          'severity',
          'severityReasoning',
          'severityReasoningHeadline',
          'sidekickId',
          'status',
          'summary',
          'updatedAt',
        ].sort(),
      );
      expect(issue).toMatchObject({ referenceNumber: 1, status: 'OPEN' });
      expect(['CRITICAL', 'MAJOR', 'MINOR', 'INFO']).toContain(issue.severity);

      const issues = await client.get<{ assetId: string; issues: { ruleContext: unknown }[] }>(
        `${base}/issues`,
      );
      expect(issues.status).toBe(200);
      expect(issues.body.issues).toHaveLength(4);
      expect(issues.body.issues[0]?.ruleContext).toBeDefined();

      const topics = await client.get<{
        topics: { issues: unknown[] }[];
        orphanIssues: unknown[];
        metadata: object;
      }>(`${base}/topics`);
      expect(topics.status).toBe(200);
      expect(Object.keys(topics.body).sort()).toEqual(['assetId', 'metadata', 'orphanIssues', 'topics']);
      for (const topic of topics.body.topics) expect(topic.issues.length).toBeGreaterThanOrEqual(2);
      expect(
        topics.body.topics.reduce((s, t) => s + t.issues.length, 0) + topics.body.orphanIssues.length,
      ).toBe(4);
      // Stable across reads.
      expect((await client.get(`${base}/topics`)).body).toEqual(topics.body);
    });

    it('answers 502 for issues/topics of a .mmbadresults. asset, and 404 for unknown assets', async () => {
      const created = await submitFile('broken.mmbadresults.mp4');
      await finished(created.submissionId);
      const base = `/api/integrations/submissions/${created.submissionId}/assets/${created.assets[0]?.assetId ?? ''}`;
      expect((await client.get(base)).status).toBe(200);
      for (const suffix of ['/issues', '/topics']) {
        const response = await client.get(base + suffix);
        expect(response.status).toBe(502);
        expect(response.body).toEqual({ detail: expect.any(String) as string });
      }
      const unknown = await client.get(
        `/api/integrations/submissions/${created.submissionId}/assets/00000000-0000-4000-8000-000000000000`,
      );
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({ detail: 'Asset not found' });
    });
  });

  describe('POST .../assets/{asset_id}/retry', () => {
    const retry = (c: Created) =>
      client.post<Created>(
        `/api/integrations/submissions/${c.submissionId}/assets/${c.assets[0]?.assetId ?? ''}/retry`,
      );

    it('retries a retryably failed asset: 202, submission back to processing, then complete', async () => {
      const created = await submitFile('flaky.mmfail-1.mp4');
      const failed = await finished(created.submissionId);
      expect(failed).toMatchObject({ status: 'failed', isRetryable: true });
      expect(failed.errorMessage).toEqual(expect.any(String));
      expect(failed.assets[0]).toMatchObject({ status: 'failed', isRetryable: true, retryCount: 0 });
      expect(failed.assets[0]?.errorType).toEqual(expect.any(String));

      const accepted = await retry(created);
      expect(accepted.status).toBe(202);
      expect(accepted.body).toMatchObject({
        submissionId: created.submissionId,
        ablyChannel: `submission:${created.submissionId}`,
        status: 'processing',
        assets: created.assets,
      });
      const inFlight = await retry(created);
      expect(inFlight.status).toBe(409);
      expect(inFlight.body).toEqual({ detail: 'A retry is already in progress for this asset' });

      const done = await finished(created.submissionId);
      expect(done.status).toBe('complete');
      expect(done.assets[0]).toMatchObject({
        status: 'complete',
        retryCount: 1,
        errorMessage: null,
        isRetryable: false,
      });
    });

    it('answers 409 "Asset is not in a failed state" for a completed or pending asset', async () => {
      const created = await submitFile('ok.mp4');
      const pending = await retry(created);
      expect(pending.status).toBe(409);
      expect(pending.body).toEqual({ detail: 'Asset is not in a failed state' });
      await finished(created.submissionId);
      expect((await retry(created)).body).toEqual({ detail: 'Asset is not in a failed state' });
    });

    it('answers 409 "Asset error is not retryable" for a permanent failure', async () => {
      const created = await submitFile('bad.mmfatal.mp4');
      const failed = await finished(created.submissionId);
      expect(failed.assets[0]).toMatchObject({ status: 'failed', isRetryable: false });
      expect(failed.isRetryable).toBe(false);
      const response = await retry(created);
      expect(response.status).toBe(409);
      expect(response.body).toEqual({ detail: 'Asset error is not retryable' });
    });

    it('answers 409 "Maximum retry attempts reached" after maxRetryAttempts retries', async () => {
      const created = await submitFile('doomed.mmfail-9.mp4');
      await finished(created.submissionId);
      for (let i = 1; i <= 3; i++) {
        expect((await retry(created)).status).toBe(202);
        emulator.controls.processing.finishNow(created.assets[0]?.assetId);
        const status = await finished(created.submissionId);
        expect(status.assets[0]).toMatchObject({ status: 'failed', retryCount: i, isRetryable: i < 3 });
      }
      const response = await retry(created);
      expect(response.status).toBe(409);
      expect(response.body).toEqual({ detail: 'Maximum retry attempts reached' });
    });

    it('reads scripts from blob metadata (mmscript) as well as from the name', async () => {
      const blobPath = `${WS}/${unique('meta.mp4')}`;
      await container
        .getBlockBlobClient(blobPath)
        .uploadData(SAMPLES['.mp4'] as Buffer, { metadata: { mmscript: 'fatal' } });
      const created = await client.submit<Created>([blobPath]);
      const done = await finished(created.body.submissionId);
      expect(done.assets[0]).toMatchObject({ status: 'failed', isRetryable: false });
    });

    it('answers 404 for an unknown asset and 422 for a malformed asset id', async () => {
      const created = await submitFile('z.mp4');
      const base = `/api/integrations/submissions/${created.submissionId}/assets`;
      expect((await client.post(`${base}/00000000-0000-4000-8000-000000000000/retry`)).status).toBe(404);
      expect((await client.post(`${base}/nope/retry`)).status).toBe(422);
    });
  });
});

function contentTypeOf(filename: string): string {
  const ext = filename.slice(filename.lastIndexOf('.'));
  const types: Record<string, string> = {
    '.mp4': 'video/mp4',
    '.png': 'image/png',
    '.pdf': 'application/pdf',
    '.txt': 'text/plain',
  };
  return types[ext] ?? 'application/octet-stream';
}
