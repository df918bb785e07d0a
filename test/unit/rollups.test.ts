import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALLOCATION_FAILURE_METRICS, BY_METRIC_NAME, JOIN_REJECTION_METRICS } from '../../lambda/catalog/catalog.js';
import { FALLBACK_ALARM_METRICS, PROTOCOL_ERROR_PRIORITY, ROLLUPS, withRollups } from '../../lambda/catalog/rollups.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import { buildCounterDatums, buildMetricDatums } from '../../lambda/core/datums.js';
import { accountInterval } from '../../lambda/core/delta.js';

const nitro = (metricName: string) => BY_METRIC_NAME.get(metricName)!.nitroName;
const MINUTE = 60_000;
const sample = { integers: new Map<string, bigint>(), rates: new Map<string, number>() };

describe('rollups: one exact per-interval sum per alarm', () => {
  it('sums the counters each alarm watched before', () => {
    expect(Object.fromEntries(ROLLUPS.map((r) => [r.metricName, r.metrics]))).toEqual({
      ProtocolErrors: PROTOCOL_ERROR_PRIORITY,
      Fallbacks: FALLBACK_ALARM_METRICS,
      AllocationFailures: ALLOCATION_FAILURE_METRICS,
      JoinsRejected: JOIN_REJECTION_METRICS,
    });
    for (const rollup of ROLLUPS) {
      expect(BY_METRIC_NAME.has(rollup.metricName)).toBe(false);
      for (const name of rollup.metrics) expect(BY_METRIC_NAME.get(name)?.kind).toBe('counter');
    }
  });

  it('is the exact sum of the increases, beyond 2^53 too, and absent when none of its counters is in the interval', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 1n << 64n }), { minLength: 10, maxLength: 10 }), (increases) => {
        const deltas = new Map(PROTOCOL_ERROR_PRIORITY.map((name, i) => [nitro(name), increases[i]!]));
        const rolled = withRollups(deltas);
        expect(rolled.get('ProtocolErrors')).toBe(increases.reduce((a, b) => a + b, 0n));
        expect(rolled.has('Fallbacks')).toBe(false);
        for (const [name, delta] of deltas) expect(rolled.get(name)).toBe(delta);
      }),
    );
  });

  it('joins the interval accounted from two samples, whatever is selected', () => {
    const before = {
      takenAt: 0,
      counters: new Map([
        [nitro('JoinsRejectedMaxSubflows'), 5n],
        [nitro('JoinsRejectedPendingThreshold'), 1n],
      ]),
      heldSince: new Map(),
      unpublished: [],
    };
    const after = {
      takenAt: MINUTE,
      counters: new Map([
        [nitro('JoinsRejectedMaxSubflows'), 9n],
        [nitro('JoinsRejectedPendingThreshold'), 3n],
      ]),
    };
    const account = accountInterval(before, after, 15 * MINUTE);
    expect(account.fresh.deltas.get('JoinsRejected')).toBe(6n);
    const { datums } = buildMetricDatums({
      appliance: 'adc-1',
      timestamp: MINUTE,
      selection: resolveSelection('CurrentSessions'),
      sample,
      deltas: account.fresh.deltas,
    });
    expect(datums).toEqual([
      { metricName: 'JoinsRejected', appliance: 'adc-1', value: 6, unit: 'Count', timestamp: MINUTE, counter: 'JoinsRejected' },
    ]);
  });

  it('follows the zero policy: a rollup of 0 publishes nothing', () => {
    const deltas = withRollups(new Map(FALLBACK_ALARM_METRICS.map((name) => [nitro(name), 0n])));
    expect(deltas.get('Fallbacks')).toBe(0n);
    expect(buildCounterDatums('adc-1', { takenAt: MINUTE, deltas }, resolveSelection('all')).datums).toEqual([]);
  });

  it('is published again from a carried interval under its own key, not summed twice', () => {
    const carried = {
      takenAt: MINUTE,
      deltas: new Map([
        ['Fallbacks', 4n],
        [nitro('MpFailSent'), 4n],
      ]),
    };
    const values = buildCounterDatums('adc-1', carried, resolveSelection('MpFailSent')).datums.map((d) => [
      d.metricName,
      d.value,
      d.counter,
    ]);
    expect(values).toEqual([
      ['MpFailSent', 4, nitro('MpFailSent')],
      ['Fallbacks', 4, 'Fallbacks'],
    ]);
  });

  it('reports a rollup beyond 2^53 as unpublishable instead of rounding it', () => {
    const { datums, unpublishable } = buildCounterDatums(
      'adc-1',
      { takenAt: MINUTE, deltas: new Map([['ProtocolErrors', 2n ** 53n + 1n]]) },
      [],
    );
    expect(datums).toEqual([]);
    expect(unpublishable).toEqual([
      { field: 'ProtocolErrors', value: '9007199254740993', reason: 'beyond 2^53: CloudWatch cannot store it exactly' },
    ]);
  });
});
