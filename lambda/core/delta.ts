import { CATALOG } from '../catalog/catalog.js';
import { withRollups } from '../catalog/rollups.js';
import { type NodeIdentity, nodeChangeBetween } from './node-identity.js';
import type { CounterInterval, StoredState } from './ports.js';

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
  /** The HA node that answered (core/node-identity.ts); undefined standalone. */
  readonly node?: NodeIdentity;
}

export type Baseline = 'first-sample' | 'reset' | 'node-change' | 'stale-previous';

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

  // Another node's counters (a failover or failback through a floating address) are not activity, even when
  // higher in every field: the interval is taken like a reset.
  if (nodeChangeBetween(previous.node, current.node)) {
    return { fresh: empty, baseline: 'node-change', resets: [], stale: [], counters: current.counters, heldSince: new Map() };
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
    // The rollups join the interval here, so every path that publishes or carries its increases has them.
    fresh: { takenAt: current.takenAt, deltas: withRollups(deltas) },
    ...(wholeSampleStale ? { baseline: 'stale-previous' as const } : {}),
    resets: [],
    stale,
    counters,
    heldSince,
  };
}
