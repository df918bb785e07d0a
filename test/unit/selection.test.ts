import { describe, expect, it } from 'vitest';
import { ALLOCATION_FAILURE_METRICS, BY_METRIC_NAME, JOIN_REJECTION_METRICS } from '../../lambda/catalog/catalog.js';
import { closestMetricNames, resolveSelection, UnknownMetricError } from '../../lambda/catalog/selection.js';

const names = (spec: Parameters<typeof resolveSelection>[0]) => resolveSelection(spec).map((m) => m.metricName);

describe('counter selection', () => {
  it('defaults to about 25-31 operator metrics: all gauges, creations, handshakes, fallbacks, errors, limits, allocation failures, the v1 split', () => {
    const selected = names('default');
    expect(selected.length).toBeGreaterThanOrEqual(25);
    expect(selected.length).toBeLessThanOrEqual(31);
    expect(selected).toEqual(expect.arrayContaining(['CurrentV1Sessions', 'V1SessionsCreated']));
    expect(selected).toEqual(expect.arrayContaining(['CurrentSessions', 'CurrentSubflows', 'CurrentPendingJoins', 'CurrentSessionsWithoutSubflows']));
    expect(selected).toEqual(expect.arrayContaining(['SessionsCreated', 'SubflowsCreated', 'MpCapableSynReceived', 'MpCapableFinalAckReceived']));
    expect(selected).toEqual(expect.arrayContaining(['ChecksumErrors', 'InvalidMacErrors', 'UnknownTokenErrors', 'InvalidCookieErrors']));
    expect(selected).toEqual(expect.arrayContaining(['FallbacksOnPlainAck', ...JOIN_REJECTION_METRICS, ...ALLOCATION_FAILURE_METRICS]));
    expect(resolveSelection('default').every((m) => m.kind !== 'rate')).toBe(true);
    expect(names(undefined)).toEqual(selected);
    expect(names('')).toEqual(selected);
  });

  it('"all" is every gauge and counter; rates only when named', () => {
    expect(resolveSelection('all')).toHaveLength(81);
    expect(resolveSelection('all').some((m) => m.kind === 'rate')).toBe(false);
    expect(names('all,SessionsCreatedRate')).toContain('SessionsCreatedRate');
  });

  it('accepts metric names and NITRO names, case-insensitive, in catalog order without duplicates', () => {
    expect(names('ChecksumErrors, mptcptotmpcapsession ,checksumerrors,MPTCPERRBADCKSUM')).toEqual(['SessionsCreated', 'ChecksumErrors']);
    expect(names(['mptcpmpcapsessionrate'])).toEqual(['SessionsCreatedRate']);
    expect(names('default,DssPackets')).toHaveLength(names('default').length + 1);
  });

  it('rejects an unknown name with the closest known names', () => {
    expect(() => resolveSelection('SessionsCreated,ChecksumError')).toThrow(UnknownMetricError);
    expect(() => resolveSelection('ChecksumError')).toThrow(/unknown counter "ChecksumError"; did you mean "ChecksumErrors"/);
    expect(closestMetricNames('mptcptotmpcapsesion')[0]).toBe('mptcptotmpcapsession');
    expect(() => resolveSelection('zzzzzzzzzzzzzzzzzzzz')).toThrow(/unknown counter "zzzzzzzzzzzzzzzzzzzz" Use "default"/);
  });

  it('names every unknown name of a list, each with its nearest names, and a misspelled word of a metric name', () => {
    expect(closestMetricNames('Sesions')).toEqual(['CurrentSessions', 'CurrentSessionsWithoutSubflows', 'CurrentV1Sessions']);
    let error: UnknownMetricError | undefined;
    try {
      resolveSelection('Sesions,SessionsCreated,ChecksumError,zzzzzzzzzzzzzzzzzzzz');
    } catch (thrown) {
      error = thrown as UnknownMetricError;
    }
    expect(error?.unknownNames.map((n) => n.unknownName)).toEqual(['Sesions', 'ChecksumError', 'zzzzzzzzzzzzzzzzzzzz']);
    expect(error?.message).toBe(
      'unknown counters "Sesions" (did you mean "CurrentSessions", "CurrentSessionsWithoutSubflows", "CurrentV1Sessions"?), ' +
        '"ChecksumError" (did you mean "ChecksumErrors", "ChecksumErrorsRate"?), "zzzzzzzzzzzzzzzzzzzz". Use "default", "all", or metric names / NITRO field names from docs/metrics.md.',
    );
  });

  it('every named group metric exists', () => {
    for (const name of [...ALLOCATION_FAILURE_METRICS, ...JOIN_REJECTION_METRICS]) expect(BY_METRIC_NAME.get(name)?.kind).toBe('counter');
  });
});
