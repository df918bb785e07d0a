/**
 * How one run spends the time Lambda gives it. Pure integer arithmetic: every deadline and timer derived here is
 * a whole number of milliseconds (AbortSignal.timeout and setTimeout reject fractions or clamp them silently).
 *
 *   start ── collect ──▶ collectBy ── publish ──▶ publishBy ── commit ──▶ commitBy ── log ──▶ Lambda's deadline
 *
 * - Collection (secrets, NITRO, claiming the state item) ends at collectBy, keeping back 20 % of the time
 *   (3 to 15 s) plus 3.5 s, so that logouts of appliances that ran out of time and publishing still fit.
 * - Publishing to CloudWatch ends at publishBy, 2.5 s before the deadline.
 * - Committing the state items (what was published, what is carried to the next run) ends at commitBy,
 *   0.5 s before the deadline, which is left for the run's last log line.
 */

export interface RunBudget {
  /** Epoch milliseconds (integers) on the wall clock (Date.now). */
  readonly startedAt: number;
  readonly collectBy: number;
  readonly publishBy: number;
  readonly commitBy: number;
  /** Lambda's deadline. */
  readonly deadline: number;
}

export const COLLECT_RESERVE_FRACTION_PERCENT = 20;
export const MIN_COLLECT_RESERVE_MS = 3_000;
export const MAX_COLLECT_RESERVE_MS = 15_000;
/** Logouts after a timeout (3 s each at most) and the first PutMetricData calls. */
export const LOGOUT_AND_PUBLISH_RESERVE_MS = 3_500;
export const COMMIT_RESERVE_MS = 2_000;
export const FINAL_LOG_RESERVE_MS = 500;

/** The largest delay Node's timers take; longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A whole, positive number of milliseconds that every timer API accepts. */
export function timerMs(ms: number): number {
  if (!Number.isFinite(ms)) return ms > 0 ? MAX_TIMER_MS : 1;
  return Math.min(MAX_TIMER_MS, Math.max(1, Math.floor(ms)));
}

/** Milliseconds kept back from collection when the run has `remainingMs` in all. */
export function collectReserveMs(remainingMs: number): number {
  const share = Math.floor((Math.max(0, Math.floor(remainingMs)) * COLLECT_RESERVE_FRACTION_PERCENT) / 100);
  return Math.min(MAX_COLLECT_RESERVE_MS, Math.max(MIN_COLLECT_RESERVE_MS, share)) + LOGOUT_AND_PUBLISH_RESERVE_MS;
}

/** The collection window of a run given `remainingMs` (0 when the run is too short to collect anything). */
export function collectWindowMs(remainingMs: number): number {
  return Math.max(0, Math.floor(remainingMs) - collectReserveMs(remainingMs));
}

/**
 * The deadlines of a run that starts at `startedAt` with `remainingMs` left (context.getRemainingTimeInMillis()).
 * Each phase is bounded by the previous phase's deadline, so a tiny budget gives empty windows, never a
 * deadline that lies before the one it follows.
 */
export function planRunBudget(startedAt: number, remainingMs: number): RunBudget {
  const start = Math.floor(startedAt);
  const remaining = Math.max(0, Math.floor(remainingMs));
  const deadline = start + remaining;
  const commitBy = Math.max(start, deadline - FINAL_LOG_RESERVE_MS);
  const publishBy = Math.max(start, Math.min(commitBy, deadline - FINAL_LOG_RESERVE_MS - COMMIT_RESERVE_MS));
  const collectBy = Math.min(publishBy, start + collectWindowMs(remaining));
  return { startedAt: start, collectBy, publishBy, commitBy, deadline };
}

/** One appliance never gets more than this, however much time the run has: NITRO answers in well under a second. */
export const MAX_APPLIANCE_MS = 20_000;
/** ...and at least this, when the run has it, so that a slow but working appliance is not cut off. */
export const MIN_APPLIANCE_MS = 5_000;
/** An appliance whose turn comes with less than this left is not started at all (reported as not started). */
export const MIN_START_MS = 1_000;
/** One NITRO request (headers and whole body) never takes longer than this. */
export const MAX_REQUEST_MS = 10_000;

/**
 * The time one appliance may take: the collection window shared fairly between the waves of `concurrency`
 * appliances, within [MIN_APPLIANCE_MS, MAX_APPLIANCE_MS] and never beyond the window. With this, slow
 * appliances that use their whole share still leave every later wave its turn, whenever the window allows
 * MIN_APPLIANCE_MS per wave.
 */
export function applianceBudgetMs(windowMs: number, appliances: number, concurrency: number): number {
  const window = Math.max(0, Math.floor(windowMs));
  const waves = Math.max(1, Math.ceil(Math.max(1, appliances) / Math.max(1, Math.floor(concurrency))));
  const fairShare = Math.floor(window / waves);
  return Math.min(window, MAX_APPLIANCE_MS, Math.max(MIN_APPLIANCE_MS, fairShare));
}

/**
 * How long an appliance holds its slot: the collection window shared between the waves of `concurrency`
 * appliances. An appliance still busy after its turn hands its slot to the next one and goes on within its own
 * deadline (applianceBudgetMs), so that hung appliances (each waiting for its own deadline) can never hold the
 * slots that the healthy ones behind them need: the n appliances' turns together never exceed the window.
 */
export function applianceTurnMs(windowMs: number, appliances: number, concurrency: number): number {
  const window = Math.max(0, Math.floor(windowMs));
  const waves = Math.max(1, Math.ceil(Math.max(1, appliances) / Math.max(1, Math.floor(concurrency))));
  return timerMs(window / waves);
}
