/**
 * What every SampleStore refuses, as a bug of its caller, before it touches the state: times that are not epoch
 * milliseconds, and counters or increases below zero (a state the table could not hold exactly). Each returns the
 * problem in words, or undefined; the store raises it naming the appliance.
 */
import type { ClaimRequest, StoredState } from './ports.js';

export function claimRequestProblem(request: ClaimRequest): string | undefined {
  for (const [what, value] of [
    ['sample time', request.takenAt],
    ['lease end', request.leaseUntil],
    ['clock', request.now],
  ] as const) {
    if (!isEpochMs(value)) return `${what} ${value} is not epoch milliseconds`;
  }
  for (const [name, value] of request.counters) if (value < 0n) return `counter ${name} is negative (${value})`;
  return undefined;
}

export function storedStateProblem(state: StoredState): string | undefined {
  if (!isEpochMs(state.takenAt)) return `sample time ${state.takenAt} is not epoch milliseconds`;
  const negative = (what: string, values: ReadonlyMap<string, bigint>) => {
    for (const [name, value] of values) if (value < 0n) return `${what} ${name} is negative (${value})`;
    return undefined;
  };
  return (
    negative('counter', state.counters) ??
    state.unpublished.map((interval) => negative('increase of', interval.deltas)).find((p) => p !== undefined)
  );
}

function isEpochMs(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}
