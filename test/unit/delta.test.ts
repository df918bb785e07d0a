import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeCounterDeltas, countersOf } from '../../lambda/core/delta.js';

const MAX_UINT64 = (1n << 64n) - 1n;

describe('per-interval counter deltas', () => {
  it('is the exact increase, also beyond 2^53', () => {
    const previous = new Map([['mptcptotmpcapsession', 9007199254740993n]]);
    const current = new Map([['mptcptotmpcapsession', 9007199254741000n]]);
    expect(computeCounterDeltas(current, previous)).toEqual({ deltas: new Map([['mptcptotmpcapsession', 7n]]), resets: [] });
  });

  it('never yields a negative delta: a counter that went down is a reset with no delta', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_UINT64 }), fc.bigInt({ min: 0n, max: MAX_UINT64 }), (before, after) => {
        const { deltas, resets } = computeCounterDeltas(new Map([['c', after]]), new Map([['c', before]]));
        if (after >= before) {
          expect(deltas.get('c')).toBe(after - before);
          expect(resets).toEqual([]);
        } else {
          expect(deltas.has('c')).toBe(false);
          expect(resets).toEqual(['c']);
        }
      }),
    );
  });

  it('gives no delta for a counter the previous sample lacked (new firmware field): its baseline starts now', () => {
    const { deltas } = computeCounterDeltas(new Map([['a', 5n], ['b', 9n]]), new Map([['a', 1n]]));
    expect([...deltas]).toEqual([['a', 4n]]);
  });

  it('keeps only counters (not gauges) for the state table', () => {
    const counters = countersOf(new Map([['mptcpcurmpcapablesessions', 3n], ['mptcptotsfconn', 10n]]));
    expect([...counters]).toEqual([['mptcptotsfconn', 10n]]);
  });
});
