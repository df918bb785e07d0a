/**
 * A short soak (the long one is `npm run soak`): the real pipeline over simulated appliances with random
 * faults at every edge, HA failovers and failbacks, and state table outages; every invariant of
 * test/soak/engine.ts must hold.
 */
import { expect, it } from 'vitest';
import { runSoak } from '../soak/engine.js';
import { describeWithMoto } from '../support/moto.js';

describeWithMoto('a short soak of the whole pipeline under random faults', (moto) => {
  it('loses no count, counts none more than twice, publishes no wrong number, leaves no session open, leaks no password in any encoding, keeps every log line within its bound and every run inside its budget', async () => {
    const report = await runSoak({ rounds: 120, lanes: 2, appliances: 3, seed: 7, motoEndpoint: moto.endpoint });
    expect(report.violations).toEqual([]);
    // The faults this short run must have met for the result to mean something.
    for (const kind of [
      'cloudwatch-refused',
      'cloudwatch-answer-cut',
      'commit-error',
      'commits-refused-for-a-while',
      'claim-error',
      'session-expired',
      'rotation',
      'fields-vanish',
      'down',
      'password-echoed-encoded',
      'huge-message',
      'oversize-body',
      'firmware-upgrade',
      'ha-failover',
      'ha-failback',
      'state-table-outage',
      'state-table-throttled',
      'state-table-denied',
    ]) {
      expect(report.faults[kind], kind).toBeGreaterThan(0);
    }
    // Failbacks to a node whose counters are higher in every field (without the node check these publish the
    // whole difference: over 3 million SessionsCreated against a true 255,834 at seed 7), each a new baseline.
    expect(report.ha.failbacksToHigherCounters).toBeGreaterThan(0);
    expect(report.figures.excusedNodeChanges).toBeGreaterThanOrEqual(report.ha.failbacksToHigherCounters);
    expect(report.ha.nodeChangesReported).toBeGreaterThan(0);
    expect(report.ha.sessionsCreatedCommitted).toBeLessThanOrEqual(report.ha.sessionsCreatedTrue);
    // Outages that the gate decides (kept sessions gone), with gauges required of a container that knows its
    // credentials (without the gate's fallback none are published) and no counter published.
    expect(report.outages.sessionsLost).toBeGreaterThan(0);
    expect(report.outages.answered).toBeGreaterThan(0);
    expect(report.outages.withGauges).toBeGreaterThanOrEqual(report.outages.answered);
    expect(report.outages.counterDatums).toBe(0);
    expect(report.outcomes['ok']).toBeGreaterThan(report.collections / 2);
    expect(report.figures.committedIntervals).toBeGreaterThan(300);
  }, 120_000);
});
