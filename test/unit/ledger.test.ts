import { describe, expect, it } from 'vitest';
import { ledgerAtClaim, MAX_UNANSWERED_PUBLISHES, resumeUnfinished } from '../../lambda/core/ledger.js';
import type { StoredState } from '../../lambda/core/ports.js';

const HOUR = 3600_000;
const NOW = Date.UTC(2026, 0, 10);

function state(takenAt: number, sessions: bigint, unpublished: StoredState['unpublished'] = []): StoredState {
  return { takenAt, counters: new Map([['mptcptotsessions', sessions]]), heldSince: new Map(), unpublished };
}

describe('ledgerAtClaim', () => {
  it('carries the previous unpublished increases of a free item, with nothing to resume', () => {
    const carried = [{ takenAt: NOW - 2 * 60_000, deltas: new Map([['mptcptotsessions', 5n]]) }];
    const { ledger, resume } = ledgerAtClaim({
      previous: state(NOW - 60_000, 10n, carried),
      takenOver: undefined,
      takenAt: NOW,
      now: NOW,
      maxAgeMs: HOUR,
    });
    expect(resume).toBeUndefined();
    expect(ledger.carried).toEqual(carried);
    expect(ledger.dropped).toEqual([]);
    expect(ledger.tookOverUnfinishedRun).toBe(false);
  });

  it('stores what a taken-over run may have published, one more unanswered publish each, before this run publishes', () => {
    const previous = state(NOW - 2 * 60_000, 10n, [
      { takenAt: NOW - 3 * 60_000, deltas: new Map([['mptcptotsessions', 4n]]), unanswered: 1 },
    ]);
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
    const { ledger, resume } = ledgerAtClaim({
      previous: state(NOW + 10 * HOUR, 10n, carried),
      takenOver: undefined,
      takenAt: NOW,
      now: NOW,
      maxAgeMs: HOUR,
    });
    expect(resume).toBeUndefined();
    expect(ledger.previous).toBeUndefined();
    expect(ledger.carried).toEqual([]);
    expect(ledger.withheld).toEqual(carried);
    expect(ledger.repairs).toHaveLength(1);
  });
});

describe('resumeUnfinished', () => {
  const nodeA = { transtime: 'Mon Dec  7 08:00:00 2026' };
  const nodeB = { transtime: 'Mon Dec  7 08:05:00 2026' };

  it("keeps the unfinished run's node with its sample, so that the next sample of the same node counts from it", () => {
    const previous = { ...state(NOW - 2 * 60_000, 10n), node: nodeA };
    const pending = { takenAt: NOW - 60_000, counters: new Map([['mptcptotsessions', 17n]]), node: nodeA };
    const { state: resumed } = resumeUnfinished({ previous, carried: [], pending, maxAgeMs: HOUR });
    expect(resumed.node).toEqual(nodeA);
    expect(resumed.unpublished).toEqual([{ takenAt: pending.takenAt, deltas: new Map([['mptcptotsessions', 7n]]), unanswered: 1 }]);
  });

  it('takes no increase across a failback the unfinished run saw, and resumes on the node that answered it', () => {
    // B answered before; the unfinished run met A again, whose counters are far higher: not activity.
    const previous = { ...state(NOW - 2 * 60_000, 10n), node: nodeB };
    const pending = { takenAt: NOW - 60_000, counters: new Map([['mptcptotsessions', 1_000_017n]]), node: nodeA };
    const { ledger, resume } = ledgerAtClaim({ previous, takenOver: { owner: 'run-1', pending }, takenAt: NOW, now: NOW, maxAgeMs: HOUR });
    expect(resume?.state.node).toEqual(nodeA);
    expect(resume?.state.unpublished).toEqual([]);
    expect(resume?.state.counters.get('mptcptotsessions')).toBe(1_000_017n);
    expect(ledger.carried).toEqual([]);
  });

  it('resumes with no node when the unfinished run recorded none (standalone, or a lease of an older release)', () => {
    const pending = { takenAt: NOW - 60_000, counters: new Map([['mptcptotsessions', 17n]]) };
    const { state: resumed } = resumeUnfinished({ previous: state(NOW - 2 * 60_000, 10n), carried: [], pending, maxAgeMs: HOUR });
    expect(resumed.node).toBeUndefined();
  });
});
