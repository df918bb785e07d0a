import { describe, expect, it } from 'vitest';
import { ledgerAtClaim, MAX_UNANSWERED_PUBLISHES } from '../../lambda/core/ledger.js';
import type { StoredState } from '../../lambda/core/ports.js';

const HOUR = 3600_000;
const NOW = Date.UTC(2026, 0, 10);

function state(takenAt: number, sessions: bigint, unpublished: StoredState['unpublished'] = []): StoredState {
  return { takenAt, counters: new Map([['mptcptotsessions', sessions]]), heldSince: new Map(), unpublished };
}

describe('ledgerAtClaim', () => {
  it('carries the previous unpublished increases of a free item, with nothing to resume', () => {
    const carried = [{ takenAt: NOW - 2 * 60_000, deltas: new Map([['mptcptotsessions', 5n]]) }];
    const { ledger, resume } = ledgerAtClaim({ previous: state(NOW - 60_000, 10n, carried), takenOver: undefined, takenAt: NOW, now: NOW, maxAgeMs: HOUR });
    expect(resume).toBeUndefined();
    expect(ledger.carried).toEqual(carried);
    expect(ledger.dropped).toEqual([]);
    expect(ledger.tookOverUnfinishedRun).toBe(false);
  });

  it('stores what a taken-over run may have published, one more unanswered publish each, before this run publishes', () => {
    const previous = state(NOW - 2 * 60_000, 10n, [{ takenAt: NOW - 3 * 60_000, deltas: new Map([['mptcptotsessions', 4n]]), unanswered: 1 }]);
    const pending = { takenAt: NOW - 60_000, counters: new Map([['mptcptotsessions', 17n]]) };
    const { ledger, resume } = ledgerAtClaim({ previous, takenOver: { owner: 'run-1', pending }, takenAt: NOW, now: NOW, maxAgeMs: HOUR });
    expect(resume?.state.takenAt).toBe(pending.takenAt);
    // The carried increase had one unanswered publish: with the unfinished run's, it reaches the limit and is dropped.
    expect(MAX_UNANSWERED_PUBLISHES).toBe(2);
    expect(resume?.dropped.map((i) => i.deltas.get('mptcptotsessions'))).toEqual([4n]);
    expect(resume?.state.unpublished).toEqual([{ takenAt: pending.takenAt, deltas: new Map([['mptcptotsessions', 7n]]), unanswered: 1 }]);
    expect(ledger.previous).toEqual(resume?.state);
    expect(ledger.carried).toEqual(resume?.state.unpublished);
    expect(ledger.tookOverUnfinishedRun).toBe(true);
  });

  it('publishes nothing a corrupt item carries: withheld for a later run, and the repair named', () => {
    const carried = [{ takenAt: NOW - 60_000, deltas: new Map([['mptcptotsessions', 3n]]) }];
    const { ledger, resume } = ledgerAtClaim({ previous: state(NOW + 10 * HOUR, 10n, carried), takenOver: undefined, takenAt: NOW, now: NOW, maxAgeMs: HOUR });
    expect(resume).toBeUndefined();
    expect(ledger.previous).toBeUndefined();
    expect(ledger.carried).toEqual([]);
    expect(ledger.withheld).toEqual(carried);
    expect(ledger.repairs).toHaveLength(1);
  });
});
