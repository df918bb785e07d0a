import { describe, expect, it } from 'vitest';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import { buildCounterDatums, buildHealthDatums, buildMetricDatums } from '../../lambda/core/datums.js';

const sample = {
  integers: new Map([
    ['mptcpcurmpcapablesessions', 42n],
    ['mptcptotmpcapsession', 1000n],
  ]),
  rates: new Map([['mptcpmpcapsessionrate', 2.5]]),
};
const base = { appliance: 'adc-1', timestamp: 1_700_000_000_000, sample };

describe('building metric datums', () => {
  it('on a first sample publishes gauges only', () => {
    const { datums } = buildMetricDatums({ ...base, selection: resolveSelection('CurrentSessions,SessionsCreated') });
    expect(datums).toEqual([{ metricName: 'CurrentSessions', appliance: 'adc-1', value: 42, unit: 'Count', timestamp: 1_700_000_000_000 }]);
  });

  it('publishes counters as their delta and rates only when selected', () => {
    const deltas = new Map([['mptcptotmpcapsession', 17n]]);
    expect(
      buildMetricDatums({ ...base, selection: resolveSelection('SessionsCreated'), deltas }).datums.map((d) => [d.metricName, d.value]),
    ).toEqual([['SessionsCreated', 17]]);
    expect(
      buildMetricDatums({ ...base, selection: resolveSelection('SessionsCreated,SessionsCreatedRate'), deltas }).datums.map((d) => [
        d.metricName,
        d.value,
        d.unit,
      ]),
    ).toEqual([
      ['SessionsCreated', 17, 'Count'],
      ['SessionsCreatedRate', 2.5, 'Count/Second'],
    ]);
  });

  it('leaves out a value CloudWatch cannot hold exactly instead of rounding it', () => {
    const big = { integers: new Map([['mptcpcurmpcapablesessions', 2n ** 53n + 1n]]), rates: new Map() };
    const { datums, unpublishable } = buildMetricDatums({ ...base, sample: big, selection: resolveSelection('CurrentSessions') });
    expect(datums).toEqual([]);
    expect(unpublishable).toEqual([
      { field: 'mptcpcurmpcapablesessions', value: '9007199254740993', reason: 'beyond 2^53: CloudWatch cannot store it exactly' },
    ]);
  });

  it('zero policy: a counter that did not move is not published; gauges are, even at 0', () => {
    const still = { integers: new Map([['mptcpcurmpcapablesessions', 0n]]), rates: new Map() };
    const deltas = new Map([['mptcptotmpcapsession', 0n]]);
    const selection = resolveSelection('CurrentSessions,SessionsCreated');
    expect(buildMetricDatums({ ...base, sample: still, selection, deltas }).datums.map((d) => [d.metricName, d.value])).toEqual([
      ['CurrentSessions', 0],
    ]);
    const interval = { takenAt: 5, deltas: new Map([['mptcptotmpcapsession', 0n]]) };
    expect(buildCounterDatums('adc-1', interval, selection).datums).toEqual([]);
    expect(
      buildCounterDatums('adc-1', { takenAt: 5, deltas: new Map([['mptcptotmpcapsession', 3n]]) }, selection).datums.map((d) => d.value),
    ).toEqual([3]);
  });

  it('does not publish a field that is absent from the sample', () => {
    expect(
      buildMetricDatums({ ...base, selection: resolveSelection('CurrentSubflows,SubflowsCreated'), deltas: new Map() }).datums,
    ).toEqual([]);
  });
});

describe('health datums', () => {
  const names = (datums: { metricName: string; value: number }[]) => Object.fromEntries(datums.map((d) => [d.metricName, d.value]));

  it('reports success, resets and field errors; the duration is for the sample record, not a metric', () => {
    expect(
      names(buildHealthDatums({ appliance: 'a', timestamp: 1, success: true, durationMs: 120.4, counterResets: 2, fieldErrors: 1 })),
    ).toEqual({
      CollectionSuccess: 1,
      CounterResets: 2,
      FieldErrors: 1,
    });
  });

  it('zero policy: a healthy collection publishes CollectionSuccess alone', () => {
    expect(
      names(
        buildHealthDatums({
          appliance: 'a',
          timestamp: 1,
          success: true,
          durationMs: 80,
          counterResets: 0,
          fieldErrors: 0,
          nodeChanges: 0,
        }),
      ),
    ).toEqual({
      CollectionSuccess: 1,
    });
  });

  it('reports a failure as success 0', () => {
    expect(names(buildHealthDatums({ appliance: 'a', timestamp: 1, success: false, durationMs: 5 }))).toEqual({ CollectionSuccess: 0 });
  });

  it('marks a skipped secondary', () => {
    expect(names(buildHealthDatums({ appliance: 'a', timestamp: 1, success: true, durationMs: 5, secondarySkipped: true }))).toEqual({
      CollectionSuccess: 1,
      SecondarySkipped: 1,
    });
  });
});
