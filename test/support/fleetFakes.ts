/**
 * In-memory stand-ins for the fleet ports (shared/resilience/fleetNews.ts, fleetShares.ts): what "the other
 * processes" published or divided, set by hand, and what this process published, recorded.
 */
import type { FleetCut, FleetNews } from '../../shared/resilience/fleetNews.js';
import type { FleetShares } from '../../shared/resilience/fleetShares.js';

/** Fleet news held in memory: what "the others" published, and what this process published. */
export class MemoryFleetNews implements FleetNews {
  pauses: Record<string, number> = {};
  openUntil = 0;
  cuts: Record<string, FleetCut> = {};
  readonly published: { kind: 'pause' | 'open'; bucket?: string; until: number; cut?: FleetCut }[] = [];
  publishPause(bucket: string, untilMs: number, cut?: FleetCut): void {
    this.published.push({ kind: 'pause', bucket, until: untilMs, ...(cut ? { cut } : {}) });
  }
  publishBreakerOpen(untilMs: number): void {
    this.published.push({ kind: 'open', until: untilMs });
  }
  pauseUntil(bucket: string): number {
    return this.pauses[bucket] ?? 0;
  }
  breakerOpenUntil(): number {
    return this.openUntil;
  }
  latestCut(bucket: string): FleetCut | undefined {
    return this.cuts[bucket];
  }
}

/** Fleet shares set by hand; records every send noted. */
export class HandShares implements FleetShares {
  readonly notes: { bucket: string; waited: boolean; fleetRate: number | undefined }[] = [];
  current = 1;
  learned: number | undefined;
  /** What the other processes send per second on every bucket (0: alone, as far as the roster knows). */
  others = 0;
  noteSend(bucket: string, waited: boolean, fleetRate: number | undefined): void {
    this.notes.push({ bucket, waited, fleetRate });
  }
  readonly refusedNotes: string[] = [];
  noteRefused(bucket: string): void {
    this.refusedNotes.push(bucket);
  }
  share(): number {
    return this.current;
  }
  fleetRate(): number | undefined {
    return this.learned;
  }
  othersPerSecond(): number {
    return this.others;
  }
}
