import { CATALOG } from '../catalog/catalog.js';
import type { CounterInterval, StoredState } from './ports.js';
import { MAX_UNANSWERED_PUBLISHES } from './state-rules.js';

/**
 * Per-interval increases of cumulative counters, exact in bigint, and the state to keep for the next run.
 *
 * - A counter that went down means the appliance's counters were reset (reboot, HA failover seen through a
 *   floating address, cleared statistics). A reset clears every counter at once, so when ANY counter went down
 *   the whole sample is a reset: a counter that has already grown past its old value would otherwise give a
 *   wrong increase. No increase is taken from such an interval; `resets` names the counters that went down.
 * - A previous value older than the maximum age gives no increase (the collector was not running: the whole
 *   gap would land in one period as a spike). `stale` names those counters.
 * - A counter the sample lacks (a field that vanished for a while) keeps its last value in the state, so that
 *   its increase is counted when it comes back.
 */

const COUNTER_NAMES: readonly string[] = CATALOG.filter((m) => m.kind === 'counter').map((m) => m.nitroName);

/** The cumulative counters of a parsed sample (gauges left out): what the state table keeps. */
export function countersOf(integers: ReadonlyMap<string, bigint>): Map<string, bigint> {
  const counters = new Map<string, bigint>();
  for (const name of COUNTER_NAMES) {
    const value = integers.get(name);
    if (value !== undefined) counters.set(name, value);
  }
  return counters;
}

export interface CurrentSample {
  readonly takenAt: number;
  readonly counters: ReadonlyMap<string, bigint>;
}

export type Baseline = 'first-sample' | 'reset' | 'stale-previous';

export interface IntervalAccount {
  /** Increases over this interval, for counters whose previous value can be trusted. */
  readonly fresh: CounterInterval;
  /** Why this interval gives no increases at all, when it gives none. */
  readonly baseline?: Baseline;
  /** Counters that went down (the sample is then a reset as a whole). */
  readonly resets: readonly string[];
  /** Counters whose previous value was older than the maximum age (their increase is not counted). */
  readonly stale: readonly string[];
  /** The sample to keep: this one's counters, and the last values of counters it lacks. */
  readonly counters: ReadonlyMap<string, bigint>;
  readonly heldSince: ReadonlyMap<string, number>;
}

export function accountInterval(previous: StoredState | undefined, current: CurrentSample, maxAgeMs: number): IntervalAccount {
  const empty: CounterInterval = { takenAt: current.takenAt, deltas: new Map() };
  if (previous === undefined) {
    return { fresh: empty, baseline: 'first-sample', resets: [], stale: [], counters: current.counters, heldSince: new Map() };
  }

  const resets = [...current.counters].filter(([name, value]) => value < (previous.counters.get(name) ?? 0n)).map(([name]) => name);
  if (resets.length > 0) {
    // Values kept from before the reset mean nothing after it.
    return { fresh: empty, baseline: 'reset', resets, stale: [], counters: current.counters, heldSince: new Map() };
  }

  const deltas = new Map<string, bigint>();
  const stale: string[] = [];
  for (const [name, value] of current.counters) {
    const before = previous.counters.get(name);
    if (before === undefined) continue; // a counter new in this firmware: its baseline starts now
    const since = previous.heldSince.get(name) ?? previous.takenAt;
    if (current.takenAt - since > maxAgeMs) stale.push(name);
    else deltas.set(name, value - before);
  }

  const counters = new Map(current.counters);
  const heldSince = new Map<string, number>();
  for (const [name, value] of previous.counters) {
    if (current.counters.has(name)) continue;
    // Kept however old: when the field comes back, a value too old is reported as stale, never silently dropped.
    counters.set(name, value);
    heldSince.set(name, previous.heldSince.get(name) ?? previous.takenAt);
  }

  const wholeSampleStale = current.takenAt - previous.takenAt > maxAgeMs;
  return {
    fresh: { takenAt: current.takenAt, deltas },
    ...(wholeSampleStale ? { baseline: 'stale-previous' as const } : {}),
    resets: [],
    stale,
    counters,
    heldSince,
  };
}

/** Unconfirmed intervals kept at most (an item stays small; older ones are folded into the next). */
export const MAX_UNPUBLISHED_INTERVALS = 30;
/**
 * CloudWatch takes datapoints up to two weeks old (and refuses a whole request holding an older one). An
 * unconfirmed increase older than this is dropped, counted (IncreasesDropped) and logged: published at a later
 * time it would be a wrong number for that time.
 */
export const MAX_UNPUBLISHED_AGE_MS = 13 * 24 * 3600_000;

/** What became of one counter datum of a run, by counter and interval time (undefined: no such datum). */
export type CounterOutcome = (counter: string, takenAt: number) => 'published' | 'failed' | 'uncertain' | 'rejected' | undefined;

export interface RemainingIncreases {
  /** Still to publish, oldest first. */
  readonly unpublished: CounterInterval[];
  /** Given up, each counted and logged: too old for CloudWatch, or published MAX_UNANSWERED_PUBLISHES times unanswered. */
  readonly dropped: CounterInterval[];
}

/** Intervals whose increases CloudWatch still takes (younger than MAX_UNPUBLISHED_AGE_MS before `now`), and the others. */
export function splitTooOld(
  intervals: readonly CounterInterval[],
  now: number,
): { readonly publishable: CounterInterval[]; readonly tooOld: CounterInterval[] } {
  const publishable: CounterInterval[] = [];
  const tooOld: CounterInterval[] = [];
  for (const interval of intervals) (interval.takenAt < now - MAX_UNPUBLISHED_AGE_MS ? tooOld : publishable).push(interval);
  return { publishable, tooOld };
}

/**
 * The increases still to publish after a run: `intervals` minus what CloudWatch confirmed (by counter and
 * interval time); an increase sent without an answer counts one more unanswered publish, and is dropped at
 * MAX_UNANSWERED_PUBLISHES. Intervals with the same time and unanswered count are one; empty ones go; none older
 * than MAX_UNPUBLISHED_AGE_MS before `now` is kept (dropped instead); at most MAX_UNPUBLISHED_INTERVALS are kept,
 * the oldest added to the next one (later, never earlier, than the time its increases happened).
 */
export function remainingUnpublished(intervals: readonly CounterInterval[], outcomeOf: CounterOutcome, now: number): RemainingIncreases {
  const entries = new Map<string, { takenAt: number; unanswered: number; deltas: Map<string, bigint> }>();
  const dropped: CounterInterval[] = [];
  const add = (takenAt: number, unanswered: number, counter: string, delta: bigint) => {
    const key = `${takenAt}/${unanswered}`;
    let entry = entries.get(key);
    if (!entry) entries.set(key, (entry = { takenAt, unanswered, deltas: new Map() }));
    entry.deltas.set(counter, (entry.deltas.get(counter) ?? 0n) + delta);
  };
  for (const interval of intervals) {
    for (const [counter, delta] of interval.deltas) {
      if (delta <= 0n) continue;
      const outcome = outcomeOf(counter, interval.takenAt);
      if (outcome === 'published') continue;
      add(interval.takenAt, (interval.unanswered ?? 0) + (outcome === 'uncertain' ? 1 : 0), counter, delta);
    }
  }
  const left: CounterInterval[] = [];
  for (const entry of [...entries.values()].sort((a, b) => a.takenAt - b.takenAt || a.unanswered - b.unanswered)) {
    const interval = { takenAt: entry.takenAt, deltas: entry.deltas, ...(entry.unanswered > 0 && { unanswered: entry.unanswered }) };
    (entry.unanswered >= MAX_UNANSWERED_PUBLISHES || entry.takenAt < now - MAX_UNPUBLISHED_AGE_MS ? dropped : left).push(interval);
  }
  while (left.length > MAX_UNPUBLISHED_INTERVALS) {
    const oldest = left.shift()!;
    const next = left[0]!;
    const deltas = new Map(next.deltas);
    for (const [counter, delta] of oldest.deltas) deltas.set(counter, (deltas.get(counter) ?? 0n) + delta);
    const unanswered = Math.max(oldest.unanswered ?? 0, next.unanswered ?? 0);
    left[0] = { takenAt: next.takenAt, deltas, ...(unanswered > 0 && { unanswered }) };
  }
  return { unpublished: left, dropped };
}
