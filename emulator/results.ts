/**
 * Realistic analysis results for a completed asset: issues shaped like the contract's `IssueResponse`,
 * enriched issues, and topics that cluster two or more issues. They are generated, not stored:
 * a seeded PRNG keyed by the asset id and run makes every read of the same asset return the same data.
 */
import type { AssetRecord } from './model.js';
import { seedFrom, seededRandom } from './random.js';

/** Issue severity, as the contract lists it. */
export type Severity = 'CRITICAL' | 'MAJOR' | 'MINOR' | 'INFO';

/** A precedent ruling cited by an issue. */
export interface Precedent {
  readonly url: string;
  readonly title: string;
  readonly decision: string;
  readonly date: string;
}

/** One issue, field for field as the contract's `IssueResponse`. */
export interface IssueResponse {
  readonly id: string;
  readonly referenceNumber: number;
  readonly ruleCode: string;
  readonly summary: string;
  readonly severity: Severity;
  readonly status: 'OPEN' | 'ACKNOWLEDGED' | 'AWAITING_HUMAN_INPUT' | 'RESOLVED' | 'DISMISSED';
  readonly sidekickId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly severityReasoning: string;
  readonly severityReasoningHeadline: string;
  readonly precedents: readonly Precedent[];
}

/** An issue with its rule-graph context (the `/issues` item; the real shape is a documented gap). */
export interface EnrichedIssue extends IssueResponse {
  readonly ruleContext: {
    readonly ruleCode: string;
    readonly ruleTitle: string;
    readonly parentRuleCode: string | null;
    readonly relatedRuleCodes: readonly string[];
  };
}

/** A cluster of two or more related issues (topic field names are a documented gap). */
export interface Topic {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly issueCount: number;
  readonly issues: readonly IssueResponse[];
}

/** Everything the three result endpoints serve for one asset. */
export interface AssetResults {
  readonly issues: readonly IssueResponse[];
  readonly enrichedIssues: readonly EnrichedIssue[];
  readonly topics: readonly Topic[];
  readonly orphanIssues: readonly IssueResponse[];
  readonly metadata: Readonly<Record<string, unknown>>;
}

interface Rule {
  readonly code: string;
  readonly title: string;
  readonly parent: string | null;
  readonly summary: string;
}

const RULES: readonly Rule[] = [
  {
    code: 'CAP_3.1',
    title: 'Misleading advertising',
    parent: 'CAP_3',
    summary: 'Claim may mislead consumers about the product',
  },
  {
    code: 'CAP_3.7',
    title: 'Substantiation',
    parent: 'CAP_3',
    summary: 'Objective claim lacks documentary evidence',
  },
  {
    code: 'CAP_3.9',
    title: 'Qualification',
    parent: 'CAP_3',
    summary: 'Qualifying text contradicts the headline claim',
  },
  {
    code: 'CAP_4.1',
    title: 'Harm and offence',
    parent: 'CAP_4',
    summary: 'Content likely to cause serious offence',
  },
  { code: 'CAP_5.1', title: 'Children', parent: 'CAP_5', summary: 'Content may be unsuitable for children' },
  {
    code: 'CAP_8.4',
    title: 'Promotional marketing',
    parent: 'CAP_8',
    summary: 'Promotion terms are not stated clearly',
  },
  {
    code: 'CAP_12.1',
    title: 'Medicines and health claims',
    parent: 'CAP_12',
    summary: 'Unauthorised health claim',
  },
  {
    code: 'CAP_16.3',
    title: 'Gambling',
    parent: 'CAP_16',
    summary: 'Gambling content may appeal to under-18s',
  },
  { code: 'CAP_18.2', title: 'Alcohol', parent: 'CAP_18', summary: 'Alcohol shown as key to social success' },
];

const SEVERITIES: readonly Severity[] = ['CRITICAL', 'MAJOR', 'MAJOR', 'MINOR', 'MINOR', 'INFO'];

/** Sidekicks used when a submission named none; fixed so results are stable across restarts. */
const DEFAULT_SIDEKICKS = ['3f6c2a7e-1b4d-4e8a-9c0f-5d2e7b8a1c34', '9a1d4c6e-2f3b-4a5c-8d7e-0b1c2d3e4f5a'];

/**
 * The results of a completed asset. Deterministic in the asset id and retry count, so polling the same
 * asset twice returns identical ids, and a retried asset may get a different set.
 */
export function resultsFor(asset: AssetRecord): AssetResults {
  const random = seededRandom(seedFrom(`${asset.assetId}:${asset.retryCount}`));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const uuid = (): string => uuidFrom(random);
  const at = new Date(asset.completedAt ?? asset.createdAt).toISOString();
  const sidekicks = asset.sidekickIds.length > 0 ? asset.sidekickIds : DEFAULT_SIDEKICKS;
  const count = asset.script.issues ?? Math.floor(random() * 6);

  const enrichedIssues = Array.from({ length: count }, (_, i): EnrichedIssue => {
    const rule = pick(RULES);
    const severity = pick(SEVERITIES);
    return {
      id: uuid(),
      referenceNumber: i + 1,
      ruleCode: rule.code,
      summary: `${rule.summary} (${asset.filename})`,
      severity,
      status: 'OPEN',
      sidekickId: pick(sidekicks),
      createdAt: at,
      updatedAt: at,
      severityReasoning: `Rated ${severity} because the claim is prominent and the audience is broad.`,
      severityReasoningHeadline: `${severity}: ${rule.title}`,
      precedents: [
        {
          url: `https://www.asa.org.uk/rulings/emulator-${rule.code.toLowerCase().replace(/[^a-z0-9]/g, '-')}.html`,
          title: `${rule.title} ruling`,
          decision: random() < 0.7 ? 'Upheld' : 'Not upheld',
          date: `202${Math.floor(random() * 5)}-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`,
        },
      ],
      ruleContext: {
        ruleCode: rule.code,
        ruleTitle: rule.title,
        parentRuleCode: rule.parent,
        relatedRuleCodes: RULES.filter((r) => r.parent === rule.parent && r.code !== rule.code).map(
          (r) => r.code,
        ),
      },
    };
  });
  const issues = enrichedIssues.map(({ ruleContext: _ruleContext, ...issue }) => issue);
  const { topics, orphanIssues } = cluster(issues, random, uuid);
  return {
    issues,
    enrichedIssues,
    topics,
    orphanIssues,
    metadata: {
      generatedAt: at,
      issueCount: issues.length,
      topicCount: topics.length,
      orphanIssueCount: orphanIssues.length,
      clusteringMethod: 'emulator-deterministic',
    },
  };
}

/** Groups leading issues into topics of 2–3 while the dice allow; the rest are orphans (normal). */
function cluster(
  issues: readonly IssueResponse[],
  random: () => number,
  uuid: () => string,
): { topics: Topic[]; orphanIssues: IssueResponse[] } {
  const topics: Topic[] = [];
  let i = 0;
  while (issues.length - i >= 2 && random() < 0.7) {
    const size = Math.min(issues.length - i, random() < 0.3 ? 3 : 2);
    const members = issues.slice(i, i + size);
    i += size;
    topics.push({
      id: uuid(),
      title: `Related findings around ${members[0]?.ruleCode ?? 'the asset'}`,
      summary: `${members.length} issues share a root cause in the same scene.`,
      issueCount: members.length,
      issues: members,
    });
  }
  return { topics, orphanIssues: issues.slice(i) };
}

/** A v4-formatted UUID from the seeded PRNG (crypto's `randomUUID` would break determinism). */
function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
