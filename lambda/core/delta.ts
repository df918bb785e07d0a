import { CATALOG } from '../catalog/catalog.js';

/**
 * Per-interval increases of cumulative counters, exact in bigint. A counter that went down was reset (reboot,
 * HA failover seen through a floating address, cleared statistics): its increase since the reset cannot be told
 * apart from a different node's total, so it gets no delta this interval and is reported as a reset.
 */
export interface CounterDeltas {
  readonly deltas: ReadonlyMap<string, bigint>;
  readonly resets: readonly string[];
}

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

/** Deltas for counters present in both samples; counters new in `current` start their baseline now. */
export function computeCounterDeltas(current: ReadonlyMap<string, bigint>, previous: ReadonlyMap<string, bigint>): CounterDeltas {
  const deltas = new Map<string, bigint>();
  const resets: string[] = [];
  for (const [name, value] of current) {
    const before = previous.get(name);
    if (before === undefined) continue;
    if (value < before) resets.push(name);
    else deltas.set(name, value - before);
  }
  return { deltas, resets };
}
