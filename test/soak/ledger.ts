/**
 * The soak's ground truth for one appliance, and the conservation check against it:
 *
 *   published + carried - replayed by unfinished runs = true increase, except counted resets and stale gaps
 *
 * per counter, where `published` is what CloudWatch confirmed to the collector, `carried` what the state item
 * still holds as unpublished, and the true increase comes from the simulator's counters round by round. What
 * CloudWatch stored beyond `published` (calls sent without an answer) is checked separately by the observer.
 */
import { CATALOG } from '../../lambda/catalog/catalog.js';
import type { ApplianceResult } from '../../lambda/pipeline/collect-appliance.js';

export type HeldResult = ApplianceResult & { held: NonNullable<ApplianceResult['held']> };

export const COUNTERS: readonly string[] = CATALOG.filter((m) => m.kind === 'counter').map((m) => m.nitroName);

export class ApplianceLedger {
  /** Round time -> cumulative true increase of each counter up to and including that round. */
  private readonly cumulative = new Map<number, Map<string, bigint>>();
  private readonly running = new Map<string, bigint>(COUNTERS.map((c) => [c, 0n]));
  /** Round times at which the appliance's counters were reset (before that round's traffic). */
  private readonly resets: number[] = [];
  /** Round time -> counters the appliance did not send usable that round. */
  private readonly absent = new Map<number, ReadonlySet<string>>();

  private lastCommitted: number | undefined;
  private pending: { readonly result: HeldResult; readonly published: ReadonlyMap<string, bigint> } | undefined;
  private readonly lastSeen = new Map<string, number>();
  readonly expected = new Map<string, bigint>(COUNTERS.map((c) => [c, 0n]));
  readonly published = new Map<string, bigint>(COUNTERS.map((c) => [c, 0n]));
  readonly replayed = new Map<string, bigint>(COUNTERS.map((c) => [c, 0n]));
  /** replayedByUnfinishedRuns: counter datapoints a run published and then could not commit (published again). */
  readonly counts = { committedIntervals: 0, excusedResets: 0, excusedStale: 0, replayedByUnfinishedRuns: 0 };

  constructor(readonly appliance: string) {}

  /** The round at `takenAt`: `increase` is what its traffic added, after a reset if `reset`. */
  recordRound(takenAt: number, increase: ReadonlyMap<string, bigint>, absent: ReadonlySet<string>, reset: boolean): void {
    if (reset) this.resets.push(takenAt);
    for (const counter of COUNTERS) this.running.set(counter, this.running.get(counter)! + (increase.get(counter) ?? 0n));
    this.cumulative.set(takenAt, new Map(this.running));
    this.absent.set(takenAt, absent);
  }

  /** Counter datums of a run whose outcome CloudWatch confirmed. */
  recordPublished(counter: string, value: number): void {
    this.published.set(counter, this.published.get(counter)! + BigInt(value));
  }

  /**
   * A run that held the state, with whether its commit is known to have landed. A commit that failed may still
   * have landed (DynamoDB applied it, the answer was lost): the next run that holds the state tells, by the
   * previous sample it finds. Until then the run is pending. Returns violations of the state chain.
   */
  recordHeld(result: HeldResult, committed: boolean, published: ReadonlyMap<string, bigint>): string[] {
    const violations = this.resolvePending(result.previousTakenAt === this.pending?.result.held.takenAt);
    if (committed) violations.push(...this.recordCommit(result));
    else this.pending = { result, published };
    return violations;
  }

  /** At the end: whether the pending run's commit landed, from the state item. */
  resolveAtEnd(committedBy: string | undefined, takenAt: number | undefined): string[] {
    const pending = this.pending;
    return this.resolvePending(pending !== undefined && committedBy === pending.result.held.owner && takenAt === pending.result.held.takenAt);
  }

  private resolvePending(landed: boolean): string[] {
    const pending = this.pending;
    if (pending === undefined) return [];
    this.pending = undefined;
    if (landed) return this.recordCommit(pending.result);
    // The state stayed where it was: the next run publishes the same increases again.
    for (const [counter, value] of pending.published) this.replayed.set(counter, this.replayed.get(counter)! + value);
    this.counts.replayedByUnfinishedRuns += pending.published.size;
    return [];
  }

  /**
   * A committed run: adds the true increases the collector should have counted over its interval, per counter,
   * or none where it reported a reset or a stale value. Returns violations of the state chain.
   */
  private recordCommit(result: HeldResult): string[] {
    const violations: string[] = [];
    const takenAt = result.held.takenAt;
    if (result.previousTakenAt !== this.lastCommitted) {
      violations.push(
        `${this.appliance}: the run at ${iso(takenAt)} started from the state of ${iso(result.previousTakenAt)}, but the last commit was ${iso(this.lastCommitted)}`,
      );
    }
    const resetInside = this.lastCommitted !== undefined && this.resets.some((at) => at > this.lastCommitted! && at <= takenAt);
    if (resetInside && result.baseline !== 'reset')
      violations.push(`${this.appliance}: a reset before ${iso(takenAt)} was not detected (baseline ${result.baseline ?? 'none'})`);
    if (!resetInside && result.baseline === 'reset') violations.push(`${this.appliance}: a reset was reported at ${iso(takenAt)} where none happened`);

    const absentNow = this.absent.get(takenAt) ?? new Set();
    const stale = new Set(result.staleCounters);
    if (result.baseline === 'reset') this.counts.excusedResets++;
    for (const counter of COUNTERS) {
      if (absentNow.has(counter)) {
        if (result.baseline === 'reset') this.lastSeen.delete(counter);
        continue;
      }
      const since = this.lastSeen.get(counter);
      this.lastSeen.set(counter, takenAt);
      if (since === undefined || result.baseline === 'reset' || result.baseline === 'first-sample') continue;
      if (stale.has(counter)) {
        this.counts.excusedStale++;
        continue;
      }
      const increase = this.cumulative.get(takenAt)!.get(counter)! - this.cumulative.get(since)!.get(counter)!;
      this.expected.set(counter, this.expected.get(counter)! + increase);
    }
    this.lastCommitted = takenAt;
    this.counts.committedIntervals++;
    return violations;
  }

  /** The conservation check, with the unpublished increases the state item holds at the end. */
  check(carried: ReadonlyMap<string, bigint>): string[] {
    const violations: string[] = [];
    for (const counter of COUNTERS) {
      const accounted = this.published.get(counter)! + (carried.get(counter) ?? 0n) - this.replayed.get(counter)!;
      const expected = this.expected.get(counter)!;
      if (accounted !== expected) {
        violations.push(
          `${this.appliance} ${counter}: published ${this.published.get(counter)} + carried ${carried.get(counter) ?? 0n} - replayed ${this.replayed.get(counter)} = ${accounted}, true increase ${expected}`,
        );
      }
    }
    return violations;
  }
}

function iso(time: number | undefined): string {
  return time === undefined ? 'none' : new Date(time).toISOString();
}
