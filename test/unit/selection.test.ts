import { describe, expect, it } from 'vitest';
import {
  ALLOCATION_FAILURE_METRICS,
  BY_METRIC_NAME,
  CATALOG,
  isProblemCounter,
  JOIN_REJECTION_METRICS,
} from '../../lambda/catalog/catalog.js';
import { closestMetricNames, resolveSelection, UnknownMetricError } from '../../lambda/catalog/selection.js';

const names = (spec: Parameters<typeof resolveSelection>[0]) => resolveSelection(spec).map((m) => m.metricName);

describe('counter selection', () => {
  it('defaults to what on-call needs billed: the two session gauges, SessionsCreated, and problem counters (still while healthy)', () => {
    const selected = names('default');
    expect(selected).toEqual(expect.arrayContaining(['CurrentSessions', 'CurrentSessionsWithoutSubflows', 'SessionsCreated']));
    expect(selected).toEqual(expect.arrayContaining(['ChecksumErrors', 'InvalidMacErrors', 'UnknownTokenErrors', 'InvalidCookieErrors']));
    expect(selected).toEqual(expect.arrayContaining(['FallbacksOnPlainAck', ...JOIN_REJECTION_METRICS, ...ALLOCATION_FAILURE_METRICS]));
    // On a quiet appliance only the gauges and SessionsCreated move: every other counter of default is a problem counter.
    const moving = resolveSelection('default').filter((m) => m.kind === 'counter' && !isProblemCounter(m));
    expect(moving.map((m) => m.metricName)).toEqual(['SessionsCreated']);
    expect(resolveSelection('default').filter((m) => m.kind === 'gauge')).toHaveLength(2);
    expect(resolveSelection('default').every((m) => m.kind !== 'rate')).toBe(true);
    expect(names(undefined)).toEqual(selected);
    expect(names('')).toEqual(selected);
  });

  it('"all" adds every gauge, every problem counter, and the handshake and subflow totals; "everything" is every gauge and counter', () => {
    const all = resolveSelection('all');
    expect(all.filter((m) => m.kind === 'gauge')).toHaveLength(5);
    expect(CATALOG.filter(isProblemCounter).every((m) => all.includes(m))).toBe(true);
    expect(all.filter((m) => m.kind === 'counter' && !isProblemCounter(m)).map((m) => m.metricName)).toEqual([
      'SessionsCreated',
      'MpCapableSynReceived',
      'MpCapableSynAckSent',
      'MpCapableFinalAckReceived',
      'MpJoinSynReceived',
      'MpJoinFinalAckReceived',
      'SubflowsCreated',
      'V1SessionsCreated',
    ]);
    expect(resolveSelection('default').every((m) => all.includes(m))).toBe(true);
    expect(resolveSelection('everything')).toHaveLength(81);
    expect(all.every((m) => resolveSelection('everything').includes(m))).toBe(true);
    for (const keyword of ['all', 'everything']) expect(resolveSelection(keyword).some((m) => m.kind === 'rate')).toBe(false);
    expect(names('everything,SessionsCreatedRate')).toContain('SessionsCreatedRate');
    expect(names('Everything')).toEqual(names('everything'));
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
    expect(() => resolveSelection('zzzzzzzzzzzzzzzzzzzz')).toThrow(
      /unknown counter "zzzzzzzzzzzzzzzzzzzz" Use "default", "all", "everything"/,
    );
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
        '"ChecksumError" (did you mean "ChecksumErrors", "ChecksumErrorsRate"?), "zzzzzzzzzzzzzzzzzzzz". Use "default", "all", "everything", or metric names / NITRO field names from docs/metrics.md.',
    );
  });

  it('every named group metric exists', () => {
    for (const name of [...ALLOCATION_FAILURE_METRICS, ...JOIN_REJECTION_METRICS]) expect(BY_METRIC_NAME.get(name)?.kind).toBe('counter');
  });
});
