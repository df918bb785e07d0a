/**
 * The soak's ground truth for one appliance, and the check of what CloudWatch stored against it, independent of
 * the collector's own bookkeeping:
 *
 * - the **state chain** is the sequence of sample times whose commit took effect in DynamoDB (seen by the fault
 *   proxy: final commits and the commits of a run that took over an unfinished one);
 * - every interval of the chain, per counter, is a true increase (from the simulator's counters) that CloudWatch
 *   must hold at the interval's time with exactly that value, unless the collector excused it (a reset inside it,
 *   another HA node answering at its end than at its start, a previous value older than the maximum age, a new
 *   baseline after a repaired state), it is still carried in
 *   the state item, or the collector dropped it and counted so (IncreasesDropped);
 * - no increase is covered more than twice by what CloudWatch stored, and a second count only in a documented
 *   window: a datum sent without an answer, or published by a run that could not commit.
 */
import { CATALOG } from '../../lambda/catalog/catalog.js';

export const COUNTERS: readonly string[] = CATALOG.filter((m) => m.kind === 'counter').map((m) => m.nitroName);
/** CloudWatch metric name -> NITRO counter name, for the counter metrics. */
export const COUNTER_OF_METRIC: ReadonlyMap<string, string> = new Map(
  CATALOG.filter((m) => m.kind === 'counter').map((m) => [m.metricName, m.nitroName]),
);

const key = (counter: string, takenAt: number) => `${counter}@${takenAt}`;

export class ApplianceLedger {
  /** Round time -> cumulative true increase of each counter up to and including that round. */
  private readonly cumulative = new Map<number, Map<string, bigint>>();
  private readonly running = new Map<string, bigint>(COUNTERS.map((c) => [c, 0n]));
  private readonly resets: number[] = [];
  /** Rounds before which the floating address moved to the other HA node. */
  private readonly nodeChanges: number[] = [];
  private readonly absent = new Map<number, ReadonlySet<string>>();
  private readonly chain: number[] = [];
  private readonly rebaselines = new Set<number>();
  /** counter@time -> values CloudWatch stored. */
  private readonly stored = new Map<string, number[]>();
  private readonly dropped = new Set<string>();
  /** counter@time sent without an answer, or published by a run that could not commit: a second count is allowed. */
  private readonly secondCountAllowed = new Set<string>();
  readonly counts = {
    committedIntervals: 0,
    excusedResets: 0,
    excusedNodeChanges: 0,
    excusedStale: 0,
    excusedRebaselines: 0,
    secondCounts: 0,
    dropped: 0,
    droppedUnstored: 0,
    checked: 0,
  };

  constructor(
    readonly appliance: string,
    private readonly maxAgeMs: number,
  ) {}

  /**
   * The round at `takenAt`: `increase` is what its traffic added (on the node that answers), after a reset if
   * `reset`, after the floating address moved to the other HA node if `nodeChange`.
   */
  recordRound(
    takenAt: number,
    increase: ReadonlyMap<string, bigint>,
    absent: ReadonlySet<string>,
    reset: boolean,
    nodeChange = false,
  ): void {
    if (reset) this.resets.push(takenAt);
    if (nodeChange) this.nodeChanges.push(takenAt);
    for (const counter of COUNTERS) this.running.set(counter, this.running.get(counter)! + (increase.get(counter) ?? 0n));
    this.cumulative.set(takenAt, new Map(this.running));
    this.absent.set(takenAt, absent);
  }

  /** A commit of the state item with this sample time took effect. */
  recordStateWrite(takenAt: number): void {
    if (this.chain.at(-1) !== takenAt) this.chain.push(takenAt);
  }

  /** The collector started a new baseline at this sample (a first sample after a repaired state). */
  recordRebaseline(takenAt: number): void {
    this.rebaselines.add(takenAt);
  }

  recordStored(counter: string, takenAt: number, value: number): void {
    const k = key(counter, takenAt);
    this.stored.set(k, [...(this.stored.get(k) ?? []), value]);
  }

  recordSecondCountAllowed(counter: string, takenAt: number): void {
    this.secondCountAllowed.add(key(counter, takenAt));
  }

  recordDropped(counter: string, takenAt: number): void {
    if (!this.dropped.has(key(counter, takenAt))) this.counts.dropped++;
    this.dropped.add(key(counter, takenAt));
  }

  /** At the end: `carried` holds counter@time the state item still carries. */
  check(carried: ReadonlySet<string>): string[] {
    const violations: string[] = [];
    for (let i = 1; i < this.chain.length; i++) {
      if (this.chain[i]! <= this.chain[i - 1]!)
        violations.push(`${this.appliance}: the state went back from ${iso(this.chain[i - 1])} to ${iso(this.chain[i])}`);
    }
    const chainSet = new Set(this.chain);
    /** Per counter: (from, to] intervals with how many copies CloudWatch stored. */
    const coverage = new Map<string, { from: number; to: number; copies: number }[]>(COUNTERS.map((c) => [c, []]));
    const lastSeen = new Map<string, number>();
    const storedTimes = new Map<number, string[]>();
    for (const k of this.stored.keys()) {
      const [counter, at] = k.split('@') as [string, string];
      const t = Number(at);
      storedTimes.set(t, [...(storedTimes.get(t) ?? []), counter]);
    }
    const times = [...new Set([...this.chain, ...storedTimes.keys()])].sort((a, b) => a - b);
    let previousEnd: number | undefined;
    for (const t of times) {
      if (!chainSet.has(t)) {
        // Published by a run whose commit never took effect: it covers the increase since the chain's last end.
        for (const counter of storedTimes.get(t) ?? []) {
          const copies = this.stored.get(key(counter, t))!.length;
          const since = lastSeen.get(counter);
          if (since !== undefined) coverage.get(counter)!.push({ from: since, to: t, copies });
          if (!this.secondCountAllowed.has(key(counter, t)))
            violations.push(
              `${this.appliance} ${counter}: CloudWatch holds a datum at ${iso(t)} that no committed interval ends at, from a run that committed`,
            );
        }
        continue;
      }
      const absentNow = this.absent.get(t) ?? new Set<string>();
      const inside = (events: readonly number[]) => previousEnd !== undefined && events.some((at) => at > previousEnd! && at <= t);
      const resetInside = inside(this.resets);
      // Another node's counters are no increase, even when higher in every field (a failback).
      const nodeChangeInside = inside(this.nodeChanges);
      const rebaseline = previousEnd === undefined || resetInside || nodeChangeInside || this.rebaselines.has(t);
      if (previousEnd !== undefined) this.counts.committedIntervals++;
      if (nodeChangeInside) this.counts.excusedNodeChanges++;
      else if (resetInside) this.counts.excusedResets++;
      else if (this.rebaselines.has(t) && previousEnd !== undefined) this.counts.excusedRebaselines++;
      for (const counter of COUNTERS) {
        const k = key(counter, t);
        const values = this.stored.get(k) ?? [];
        if (absentNow.has(counter)) {
          if (rebaseline) lastSeen.delete(counter);
          if (values.length > 0)
            violations.push(
              `${this.appliance} ${counter}: CloudWatch holds ${values.join(',')} at ${iso(t)}, where the appliance sent no value`,
            );
          continue;
        }
        const since = lastSeen.get(counter);
        lastSeen.set(counter, t);
        if (rebaseline || since === undefined) {
          if (values.length > 0)
            violations.push(
              `${this.appliance} ${counter}: CloudWatch holds ${values.join(',')} at ${iso(t)}, a new baseline (no increase)`,
            );
          continue;
        }
        if (t - since > this.maxAgeMs) {
          this.counts.excusedStale++;
          if (values.length > 0)
            violations.push(
              `${this.appliance} ${counter}: CloudWatch holds ${values.join(',')} at ${iso(t)} over a stale gap since ${iso(since)}`,
            );
          continue;
        }
        const increase = this.cumulative.get(t)!.get(counter)! - this.cumulative.get(since)!.get(counter)!;
        this.counts.checked++;
        for (const value of values) {
          if (BigInt(value) !== increase)
            violations.push(
              `${this.appliance} ${counter}: CloudWatch holds ${value} at ${iso(t)}, the true increase since ${iso(since)} is ${increase}`,
            );
        }
        if (values.length > 0) coverage.get(counter)!.push({ from: since, to: t, copies: values.length });
        else if (increase > 0n && !carried.has(k)) {
          if (this.dropped.has(k)) this.counts.droppedUnstored++;
          else
            violations.push(
              `${this.appliance} ${counter}: the increase of ${increase} up to ${iso(t)} is neither in CloudWatch, nor carried, nor counted as dropped`,
            );
        }
        if (values.length > 1 && !this.secondCountAllowed.has(k))
          violations.push(
            `${this.appliance} ${counter}: CloudWatch holds the increase at ${iso(t)} ${values.length} times outside the documented windows`,
          );
      }
      previousEnd = t;
    }
    for (const [counter, intervals] of coverage) violations.push(...this.checkCoverage(counter, intervals));
    return violations;
  }

  /**
   * One counter's true activity over the whole soak (every round's increase on the node that answered), and what
   * CloudWatch holds of it: `committed` at the times of committed intervals (each the true increase of its
   * interval, so never more than the activity), `total` with the datums of runs that could not commit as well.
   */
  activity(counter: string): { readonly truth: bigint; readonly committed: bigint; readonly total: bigint } {
    const chain = new Set(this.chain);
    let committed = 0n;
    let total = 0n;
    for (const [k, values] of this.stored) {
      const [name, at] = k.split('@') as [string, string];
      if (name !== counter) continue;
      // Every copy CloudWatch stored counts in its Sum.
      for (const value of values) total += BigInt(value);
      if (chain.has(Number(at))) committed += BigInt(values[0]!);
    }
    return { truth: this.running.get(counter) ?? 0n, committed, total };
  }

  /** No round's true increase is covered by more than two stored datums. */
  private checkCoverage(counter: string, intervals: readonly { from: number; to: number; copies: number }[]): string[] {
    const violations: string[] = [];
    const rounds = [...this.cumulative.keys()].sort((a, b) => a - b);
    const events = intervals.flatMap((i) => [
      { at: i.from, delta: i.copies },
      { at: i.to, delta: -i.copies },
    ]);
    events.sort((a, b) => a.at - b.at);
    // A round r is inside (from, to] when from < r <= to: walk rounds and events together.
    let depth = 0;
    let next = 0;
    let previousCumulative = 0n;
    for (const r of rounds) {
      while (next < events.length && events[next]!.at < r) depth += events[next++]!.delta;
      const cumulative = this.cumulative.get(r)!.get(counter)!;
      const grew = cumulative > previousCumulative;
      previousCumulative = cumulative;
      if (grew && depth > 2)
        violations.push(
          `${this.appliance} ${counter}: the increase of the round at ${iso(r)} is counted ${depth} times` +
            (process.env.DEBUG_LEDGER
              ? ` by ${JSON.stringify(intervals.filter((i) => i.from < r && i.to >= r).map((i) => [iso(i.from), iso(i.to), i.copies, this.chain.includes(i.to)]))}`
              : ''),
        );
      if (grew && depth === 2) this.counts.secondCounts++;
    }
    return violations;
  }
}

function iso(time: number | undefined): string {
  return time === undefined ? 'none' : new Date(time).toISOString();
}
