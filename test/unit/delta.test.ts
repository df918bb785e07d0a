import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountInterval, countersOf } from '../../lambda/core/delta.js';
import { MAX_UNPUBLISHED_AGE_MS, MAX_UNPUBLISHED_INTERVALS, remainingUnpublished, splitTooOld } from '../../lambda/core/ledger.js';
import type { CounterInterval, StoredState } from '../../lambda/core/ports.js';

const MAX_UINT64 = (1n << 64n) - 1n;
const MINUTE = 60_000;
const MAX_AGE = 15 * MINUTE;

function stored(takenAt: number, counters: Record<string, bigint>, heldSince: Record<string, number> = {}): StoredState {
  return { takenAt, counters: new Map(Object.entries(counters)), heldSince: new Map(Object.entries(heldSince)), unpublished: [] };
}
const sample = (takenAt: number, counters: Record<string, bigint>) => ({ takenAt, counters: new Map(Object.entries(counters)) });
const interval = (takenAt: number, deltas: Record<string, bigint>): CounterInterval => ({
  takenAt,
  deltas: new Map(Object.entries(deltas)),
});

describe('accounting one interval of counters', () => {
  it('is the exact increase, also beyond 2^53', () => {
    const account = accountInterval(
      stored(0, { mptcptotmpcapsession: 9007199254740993n }),
      sample(MINUTE, { mptcptotmpcapsession: 9007199254741000n }),
      MAX_AGE,
    );
    expect(account.fresh).toEqual(interval(MINUTE, { mptcptotmpcapsession: 7n }));
    expect(account.baseline).toBeUndefined();
  });

  it('gives nothing on a first sample and keeps its counters', () => {
    const account = accountInterval(undefined, sample(MINUTE, { a: 5n }), MAX_AGE);
    expect(account).toMatchObject({ baseline: 'first-sample', fresh: interval(MINUTE, {}), counters: new Map([['a', 5n]]) });
  });

  it('never yields a negative increase: a counter that went down makes the whole sample a reset', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_UINT64 }), fc.bigInt({ min: 0n, max: MAX_UINT64 }), (before, after) => {
        const account = accountInterval(stored(0, { c: before, other: 10n }), sample(MINUTE, { c: after, other: 12n }), MAX_AGE);
        for (const delta of account.fresh.deltas.values()) expect(delta >= 0n).toBe(true);
        if (after >= before)
          expect(account.fresh.deltas).toEqual(
            new Map([
              ['c', after - before],
              ['other', 2n],
            ]),
          );
        else expect(account).toMatchObject({ baseline: 'reset', resets: ['c'], fresh: interval(MINUTE, {}) });
      }),
    );
  });

  it('gives no increase for a counter that grew past its old value after a reset another counter shows', () => {
    // A reboot zeroed both; `small` has since grown past its old value and would give a wrong increase.
    const account = accountInterval(stored(0, { big: 1_000_000n, small: 3n }), sample(MINUTE, { big: 40n, small: 5n }), MAX_AGE);
    expect(account).toMatchObject({ baseline: 'reset', resets: ['big'], fresh: interval(MINUTE, {}) });
  });

  it('gives no increase over a gap longer than the maximum age, and names the counters', () => {
    const account = accountInterval(stored(0, { a: 1n, b: 2n }), sample(MAX_AGE + 1, { a: 5n, b: 9n }), MAX_AGE);
    expect(account).toMatchObject({ baseline: 'stale-previous', stale: ['a', 'b'], fresh: interval(MAX_AGE + 1, {}) });
    expect(accountInterval(stored(0, { a: 1n }), sample(MAX_AGE, { a: 5n }), MAX_AGE).fresh.deltas).toEqual(new Map([['a', 4n]]));
  });

  it('starts the baseline of a counter the previous sample lacked (new firmware field)', () => {
    const account = accountInterval(stored(0, { a: 1n }), sample(MINUTE, { a: 5n, b: 9n }), MAX_AGE);
    expect([...account.fresh.deltas]).toEqual([['a', 4n]]);
    expect(account.counters).toEqual(
      new Map([
        ['a', 5n],
        ['b', 9n],
      ]),
    );
  });

  it('keeps the last value of a field that vanished and counts its whole increase when it comes back', () => {
    const vanished = accountInterval(stored(0, { a: 10n, b: 100n }), sample(MINUTE, { a: 12n }), MAX_AGE);
    expect(vanished.counters).toEqual(
      new Map([
        ['a', 12n],
        ['b', 100n],
      ]),
    );
    expect(vanished.heldSince).toEqual(new Map([['b', 0]]));

    const next: StoredState = { takenAt: MINUTE, counters: vanished.counters, heldSince: vanished.heldSince, unpublished: [] };
    const stillGone = accountInterval(next, sample(2 * MINUTE, { a: 13n }), MAX_AGE);
    expect(stillGone.heldSince).toEqual(new Map([['b', 0]]));

    const back = accountInterval(
      { takenAt: 2 * MINUTE, counters: stillGone.counters, heldSince: stillGone.heldSince, unpublished: [] },
      sample(3 * MINUTE, { a: 14n, b: 130n }),
      MAX_AGE,
    );
    expect(back.fresh.deltas).toEqual(
      new Map([
        ['a', 1n],
        ['b', 30n],
      ]),
    );
    expect(back.heldSince).toEqual(new Map());
  });

  it('lets a held value go stale on its own clock, and reports it as stale when the field comes back, however late', () => {
    const previous = stored(10 * MINUTE, { a: 1n, b: 5n }, { b: 0 });
    const back = accountInterval(previous, sample(16 * MINUTE, { a: 2n, b: 9n }), MAX_AGE);
    expect(back).toMatchObject({ stale: ['b'], fresh: interval(16 * MINUTE, { a: 1n }) });
    expect(back.baseline).toBeUndefined();
    const stillGone = accountInterval(previous, sample(16 * MINUTE, { a: 2n }), MAX_AGE);
    expect(stillGone.heldSince).toEqual(new Map([['b', 0]]));
    const muchLater = accountInterval(
      { ...previous, takenAt: 899 * MINUTE, counters: stillGone.counters, heldSince: stillGone.heldSince },
      sample(900 * MINUTE, { a: 3n, b: 6n }),
      MAX_AGE,
    );
    expect(muchLater).toMatchObject({ stale: ['b'], fresh: interval(900 * MINUTE, { a: 1n }) });
  });

  it('forgets held values on a reset (they mean nothing after it)', () => {
    const account = accountInterval(stored(MINUTE, { a: 50n, b: 7n }, { b: 0 }), sample(2 * MINUTE, { a: 3n }), MAX_AGE);
    expect(account).toMatchObject({ baseline: 'reset', counters: new Map([['a', 3n]]), heldSince: new Map() });
  });

  it('keeps only counters (not gauges) for the state table', () => {
    const counters = countersOf(
      new Map([
        ['mptcpcurmpcapablesessions', 3n],
        ['mptcptotsfconn', 10n],
      ]),
    );
    expect([...counters]).toEqual([['mptcptotsfconn', 10n]]);
  });
});

describe('what stays unpublished after a run', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');

  it('is every increase CloudWatch did not confirm, oldest first, without zeros or empty intervals', () => {
    const intervals = [interval(now, { a: 4n, b: 0n, c: 2n }), interval(now - MINUTE, { a: 1n }), interval(now - 2 * MINUTE, { c: 3n })];
    const confirmed = new Set([`a@${now}`, `c@${now - 2 * MINUTE}`]);
    expect(remainingUnpublished(intervals, (c, t) => (confirmed.has(`${c}@${t}`) ? 'published' : 'failed'), now)).toEqual({
      unpublished: [interval(now - MINUTE, { a: 1n }), interval(now, { c: 2n })],
      dropped: [],
    });
  });

  it('counts an unanswered publish, and drops an increase published twice unanswered instead of a third time', () => {
    const intervals = [interval(now - MINUTE, { a: 5n, b: 6n }), { ...interval(now, { a: 7n }), unanswered: 1 }];
    const { unpublished, dropped } = remainingUnpublished(
      intervals,
      (c, t) => (c === 'a' ? 'uncertain' : t === now ? 'published' : 'failed'),
      now,
    );
    expect(unpublished).toEqual([interval(now - MINUTE, { b: 6n }), { ...interval(now - MINUTE, { a: 5n }), unanswered: 1 }]);
    expect(dropped).toEqual([{ ...interval(now, { a: 7n }), unanswered: 2 }]);
  });

  it('keeps two intervals at the same time (a corrupted list) as one, summed: none is lost', () => {
    const { unpublished } = remainingUnpublished([interval(now, { a: 2n }), interval(now, { a: 3n, b: 1n })], () => 'failed', now);
    expect(unpublished).toEqual([interval(now, { a: 5n, b: 1n })]);
  });

  it('drops (and returns) an interval older than CloudWatch takes, rather than folding it into a later one', () => {
    const old = interval(now - 20 * 24 * 3600_000, { a: 9n });
    expect(remainingUnpublished([old, interval(now, { a: 1n })], () => 'failed', now)).toEqual({
      unpublished: [interval(now, { a: 1n })],
      dropped: [old],
    });
    expect(splitTooOld([old, interval(now, { a: 1n })], now)).toEqual({ publishable: [interval(now, { a: 1n })], tooOld: [old] });
  });

  it('loses no increase it does not return as dropped: beyond the count limit the oldest intervals fold into later ones', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ age: fc.integer({ min: 0, max: 20 * 24 * 60 }), delta: fc.bigInt({ min: 1n, max: MAX_UINT64 }) }), {
          maxLength: 80,
        }),
        (entries) => {
          const byTime = new Map<number, bigint>();
          for (const { age, delta } of entries) byTime.set(now - age * MINUTE, (byTime.get(now - age * MINUTE) ?? 0n) + delta);
          const intervals = [...byTime].map(([takenAt, delta]) => interval(takenAt, { a: delta }));
          const { unpublished: left, dropped } = remainingUnpublished(intervals, () => 'failed', now);
          const total = (list: readonly CounterInterval[]) => list.reduce((sum, i) => sum + (i.deltas.get('a') ?? 0n), 0n);
          expect(total(left) + total(dropped)).toBe(total(intervals));
          expect(total(dropped)).toBe(total(intervals.filter((i) => i.takenAt < now - MAX_UNPUBLISHED_AGE_MS)));
          expect(left.length).toBeLessThanOrEqual(MAX_UNPUBLISHED_INTERVALS);
          for (const i of left) expect(i.takenAt).toBeGreaterThanOrEqual(now - MAX_UNPUBLISHED_AGE_MS);
          expect(left.map((i) => i.takenAt)).toEqual([...left.map((i) => i.takenAt)].sort((x, y) => x - y));
        },
      ),
    );
  });
});
