import { accountInterval } from './delta.js';
import type { CounterInterval, PendingSample, StoredState } from './ports.js';

/**
 * The rules that keep the state item healthy whatever was written into it: one definition each, used by the
 * pipeline, both stores and the docs (docs/reliability.md, "The state item").
 */

/** Lambda's maximum timeout: no run lives longer. */
export const MAX_RUN_MS = 900_000;
/** A state lease outlives the run by this much, so that no other run takes it over while this one still works. */
export const LEASE_MARGIN_MS = 5_000;
/** How far another clock (a second container, DynamoDB's writer) may be ahead of this one. */
export const CLOCK_SKEW_TOLERANCE_MS = 60_000;
/**
 * No run can hold a lease longer than this from now: a lease that ends later was not written by a run (a bad
 * restore, a clock error, a hand edit) and counts as expired.
 */
export const MAX_LEASE_MS = MAX_RUN_MS + LEASE_MARGIN_MS + CLOCK_SKEW_TOLERANCE_MS;
/**
 * Publishes of one increase that may have reached CloudWatch without the collector learning so (sent without an
 * answer, or published by a run that could not commit). An increase is published at most this often: then it is
 * dropped, counted (IncreasesDropped) and logged, never published a third time.
 */
export const MAX_UNANSWERED_PUBLISHES = 2;
/** The state item's `expiresAt` (DynamoDB TTL) lies this far after its last claim or commit. */
export const STATE_TTL_SECONDS = 30 * 24 * 3600;

/** A stored sample time later than this (on the claim's clock) was not taken by any run: the state is corrupt. */
export function latestPlausibleTakenAt(now: number): number {
  return now + CLOCK_SKEW_TOLERANCE_MS;
}

/** The `expiresAt` (epoch seconds) to write with a claim or commit at `now`. */
export function expiresAt(now: number): number {
  return Math.floor(now / 1000) + STATE_TTL_SECONDS;
}

/**
 * A state whose sample time lies in the future cannot be a baseline: the increases still carried are kept when
 * their own times are plausible, the counters start again from the next sample.
 */
export function withoutCorruptBaseline(previous: StoredState, now: number): { readonly unpublished: readonly CounterInterval[] } | undefined {
  if (previous.takenAt <= latestPlausibleTakenAt(now)) return undefined;
  return { unpublished: previous.unpublished.filter((interval) => interval.takenAt <= latestPlausibleTakenAt(now)) };
}

/**
 * What an unfinished run (it claimed, and never committed) may have published, as the state it would have
 * committed had CloudWatch told it nothing: its sample as the new baseline, and every increase it published
 * (the `carried` ones and its own since `previous`) carried on with one more unanswered publish. Increases
 * published MAX_UNANSWERED_PUBLISHES times are returned in `dropped`. `previous` is undefined when the unfinished
 * run had no baseline (a first sample, or a corrupt one it repaired): then it published only what it carried.
 */
export function resumeUnfinished(unfinished: {
  readonly previous: StoredState | undefined;
  readonly carried: readonly CounterInterval[];
  readonly pending: PendingSample;
  readonly maxAgeMs: number;
}): { readonly state: StoredState; readonly dropped: readonly CounterInterval[] } {
  const { previous, carried, pending, maxAgeMs } = unfinished;
  const account = accountInterval(previous, pending, maxAgeMs);
  const published = [...carried, ...(account.fresh.deltas.size > 0 ? [account.fresh] : [])];
  const { kept, dropped } = splitByPublishes(withOneMorePublish(published));
  return { state: { takenAt: pending.takenAt, counters: account.counters, heldSince: account.heldSince, unpublished: kept }, dropped };
}

/** The intervals, each with one more publish that may have reached CloudWatch unanswered. */
export function withOneMorePublish(intervals: readonly CounterInterval[]): CounterInterval[] {
  return intervals.map((interval) => ({ ...interval, unanswered: (interval.unanswered ?? 0) + 1 }));
}

/** The intervals still to publish, and those published MAX_UNANSWERED_PUBLISHES times unanswered (dropped). */
export function splitByPublishes(intervals: readonly CounterInterval[]): { readonly kept: CounterInterval[]; readonly dropped: CounterInterval[] } {
  const kept: CounterInterval[] = [];
  const dropped: CounterInterval[] = [];
  for (const interval of intervals) ((interval.unanswered ?? 0) >= MAX_UNANSWERED_PUBLISHES ? dropped : kept).push(interval);
  return { kept, dropped };
}
