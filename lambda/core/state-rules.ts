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
