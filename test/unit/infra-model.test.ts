import { describe, expect, it } from 'vitest';
import {
  ALARM_DEFAULTS,
  APPLIANCE_ALARM_KINDS,
  MAX_METRICS_PER_ALARM,
  planApplianceAlarms,
  protocolErrorMetrics,
  settingsFor,
} from '../../infra/model/alarm-plan.js';
import { compositeRuleProblem, suppressorTiming } from '../../infra/model/incident-plan.js';
import { defaultTimeoutSeconds, maxTimeoutSeconds, shard } from '../../infra/model/sizing.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';

describe('sizing', () => {
  it('gives the function the interval minus 10 s, at most 5 minutes by default and 900 s at all', () => {
    expect([1, 2, 5, 6, 60].map(defaultTimeoutSeconds)).toEqual([50, 110, 290, 300, 300]);
    expect([1, 5, 60].map(maxTimeoutSeconds)).toEqual([50, 290, 900]);
  });

  it('shards in order, the last shard taking the rest', () => {
    expect(shard([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(shard([1, 2], 25)).toEqual([[1, 2]]);
    expect(() => shard([1], 0)).toThrow(RangeError);
  });
});

describe('alarm settings', () => {
  it('alarm on every evaluated period unless datapointsToAlarm says otherwise', () => {
    expect(settingsFor('fallbacks', undefined)).toEqual(ALARM_DEFAULTS.fallbacks);
    expect(settingsFor('fallbacks', { evaluationPeriods: 4 })).toMatchObject({ evaluationPeriods: 4, datapointsToAlarm: 4 });
    expect(settingsFor('fallbacks', { evaluationPeriods: 4, datapointsToAlarm: 2, threshold: 9 })).toMatchObject({ datapointsToAlarm: 2, threshold: 9 });
    expect(settingsFor('fallbacks', { threshold: undefined })).toEqual(ALARM_DEFAULTS.fallbacks);
  });
});

describe('the per-appliance alarm plan', () => {
  it('has all six alarms for the default selection, each within the metric-math limit', () => {
    const plan = planApplianceAlarms(resolveSelection('default'), { intervalMinutes: 1 });
    expect(plan.alarms.map((a) => a.kind)).toEqual(APPLIANCE_ALARM_KINDS);
    expect(plan.skipped).toEqual([]);
    expect(plan.alarms.every((a) => a.metricNames.length >= 1 && a.metricNames.length <= MAX_METRICS_PER_ALARM)).toBe(true);
  });

  it('fixes collectionFailing to the schedule interval and a threshold of 1', () => {
    const plan = planApplianceAlarms(resolveSelection('default'), {
      intervalMinutes: 5,
      overrides: { collectionFailing: { periodMinutes: 60, threshold: 7 } },
    });
    expect(plan.alarms[0]).toMatchObject({ kind: 'collectionFailing', treatMissingData: 'breaching', settings: { periodMinutes: 5, threshold: 1 } });
  });

  it('watches one rollup per counter alarm whatever the selection; skips gauge alarms not selected, saying why, and disabled ones', () => {
    const plan = planApplianceAlarms(resolveSelection('SessionAllocationFailures'), { intervalMinutes: 1, overrides: { joinsRejected: { enabled: false } } });
    expect(plan.alarms.map((a) => [a.kind, a.metricNames])).toEqual([
      ['collectionFailing', ['CollectionSuccess']],
      ['protocolErrors', ['ProtocolErrors']],
      ['resourceExhaustion', ['AllocationFailures']],
      ['fallbacks', ['Fallbacks']],
      ['fallbacksAnomaly', ['Fallbacks']],
    ]);
    expect(Object.fromEntries(plan.skipped.map((s) => [s.kind, s.reason]))).toEqual({
      joinsRejected: 'disabled in the configuration',
      sessionsWithoutSubflows: 'CurrentSessionsWithoutSubflows is not in the counter selection',
      sessionsCreatedAnomaly: 'SessionsCreated is not in the counter selection',
    });
  });

  it('plans anomaly bands below for sessions created and above for fallbacks, the band width as threshold', () => {
    const plan = planApplianceAlarms(resolveSelection('default'), { intervalMinutes: 2, overrides: { fallbacksAnomaly: { threshold: 2 } } });
    const byKind = Object.fromEntries(plan.alarms.map((a) => [a.kind, a]));
    expect(byKind.sessionsCreatedAnomaly).toMatchObject({
      metricNames: ['SessionsCreated'],
      statistic: 'Sum',
      comparison: 'LessThanLowerThreshold',
      treatMissingData: 'notBreaching',
      settings: { threshold: 3, periodMinutes: 6, evaluationPeriods: 3, datapointsToAlarm: 3 },
    });
    expect(byKind.fallbacksAnomaly).toMatchObject({ comparison: 'GreaterThanUpperThreshold', settings: { threshold: 2 } });
  });

  it('watches the ProtocolErrors rollup for protocol errors, or the configured counters', () => {
    expect(protocolErrorMetrics(resolveSelection('all'))).toEqual(['ProtocolErrors']);
    expect(protocolErrorMetrics(resolveSelection('CurrentSessions'))).toEqual(['ProtocolErrors']);
    expect(protocolErrorMetrics(resolveSelection('all'), ['ChecksumErrors', 'RssFilterFailures'])).toEqual(['ChecksumErrors', 'RssFilterFailures']);
  });
});

describe('the incident plan', () => {
  it('waits for CollectorDown as long as it trails CollectionFailing, at least a minute, and covers the recovery', () => {
    const failing = (evaluationPeriods: number, datapointsToAlarm: number) => ({
      enabled: true,
      threshold: 1,
      periodMinutes: 1,
      evaluationPeriods,
      datapointsToAlarm,
    });
    expect(suppressorTiming(1, failing(3, 3))).toEqual({ waitSeconds: 60, extensionSeconds: 120 });
    expect(suppressorTiming(1, failing(3, 1))).toEqual({ waitSeconds: 120, extensionSeconds: 240 });
    expect(suppressorTiming(5, failing(3, 3))).toEqual({ waitSeconds: 60, extensionSeconds: 360 });
  });

  it('checks composite rules against CloudWatch limits whatever the region', () => {
    expect(compositeRuleProblem(Array.from({ length: 8 }, () => 'a'.repeat(255)))).toBeUndefined();
    expect(compositeRuleProblem(Array.from({ length: 101 }, () => 'a'))).toContain('at most 100');
    expect(compositeRuleProblem(Array.from({ length: 40 }, () => 'a'.repeat(255)))).toMatch(/characters long: .* at most 10240/);
  });
});
