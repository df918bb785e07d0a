/**
 * A short soak (the long one is `npm run soak`): the real pipeline over simulated appliances with random
 * faults at every edge; every invariant of test/soak/engine.ts must hold.
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
    ]) {
      expect(report.faults[kind], kind).toBeGreaterThan(0);
    }
    expect(report.outcomes['ok']).toBeGreaterThan(report.collections / 2);
    expect(report.figures.committedIntervals).toBeGreaterThan(300);
  }, 120_000);
});
