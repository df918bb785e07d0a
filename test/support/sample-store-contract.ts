/**
 * The SampleStore contract: what the pipeline relies on from the state store, whichever store it is. Run against
 * the DynamoDB store (moto_server) and the in-memory store of the local run (test/integration/sample-store-contract
 * .test.ts), so that `npm start` and `npm run collect` cannot drift from production semantics.
 *
 * A case is one entry of SAMPLE_STORE_CONTRACT: a name and a check that gets a store and an appliance name of its
 * own (no state yet). Add a case there and both stores run it.
 */
import { expect } from 'vitest';
import type { ClaimRequest, CounterInterval, SampleStore, StoredState } from '../../lambda/core/ports.js';
import { CLOCK_SKEW_TOLERANCE_MS, MAX_LEASE_MS } from '../../lambda/core/state-rules.js';

export function state(takenAt: number, counters: Record<string, bigint> = {}, extra: Partial<StoredState> = {}): StoredState {
  return { takenAt, counters: new Map(Object.entries(counters)), heldSince: new Map(), unpublished: [], ...extra };
}

export function interval(takenAt: number, deltas: Record<string, bigint>): CounterInterval {
  return { takenAt, deltas: new Map(Object.entries(deltas)) };
}

/** A claim by `owner` for a sample taken at `takenAt`, at `now` on the store's clock, with a 55 s lease. */
export const claimBy = (owner: string, takenAt: number, now = 10_000): ClaimRequest => ({
  owner,
  takenAt,
  leaseUntil: now + 55_000,
  now,
  counters: new Map(),
});

/** Claims as `owner` and commits `next`: one whole run. */
async function completeRun(store: SampleStore, appliance: string, owner: string, next: StoredState): Promise<void> {
  expect((await store.claim(appliance, claimBy(owner, next.takenAt))).outcome).toBe('claimed');
  expect(await store.commit(appliance, owner, next)).toEqual({ outcome: 'committed' });
}

export interface SampleStoreCase {
  readonly name: string;
  readonly check: (store: SampleStore, appliance: string) => Promise<void>;
  /**
   * The case relies on conditional writes being atomic under concurrency: DynamoDB's guarantee and the in-memory
   * store's, but not moto_server's (5.2: its threads check a condition and write without a lock, so two of eight
   * concurrent claims were seen to succeed). Such a case runs only against stores that guarantee it.
   */
  readonly needsAtomicWrites?: true;
}

export const SAMPLE_STORE_CONTRACT: readonly SampleStoreCase[] = [
  {
    name: 'claims an appliance it has never seen: no previous state, nothing taken over',
    check: async (store, appliance) => {
      expect(await store.claim(appliance, claimBy('run-1', 1_000))).toEqual({ outcome: 'claimed' });
    },
  },
  {
    name: 'gives the next claim exactly what was committed: exact counters beyond 2^53, heldSince, unpublished increases',
    check: async (store, appliance) => {
      const committed = state(
        2_000,
        { a: 18_446_744_073_709_551_615n, b: 7n },
        {
          heldSince: new Map([['c', 500]]),
          unpublished: [interval(1_000, { a: 9_007_199_254_740_993n }), interval(2_000, { a: 3n, b: 0n })],
        },
      );
      await completeRun(store, appliance, 'run-1', committed);
      expect(await store.claim(appliance, claimBy('run-2', 3_000))).toEqual({
        outcome: 'claimed',
        previous: state(
          2_000,
          { a: 18_446_744_073_709_551_615n, b: 7n },
          {
            heldSince: new Map([['c', 500]]),
            unpublished: [interval(1_000, { a: 9_007_199_254_740_993n }), interval(2_000, { a: 3n, b: 0n })],
          },
        ),
      });
    },
  },
  {
    name: 'keeps what was committed, not the caller’s objects: changing them afterwards changes nothing stored',
    check: async (store, appliance) => {
      const counters = new Map([['a', 1n]]);
      const deltas = new Map([['a', 4n]]);
      await completeRun(store, appliance, 'run-1', {
        takenAt: 1_000,
        counters,
        heldSince: new Map(),
        unpublished: [{ takenAt: 900, deltas }],
      });
      counters.set('a', 99n);
      deltas.set('b', 5n);
      const claim = await store.claim(appliance, claimBy('run-2', 2_000));
      expect(claim).toEqual({ outcome: 'claimed', previous: state(1_000, { a: 1n }, { unpublished: [interval(900, { a: 4n })] }) });
    },
  },
  {
    name: 'keeps no unpublished interval without increases',
    check: async (store, appliance) => {
      await completeRun(store, appliance, 'run-1', state(1_000, { a: 1n }, { unpublished: [interval(800, {}), interval(900, { a: 2n })] }));
      expect(await store.claim(appliance, claimBy('run-2', 2_000))).toEqual({
        outcome: 'claimed',
        previous: state(1_000, { a: 1n }, { unpublished: [interval(900, { a: 2n })] }),
      });
    },
  },
  {
    name: 'tells an overlapping run the state is busy while the lease lives (its last millisecond included)',
    check: async (store, appliance) => {
      await completeRun(store, appliance, 'run-1', state(1_000, { a: 1n }));
      await store.claim(appliance, { owner: 'run-2', takenAt: 2_000, leaseUntil: 60_000, now: 10_000, counters: new Map() });
      expect(
        await store.claim(appliance, { owner: 'run-3', takenAt: 2_001, leaseUntil: 120_000, now: 59_999, counters: new Map() }),
      ).toEqual({
        outcome: 'busy',
      });
      expect(
        await store.claim(appliance, { owner: 'run-3', takenAt: 2_001, leaseUntil: 120_000, now: 60_000, counters: new Map() }),
      ).toEqual({
        outcome: 'busy',
      });
      expect(await store.commit(appliance, 'run-3', state(2_001))).toEqual({ outcome: 'lease-lost' });
      expect(await store.commit(appliance, 'run-2', state(2_000, { a: 2n }))).toEqual({ outcome: 'committed' });
    },
  },
  {
    name: 'lets the lease owner claim again (a retried claim whose answer was lost), gives it the previous state and says it was retried',
    check: async (store, appliance) => {
      await completeRun(store, appliance, 'run-1', state(1_000, { a: 1n }));
      expect((await store.claim(appliance, claimBy('run-2', 2_000))).outcome).toBe('claimed');
      expect(await store.claim(appliance, claimBy('run-2', 2_000))).toEqual({
        outcome: 'claimed',
        previous: state(1_000, { a: 1n }),
        retried: true,
      });
      expect(await store.commit(appliance, 'run-2', state(2_000, { a: 2n }))).toEqual({ outcome: 'committed' });
    },
  },
  {
    name: 'gives the state to exactly one of many concurrent claims',
    needsAtomicWrites: true,
    check: async (store, appliance) => {
      await completeRun(store, appliance, 'run-0', state(1_000, { a: 1n }));
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claim(appliance, claimBy(`run-${i + 1}`, 2_000 + i))));
      expect(claims.filter((c) => c.outcome === 'claimed')).toHaveLength(1);
      expect(claims.filter((c) => c.outcome === 'busy')).toHaveLength(7);
    },
  },
  {
    name: 'of many concurrent claims, lets only the one holding the lease commit (the others are told lease-lost)',
    check: async (store, appliance) => {
      await completeRun(store, appliance, 'run-0', state(1_000, { a: 1n }));
      const owners = Array.from({ length: 8 }, (_, i) => `run-${i + 1}`);
      const claims = await Promise.all(owners.map((owner, i) => store.claim(appliance, claimBy(owner, 2_000 + i))));
      expect(claims.every((c) => c.outcome === 'claimed' || c.outcome === 'busy')).toBe(true);
      const claimed = owners.filter((_, i) => claims[i]!.outcome === 'claimed');
      expect(claimed.length).toBeGreaterThanOrEqual(1);
      const commits = [];
      for (const owner of claimed) commits.push((await store.commit(appliance, owner, state(3_000, { a: 2n }))).outcome);
      expect(commits.filter((outcome) => outcome === 'committed')).toHaveLength(1);
      expect(commits.filter((outcome) => outcome === 'lease-lost')).toHaveLength(claimed.length - 1);
    },
  },
  {
    name: 'refuses a sample not newer than the stored one (superseded), and stays claimable by a newer one',
    check: async (store, appliance) => {
      await completeRun(store, appliance, 'run-1', state(5_000, { a: 1n }));
      expect(await store.claim(appliance, claimBy('run-2', 5_000))).toEqual({ outcome: 'superseded' });
      expect(await store.claim(appliance, claimBy('run-2', 4_999))).toEqual({ outcome: 'superseded' });
      expect(await store.claim(appliance, claimBy('run-3', 5_001))).toEqual({ outcome: 'claimed', previous: state(5_000, { a: 1n }) });
    },
  },
  {
    name: 'calls an older sample superseded, not busy, once the lease that holds the state has expired',
    check: async (store, appliance) => {
      await completeRun(store, appliance, 'run-1', state(5_000, { a: 1n }));
      await store.claim(appliance, { owner: 'crashed', takenAt: 6_000, leaseUntil: 60_000, now: 10_000, counters: new Map() });
      expect(
        await store.claim(appliance, { owner: 'run-3', takenAt: 4_000, leaseUntil: 130_000, now: 60_001, counters: new Map() }),
      ).toEqual({
        outcome: 'superseded',
      });
    },
  },
  {
    name: 'takes over a lease that expired without a commit, says whose, and the former owner can no longer commit',
    check: async (store, appliance) => {
      await completeRun(store, appliance, 'run-1', state(1_000, { a: 1n }));
      await store.claim(appliance, { owner: 'crashed', takenAt: 2_000, leaseUntil: 60_000, now: 10_000, counters: new Map([['a', 2n]]) });
      expect(
        await store.claim(appliance, { owner: 'run-3', takenAt: 3_000, leaseUntil: 130_000, now: 60_001, counters: new Map() }),
      ).toEqual({
        outcome: 'claimed',
        previous: state(1_000, { a: 1n }),
        // The sample the unfinished run claimed with: what it may have published increases up to.
        takenOver: { owner: 'crashed', pending: { takenAt: 2_000, counters: new Map([['a', 2n]]) } },
      });
      expect(await store.commit(appliance, 'crashed', state(2_000))).toEqual({ outcome: 'lease-lost' });
      expect(await store.commit(appliance, 'run-3', state(3_000, { a: 3n }))).toEqual({ outcome: 'committed' });
      expect(await store.claim(appliance, claimBy('run-4', 4_000))).toEqual({ outcome: 'claimed', previous: state(3_000, { a: 3n }) });
    },
  },
  {
    name: 'releases the lease on commit: the next run claims at once, taking nothing over',
    check: async (store, appliance) => {
      await completeRun(store, appliance, 'run-1', state(1_000, { a: 1n }));
      expect(await store.claim(appliance, claimBy('run-2', 2_000, 10_001))).toEqual({
        outcome: 'claimed',
        previous: state(1_000, { a: 1n }),
      });
    },
  },
  {
    name: 'commits for the owner of an expired lease that no other run took',
    check: async (store, appliance) => {
      await store.claim(appliance, { owner: 'slow', takenAt: 1_000, leaseUntil: 60_000, now: 10_000, counters: new Map() });
      expect(await store.commit(appliance, 'slow', state(1_000, { a: 1n }))).toEqual({ outcome: 'committed' });
      expect(await store.claim(appliance, claimBy('run-2', 2_000, 70_000))).toEqual({
        outcome: 'claimed',
        previous: state(1_000, { a: 1n }),
      });
    },
  },
  {
    name: 'treats a repeated commit by the same run as done (its first answer was lost), even after the next claim',
    check: async (store, appliance) => {
      await completeRun(store, appliance, 'run-1', state(1_000, { a: 1n }));
      expect(await store.commit(appliance, 'run-1', state(1_000, { a: 1n }))).toEqual({ outcome: 'committed' });
      expect(await store.commit(appliance, 'run-1', state(9_000, { a: 1n }))).toEqual({ outcome: 'lease-lost' });
      expect((await store.claim(appliance, claimBy('run-2', 2_000))).outcome).toBe('claimed');
      expect(await store.commit(appliance, 'run-1', state(1_000, { a: 1n }))).toEqual({ outcome: 'committed' });
    },
  },
  {
    name: 'refuses a commit by a run that never claimed',
    check: async (store, appliance) => {
      expect(await store.commit(appliance, 'stranger', state(1_000))).toEqual({ outcome: 'lease-lost' });
      await completeRun(store, appliance, 'run-1', state(1_000, { a: 1n }));
      expect(await store.commit(appliance, 'stranger', state(2_000))).toEqual({ outcome: 'lease-lost' });
      expect(await store.claim(appliance, claimBy('run-2', 2_000))).toEqual({ outcome: 'claimed', previous: state(1_000, { a: 1n }) });
    },
  },
  {
    name: 'changes nothing on a busy or superseded claim',
    check: async (store, appliance) => {
      await completeRun(store, appliance, 'run-1', state(5_000, { a: 1n }));
      expect((await store.claim(appliance, claimBy('run-2', 6_000))).outcome).toBe('claimed');
      expect((await store.claim(appliance, claimBy('run-3', 7_000))).outcome).toBe('busy');
      expect((await store.claim(appliance, claimBy('run-3', 4_000))).outcome).toBe('busy');
      expect(await store.commit(appliance, 'run-2', state(6_000, { a: 2n }))).toEqual({ outcome: 'committed' });
      expect((await store.claim(appliance, claimBy('run-4', 5_500))).outcome).toBe('superseded');
      expect(await store.claim(appliance, claimBy('run-5', 7_000))).toEqual({ outcome: 'claimed', previous: state(6_000, { a: 2n }) });
    },
  },
  {
    name: 'refuses, as a bug, times that are not epoch milliseconds and negative counters or increases',
    check: async (store, appliance) => {
      for (const bad of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY]) {
        await expect(store.claim(appliance, claimBy('run-1', bad))).rejects.toMatchObject({ errorClass: 'internal', appliance });
        await expect(
          store.claim(appliance, { owner: 'run-1', takenAt: 1_000, leaseUntil: bad, now: 10_000, counters: new Map() }),
        ).rejects.toMatchObject({
          errorClass: 'internal',
        });
        await expect(
          store.claim(appliance, { owner: 'run-1', takenAt: 1_000, leaseUntil: 65_000, now: bad, counters: new Map() }),
        ).rejects.toMatchObject({
          errorClass: 'internal',
        });
      }
      expect((await store.claim(appliance, claimBy('run-1', 1_000))).outcome).toBe('claimed');
      for (const bad of [Number.NaN, -1, 1.5]) {
        await expect(store.commit(appliance, 'run-1', state(bad))).rejects.toMatchObject({ errorClass: 'internal', appliance });
      }
      await expect(store.commit(appliance, 'run-1', state(1_000, { a: -1n }))).rejects.toMatchObject({ errorClass: 'internal' });
      await expect(store.commit(appliance, 'run-1', state(1_000, {}, { unpublished: [interval(900, { b: -2n })] }))).rejects.toMatchObject({
        errorClass: 'internal',
      });
      // None of the refused commits stored anything or released the lease.
      expect(await store.claim(appliance, claimBy('run-2', 2_000))).toEqual({ outcome: 'busy' });
      expect(await store.commit(appliance, 'run-1', state(1_000, { a: 1n }))).toEqual({ outcome: 'committed' });
    },
  },
  {
    name: 'takes over at once a lease longer than any run can hold (a bad restore, a clock error), and says so',
    check: async (store, appliance) => {
      await completeRun(store, appliance, 'run-1', state(1_000, { a: 1n }));
      await store.claim(appliance, {
        owner: 'restored',
        takenAt: 2_000,
        leaseUntil: 10_000 + MAX_LEASE_MS + 1,
        now: 10_000,
        counters: new Map(),
      });
      expect(await store.claim(appliance, claimBy('run-2', 3_000))).toEqual({
        outcome: 'claimed',
        previous: state(1_000, { a: 1n }),
        takenOver: { owner: 'restored', pending: { takenAt: 2_000, counters: new Map() }, impossibleLease: true },
      });
    },
  },
  {
    name: 'respects a lease as long as a run can hold one',
    check: async (store, appliance) => {
      await store.claim(appliance, { owner: 'slow', takenAt: 2_000, leaseUntil: 10_000 + MAX_LEASE_MS, now: 10_000, counters: new Map() });
      expect(await store.claim(appliance, claimBy('run-2', 3_000))).toEqual({ outcome: 'busy' });
    },
  },
  {
    name: 'takes over a state whose sample time lies beyond the clock-skew tolerance (the pipeline repairs it), not within it',
    check: async (store, appliance) => {
      const future = 10_000 + CLOCK_SKEW_TOLERANCE_MS + 1;
      await completeRun(store, appliance, 'run-1', state(future, { a: 1n }));
      expect(await store.claim(appliance, claimBy('run-2', 2_000))).toEqual({ outcome: 'claimed', previous: state(future, { a: 1n }) });
      await store.commit(appliance, 'run-2', state(10_000 + CLOCK_SKEW_TOLERANCE_MS, { a: 1n }));
      expect(await store.claim(appliance, claimBy('run-3', 3_000))).toEqual({ outcome: 'superseded' });
    },
  },
  {
    name: 'keeps the lease and the pending sample through a keepLease commit, and gives both to a run that takes over',
    check: async (store, appliance) => {
      await store.claim(appliance, { ...claimBy('run-1', 5_000), counters: new Map([['a', 7n]]) });
      expect(await store.commit(appliance, 'run-1', state(4_000, { a: 6n }), { keepLease: true })).toEqual({ outcome: 'committed' });
      expect(await store.claim(appliance, claimBy('run-2', 6_000))).toEqual({ outcome: 'busy' });
      expect(await store.claim(appliance, claimBy('run-2', 6_000, 70_000))).toEqual({
        outcome: 'claimed',
        previous: state(4_000, { a: 6n }),
        takenOver: { owner: 'run-1', pending: { takenAt: 5_000, counters: new Map([['a', 7n]]) } },
      });
    },
  },
  {
    name: 'gives a run that takes over the HA node the unfinished run claimed with, and none when it had none',
    check: async (store, appliance) => {
      const node = { transtime: 'Mon Dec  7 08:05:00 2026' };
      await completeRun(store, appliance, 'run-1', state(1_000, { a: 1n }, { node: { transtime: 'Mon Dec  7 08:00:00 2026' } }));
      await store.claim(appliance, {
        owner: 'crashed',
        takenAt: 2_000,
        leaseUntil: 60_000,
        now: 10_000,
        counters: new Map([['a', 9n]]),
        node,
      });
      const taken = await store.claim(appliance, { owner: 'run-3', takenAt: 3_000, leaseUntil: 130_000, now: 60_001, counters: new Map() });
      expect(taken.outcome === 'claimed' && taken.takenOver).toEqual({
        owner: 'crashed',
        pending: { takenAt: 2_000, counters: new Map([['a', 9n]]), node },
      });
      await store.claim(appliance, {
        owner: 'crashed-again',
        takenAt: 4_000,
        leaseUntil: 180_000,
        now: 130_001,
        counters: new Map([['a', 9n]]),
      });
      const again = await store.claim(appliance, {
        owner: 'run-5',
        takenAt: 5_000,
        leaseUntil: 250_000,
        now: 180_001,
        counters: new Map(),
      });
      expect(again.outcome === 'claimed' && again.takenOver).toEqual({
        owner: 'crashed-again',
        pending: { takenAt: 4_000, counters: new Map([['a', 9n]]) },
      });
    },
  },
  {
    name: 'keeps unanswered counts of unpublished intervals',
    check: async (store, appliance) => {
      const unpublished = [interval(900, { a: 2n }), { ...interval(900, { b: 3n }), unanswered: 1 }];
      await completeRun(store, appliance, 'run-1', state(1_000, {}, { unpublished }));
      expect(await store.claim(appliance, claimBy('run-2', 2_000))).toEqual({
        outcome: 'claimed',
        previous: state(1_000, {}, { unpublished }),
      });
    },
  },
];
