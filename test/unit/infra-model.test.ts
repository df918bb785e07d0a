import { describe, expect, it } from 'vitest';
import {
  ALARM_DEFAULTS,
  alarmScope,
  FLEET_ALARM_KINDS,
  fleetAlarmQuery,
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
    expect(settingsFor('fallbacks', { evaluationPeriods: 4, datapointsToAlarm: 2, threshold: 9 })).toMatchObject({
      datapointsToAlarm: 2,
      threshold: 9,
    });
    expect(settingsFor('fallbacks', { threshold: undefined })).toEqual(ALARM_DEFAULTS.fallbacks);
  });
});

describe('the appliance alarm plan', () => {
  it('plans three alarms per appliance and five fleet alarms (the four rollups and StateUnavailable) for the default selection, the fallbacks band left out (opt-in)', () => {
    const plan = planApplianceAlarms(resolveSelection('default'), { intervalMinutes: 1 });
    expect(plan.perAppliance.map((a) => a.kind)).toEqual(['collectionFailing', 'sessionsWithoutSubflows', 'sessionsCreatedAnomaly']);
    expect(plan.perAppliance.every((a) => a.scope === 'appliance')).toBe(true);
    expect(plan.fleet.map((a) => [a.kind, a.metricNames])).toEqual([
      ['protocolErrors', ['ProtocolErrors']],
      ['resourceExhaustion', ['AllocationFailures']],
      ['joinsRejected', ['JoinsRejected']],
      ['fallbacks', ['Fallbacks']],
      ['stateUnavailable', ['StateUnavailable']],
    ]);
    expect(plan.fleet.every((a) => a.scope === 'fleet' && a.treatMissingData === 'notBreaching')).toBe(true);
    // More than 2 runs in 5 minutes without the state table: one throttled run is no page.
    expect(plan.fleet.find((a) => a.kind === 'stateUnavailable')).toMatchObject({
      statistic: 'Sum',
      comparison: 'GreaterThanThreshold',
      settings: { enabled: true, threshold: 2, periodMinutes: 5, evaluationPeriods: 1, datapointsToAlarm: 1 },
    });
    expect(plan.skipped).toEqual([{ kind: 'fallbacksAnomaly', cause: 'disabled', reason: 'disabled in the configuration' }]);
    expect(
      [...plan.perAppliance, ...plan.fleet].every((a) => a.metricNames.length >= 1 && a.metricNames.length <= MAX_METRICS_PER_ALARM),
    ).toBe(true);
  });

  it('plans the fallbacks band per appliance when enabled', () => {
    const plan = planApplianceAlarms(resolveSelection('default'), {
      intervalMinutes: 1,
      overrides: { fallbacksAnomaly: { enabled: true } },
    });
    expect(plan.perAppliance.map((a) => a.kind)).toContain('fallbacksAnomaly');
    expect(plan.fleet.map((a) => a.kind)).not.toContain('fallbacksAnomaly');
    expect(plan.skipped).toEqual([]);
  });

  it('keeps protocolErrors per appliance on an explicit counter list, the other rollup alarms fleet-wide', () => {
    const explicit = ['ChecksumErrors', 'InvalidMacErrors'];
    const plan = planApplianceAlarms(resolveSelection('default'), { intervalMinutes: 1, protocolErrorMetrics: explicit });
    expect(plan.perAppliance.find((a) => a.kind === 'protocolErrors')).toMatchObject({
      scope: 'appliance',
      perApplianceCause: 'protocol-error-metrics',
      metricNames: explicit,
    });
    expect(plan.fleet.map((a) => a.kind)).toEqual(['resourceExhaustion', 'joinsRejected', 'fallbacks', 'stateUnavailable']);
    expect(FLEET_ALARM_KINDS).toEqual(['protocolErrors', 'resourceExhaustion', 'joinsRejected', 'fallbacks', 'stateUnavailable']);
    expect(FLEET_ALARM_KINDS.map((kind) => alarmScope(kind))).toEqual(['fleet', 'fleet', 'fleet', 'fleet', 'fleet']);
    expect(alarmScope('protocolErrors', explicit)).toBe('appliance');
    expect(alarmScope('protocolErrors', [])).toBe('fleet');
    expect(alarmScope('sessionsWithoutSubflows')).toBe('appliance');
  });

  it('keeps a rollup alarm per appliance when its window is longer than the 3 hours a Metrics Insights alarm evaluates', () => {
    const plan = planApplianceAlarms(resolveSelection('default'), {
      intervalMinutes: 1,
      overrides: { joinsRejected: { periodMinutes: 60, evaluationPeriods: 4 }, fallbacks: { periodMinutes: 60, evaluationPeriods: 3 } },
    });
    expect(plan.perAppliance.find((a) => a.kind === 'joinsRejected')).toMatchObject({ scope: 'appliance', perApplianceCause: 'window' });
    expect(plan.fleet.map((a) => a.kind)).toEqual(['protocolErrors', 'resourceExhaustion', 'fallbacks', 'stateUnavailable']);
    // A schedule interval over 3 hours rounds every default period up past it: the rollup alarms stay per appliance.
    const slow = planApplianceAlarms(resolveSelection('default'), { intervalMinutes: 240 });
    expect(slow.fleet).toEqual([]);
    expect(slow.perAppliance.filter((a) => a.perApplianceCause === 'window').map((a) => a.kind)).toEqual(FLEET_ALARM_KINDS);
  });

  it('queries every appliance of the namespace for a fleet alarm, grouped by Appliance, highest first, within 500 series', () => {
    const plan = planApplianceAlarms(resolveSelection('default'), { intervalMinutes: 1 });
    expect(fleetAlarmQuery('NetScaler/MPTCP', plan.fleet[0]!)).toBe(
      'SELECT SUM(ProtocolErrors) FROM SCHEMA("NetScaler/MPTCP", Appliance) GROUP BY Appliance ORDER BY SUM() DESC LIMIT 500',
    );
    // A namespace is always quoted (one of letters alone could be a reserved word such as LIMIT).
    expect(fleetAlarmQuery('LIMIT', { metricNames: ['Fallbacks'], statistic: 'Maximum' })).toBe(
      'SELECT MAX(Fallbacks) FROM SCHEMA("LIMIT", Appliance) GROUP BY Appliance ORDER BY MAX() DESC LIMIT 500',
    );
    expect(fleetAlarmQuery('NetScaler/MPTCP', plan.fleet.find((a) => a.kind === 'stateUnavailable')!)).toBe(
      'SELECT SUM(StateUnavailable) FROM SCHEMA("NetScaler/MPTCP", Appliance) GROUP BY Appliance ORDER BY SUM() DESC LIMIT 500',
    );
    expect(() => fleetAlarmQuery('NetScaler/MPTCP', { metricNames: ['A', 'B'], statistic: 'Sum' })).toThrow(/one metric/);
  });

  it('fixes collectionFailing to the schedule interval and a threshold of 1', () => {
    const plan = planApplianceAlarms(resolveSelection('default'), {
      intervalMinutes: 5,
      overrides: { collectionFailing: { periodMinutes: 60, threshold: 7 } },
    });
    expect(plan.perAppliance[0]).toMatchObject({
      kind: 'collectionFailing',
      treatMissingData: 'breaching',
      settings: { periodMinutes: 5, threshold: 1 },
    });
  });

  it('watches one rollup per counter alarm, and StateUnavailable, whatever the selection; skips gauge alarms not selected, saying why, and disabled ones', () => {
    const plan = planApplianceAlarms(resolveSelection('SessionAllocationFailures'), {
      intervalMinutes: 1,
      overrides: { joinsRejected: { enabled: false }, fallbacksAnomaly: { enabled: true } },
    });
    expect([...plan.perAppliance, ...plan.fleet].map((a) => [a.kind, a.metricNames])).toEqual([
      ['collectionFailing', ['CollectionSuccess']],
      ['fallbacksAnomaly', ['Fallbacks']],
      ['protocolErrors', ['ProtocolErrors']],
      ['resourceExhaustion', ['AllocationFailures']],
      ['fallbacks', ['Fallbacks']],
      ['stateUnavailable', ['StateUnavailable']],
    ]);
    expect(Object.fromEntries(plan.skipped.map((s) => [s.kind, s.reason]))).toEqual({
      joinsRejected: 'disabled in the configuration',
      sessionsWithoutSubflows: 'CurrentSessionsWithoutSubflows is not in the counter selection',
      sessionsCreatedAnomaly: 'SessionsCreated is not in the counter selection',
    });
  });

  it('plans anomaly bands below for sessions created and above for fallbacks, the band width as threshold', () => {
    const plan = planApplianceAlarms(resolveSelection('default'), {
      intervalMinutes: 2,
      overrides: { fallbacksAnomaly: { enabled: true, threshold: 2 } },
    });
    const byKind = Object.fromEntries(plan.perAppliance.map((a) => [a.kind, a]));
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
    expect(protocolErrorMetrics()).toEqual(['ProtocolErrors']);
    expect(protocolErrorMetrics([])).toEqual(['ProtocolErrors']);
    expect(protocolErrorMetrics(['ChecksumErrors', 'RssFilterFailures'])).toEqual(['ChecksumErrors', 'RssFilterFailures']);
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
