/**
 * The submission store: creates submissions and their assets, tracks which blob paths a workspace has
 * already submitted (the 409 rule) and the version groups `previousSubmissionId` extends.
 */
import { randomUUID } from 'node:crypto';
import type { AssetRecord, SubmissionRecord } from './model.js';
import type { Script } from './scripts.js';

/** One validated asset of a create request. */
export interface NewAsset {
  readonly blobPath: string;
  readonly filename: string;
  readonly mimeType: string;
  readonly script: Script;
  /** The asset this one is the next version of, when the request set `previousSubmissionId`. */
  readonly previous?: AssetRecord;
}

/** A validated create request. */
export interface NewSubmission {
  readonly workspaceId: string;
  readonly assets: readonly NewAsset[];
  readonly sidekickIds: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** In-memory submissions, keyed for the lookups the routes need. */
export class SubmissionStore {
  private readonly submissions = new Map<string, SubmissionRecord>();
  private readonly assetsByPath = new Map<string, AssetRecord[]>();
  private readonly versionGroups = new Map<string, AssetRecord[]>();

  /** Creates a submission with fresh ids; version numbers continue the previous asset's group. */
  create(input: NewSubmission, now: number): SubmissionRecord {
    const submissionId = randomUUID();
    const assets = input.assets.map((a): AssetRecord => {
      const versionGroupId = a.previous?.versionGroupId ?? randomUUID();
      const group = this.versionGroups.get(versionGroupId) ?? [];
      return {
        assetId: randomUUID(),
        submissionId,
        workspaceId: input.workspaceId,
        blobPath: a.blobPath,
        filename: a.filename,
        mimeType: a.mimeType,
        versionGroupId,
        versionNumber: Math.max(0, ...group.map((g) => g.versionNumber)) + 1,
        createdAt: now,
        script: a.script,
        sidekickIds: input.sidekickIds,
        status: 'submitted',
        retryCount: 0,
        failure: null,
        completedAt: null,
        run: null,
      };
    });
    const submission: SubmissionRecord = {
      submissionId,
      workspaceId: input.workspaceId,
      workflowId: `asset-processing-${submissionId}`,
      createdAt: now,
      assets,
      metadata: input.metadata,
    };
    this.submissions.set(submissionId, submission);
    for (const asset of assets) {
      push(this.assetsByPath, pathKey(asset.workspaceId, asset.blobPath), asset);
      push(this.versionGroups, asset.versionGroupId, asset);
    }
    return submission;
  }

  /** The submission if it exists in `workspaceId`; other workspaces' submissions are invisible (404). */
  get(workspaceId: string, submissionId: string): SubmissionRecord | undefined {
    const submission = this.submissions.get(submissionId);
    return submission?.workspaceId === workspaceId ? submission : undefined;
  }

  /** Any submission by id, regardless of workspace (for controls). */
  byId(submissionId: string): SubmissionRecord | undefined {
    return this.submissions.get(submissionId);
  }

  /** All submissions in creation order. */
  all(): SubmissionRecord[] {
    return [...this.submissions.values()];
  }

  /** True when the workspace has already submitted `blobPath` in any submission. */
  isSubmitted(workspaceId: string, blobPath: string): boolean {
    return this.assetsByPath.has(pathKey(workspaceId, blobPath));
  }

  /** Every version in a group, oldest first. */
  versions(versionGroupId: string): readonly AssetRecord[] {
    return this.versionGroups.get(versionGroupId) ?? [];
  }
}

/**
 * The asset of `previous` that a new asset with `blobPath` versions: the one with the same blob path,
 * else the first asset. How the real service picks is a documented gap; see docs/emulator.md.
 */
export function previousAssetFor(previous: SubmissionRecord, blobPath: string): AssetRecord | undefined {
  return previous.assets.find((a) => a.blobPath === blobPath) ?? previous.assets[0];
}

function pathKey(workspaceId: string, blobPath: string): string {
  return `${workspaceId}\u0000${blobPath}`;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
