import { accountInterval } from './delta.js';
import type { CounterInterval, PendingSample, StoredState, TakenOver } from './ports.js';
import { latestPlausibleTakenAt } from './state-rules.js';

/**
 * The ledger of unpublished counter increases: the one place of its rules (how long an increase is kept, how
 * many times it may be published unanswered, what a run carries, withholds or drops when it claims the state,
 * and what remains after CloudWatch answered). Pure: the claim and commit code only does the I/O around it
 * (docs/reliability.md, "The state item").
 */

/**
 * Publishes of one increase that may have reached CloudWatch without the collector learning so (sent without an
 * answer, or published by a run that could not commit). An increase is published at most this often: then it is
 * dropped, counted (IncreasesDropped) and logged, never published a third time.
 */
export const MAX_UNANSWERED_PUBLISHES = 2;
/** Unconfirmed intervals kept at most (an item stays small; older ones are folded into the next). */
export const MAX_UNPUBLISHED_INTERVALS = 30;
/**
 * CloudWatch takes datapoints up to two weeks old (and refuses a whole request holding an older one). An
 * unconfirmed increase older than this is dropped, counted (IncreasesDropped) and logged: published at a later
 * time it would be a wrong number for that time.
 */
export const MAX_UNPUBLISHED_AGE_MS = 13 * 24 * 3600_000;

/** An increase of this time is too old for CloudWatch at `now`. */
const isTooOld = (takenAt: number, now: number) => takenAt < now - MAX_UNPUBLISHED_AGE_MS;
/** An increase published this often unanswered is not published again. */
const isPublishedTooOften = (unanswered: number | undefined) => (unanswered ?? 0) >= MAX_UNANSWERED_PUBLISHES;

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
  for (const interval of intervals) (isTooOld(interval.takenAt, now) ? tooOld : publishable).push(interval);
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
    (isPublishedTooOften(entry.unanswered) || isTooOld(entry.takenAt, now) ? dropped : left).push(interval);
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

/**
 * A state whose sample time lies in the future cannot be a baseline: the increases still carried are kept when
 * their own times are plausible, the counters start again from the next sample.
 */
export function withoutCorruptBaseline(
  previous: StoredState,
  now: number,
): { readonly unpublished: readonly CounterInterval[] } | undefined {
  if (previous.takenAt <= latestPlausibleTakenAt(now)) return undefined;
  return { unpublished: previous.unpublished.filter((interval) => interval.takenAt <= latestPlausibleTakenAt(now)) };
}

/**
 * What an unfinished run (it claimed, and never committed) may have published, as the state it would have
 * committed had CloudWatch told it nothing: its sample as the new baseline, and every increase it published
 * (the `carried` ones and its own since `previous`) carried on with one more unanswered publish. Increases
 * published MAX_UNANSWERED_PUBLISHES times are returned in `dropped`. `previous` is undefined when the unfinished
 * run had no baseline (a first sample, or a corrupt one it repaired): then it published only what it carried.
 * The pending sample's node is kept with it: without it, a failback seen by the unfinished run would be counted as
 * activity (and the next run's node compared with none).
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
  return {
    state: {
      takenAt: pending.takenAt,
      counters: account.counters,
      heldSince: account.heldSince,
      unpublished: kept,
      ...(pending.node && { node: pending.node }),
    },
    dropped,
  };
}

/** The intervals, each with one more publish that may have reached CloudWatch unanswered. */
export function withOneMorePublish(intervals: readonly CounterInterval[]): CounterInterval[] {
  return intervals.map((interval) => ({ ...interval, unanswered: (interval.unanswered ?? 0) + 1 }));
}

/** The intervals still to publish, and those published MAX_UNANSWERED_PUBLISHES times unanswered (dropped). */
export function splitByPublishes(intervals: readonly CounterInterval[]): {
  readonly kept: CounterInterval[];
  readonly dropped: CounterInterval[];
} {
  const kept: CounterInterval[] = [];
  const dropped: CounterInterval[] = [];
  for (const interval of intervals) (isPublishedTooOften(interval.unanswered) ? dropped : kept).push(interval);
  return { kept, dropped };
}

/** Counter increases in `intervals` (one per counter and interval). */
export function countIncreases(intervals: readonly CounterInterval[]): number {
  return intervals.reduce((total, interval) => total + interval.deltas.size, 0);
}

/** What a run that holds the state item publishes again, keeps for later, or gives up (ledger's view of a claim). */
export interface ClaimedLedger {
  readonly previous?: StoredState;
  /** Earlier increases to publish again (the previous state's unpublished ones). */
  readonly carried: readonly CounterInterval[];
  /** Earlier increases kept for a later run, not published by this one (a corrupt item's). */
  readonly withheld: readonly CounterInterval[];
  readonly dropped: readonly CounterInterval[];
  readonly repairs: readonly string[];
  readonly tookOverUnfinishedRun: boolean;
}

/**
 * The ledger of a claimed state item: `ledger`, and, when the claim took over an unfinished run that recorded its
 * sample, `resume`: the state to store (keeping the lease) before anything is published, so that however many runs
 * in a row cannot commit, each increase is published at most MAX_UNANSWERED_PUBLISHES times. `ledger` holds only
 * once `resume.state` is stored; if that write fails, `resume.dropped` may have been dropped all the same.
 */
export function ledgerAtClaim(claim: {
  readonly previous: StoredState | undefined;
  readonly takenOver: TakenOver | undefined;
  /** This run's sample time. */
  readonly takenAt: number;
  /** The claim's clock. */
  readonly now: number;
  readonly maxAgeMs: number;
}): { readonly ledger: ClaimedLedger; readonly resume?: { readonly state: StoredState; readonly dropped: readonly CounterInterval[] } } {
  const { takenOver, takenAt, now } = claim;
  let previous = claim.previous;
  const repairs: string[] = [];
  const dropped: CounterInterval[] = [];
  const tookOverUnfinishedRun = takenOver !== undefined;
  if (takenOver?.impossibleLease) repairs.push('its lease ended further ahead than any run can hold one: taken over');
  const corrupt = previous && withoutCorruptBaseline(previous, now);
  if (previous && corrupt) {
    repairs.push(`its sample time ${new Date(previous.takenAt).toISOString()} lies in the future: counters start again from this sample`);
    // While the item is corrupt nothing it carries is published: a run whose repair cannot be committed leaves
    // the next run the same item, and each would publish it once more. It waits in the repaired state, with one
    // more unanswered publish when an unfinished run may have published it before the item broke.
    const { kept, dropped: published } = splitByPublishes(takenOver ? withOneMorePublish(corrupt.unpublished) : corrupt.unpublished);
    const { publishable, tooOld } = splitTooOld(kept, now);
    dropped.push(...published, ...tooOld);
    return { ledger: { carried: [], withheld: publishable, dropped, repairs, tookOverUnfinishedRun } };
  }
  let carried = previous?.unpublished ?? [];
  const pending = takenOver?.pending;
  let resume: { state: StoredState; dropped: readonly CounterInterval[] } | undefined;
  if (pending !== undefined && pending.takenAt < takenAt && pending.takenAt > (previous?.takenAt ?? -1)) {
    resume = resumeUnfinished({ previous, carried, pending, maxAgeMs: claim.maxAgeMs });
    previous = resume.state;
    carried = resume.state.unpublished;
    dropped.push(...resume.dropped);
  } else if (takenOver !== undefined) {
    // An unfinished run that recorded no sample (an older release): what it carried was published once more.
    const { kept, dropped: published } = splitByPublishes(withOneMorePublish(carried));
    carried = kept;
    dropped.push(...published);
  }
  const { publishable, tooOld } = splitTooOld(carried, now);
  dropped.push(...tooOld);
  const ledger = { ...(previous ? { previous } : {}), carried: publishable, withheld: [], dropped, repairs, tookOverUnfinishedRun };
  return { ledger, ...(resume && { resume }) };
}
