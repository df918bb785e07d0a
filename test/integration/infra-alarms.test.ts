import { NestedStack, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MAX_APPLIANCE_ALARMS_PER_TEMPLATE } from '../../infra/constructs/mptcp-monitoring.js';
import { ROLLUP_METRICS } from '../../lambda/catalog/rollups.js';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import { planRunBudget } from '../../lambda/core/budget.js';
import { HEALTH_METRICS } from '../../lambda/metrics/health.js';
import { type ConfigInput, configWith, manyAppliances, onlyResource, resourcesOf, synthConfig } from '../support/synth-config.js';

type AlarmProps = Record<string, unknown> & {
  AlarmDescription: unknown;
  AlarmActions?: unknown[];
  OKActions?: unknown[];
  MetricName?: string;
  Metrics?: {
    Expression?: string;
    Period?: number;
    MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: string }[] }; Stat: string; Period: number };
  }[];
};

function alarmsOf(template: Template): Record<string, AlarmProps> {
  return Object.fromEntries(
    Object.entries(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map(([id, r]) => [id, r.Properties as AlarmProps]),
  );
}

/** The alarm whose logical id contains `appliance` (without dashes) and `suffix`. */
function alarm(template: Template, appliance: string, suffix: string): AlarmProps {
  const key = `${appliance.replace(/[^A-Za-z0-9]/g, '')}${suffix}`;
  const found = Object.entries(alarmsOf(template)).filter(([id]) => id.includes(key));
  if (found.length !== 1) throw new Error(`expected one alarm ${key}, found ${found.length}`);
  return found[0]![1];
}

/** The fleet alarms (Metrics Insights): one alarm on a SELECT query, by logical id. */
function fleetAlarmsOf(template: Template): Record<string, AlarmProps> {
  return Object.fromEntries(
    Object.entries(alarmsOf(template)).filter(([, props]) => (props.Metrics ?? []).some((m) => m.Expression?.startsWith('SELECT '))),
  );
}

/** The fleet alarm whose name ends with `-<suffix>`. */
function fleetAlarm(template: Template, suffix: string): AlarmProps {
  const found = Object.values(fleetAlarmsOf(template)).filter((props) => (props.AlarmName as string).endsWith(`-${suffix}`));
  if (found.length !== 1) throw new Error(`expected one fleet alarm ${suffix}, found ${found.length}`);
  return found[0]!;
}

const FLEET_SUFFIXES = ['ProtocolErrors', 'ResourceExhaustion', 'JoinsRejected', 'FallbacksToTcp', 'StateUnavailable'];

function metricNames(props: AlarmProps): string[] {
  if (props.MetricName) return [props.MetricName];
  return (props.Metrics ?? []).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : []));
}

/** The description with tokens replaced by a 64-character stand-in (a generated log group name). */
function descriptionText(props: AlarmProps): string {
  const d = props.AlarmDescription;
  if (typeof d === 'string') return d;
  const parts = (d as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return parts.map((p) => (typeof p === 'string' ? p : 'x'.repeat(64))).join('');
}

const warningsOf = (stack: Stack) =>
  stack.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === 'aws:cdk:warning')
    .map((m) => String(m.data));

describe('alarms for the default selection', () => {
  const { template } = synthConfig(configWith());
  const all = alarmsOf(template);

  it('with notify "per-alarm", each notify the topic on ALARM and on OK, and tell the on-call what it means and what to do', () => {
    const perAlarm = synthConfig(configWith({ alarms: { emails: ['oncall@example.com'], notify: 'per-alarm' } })).template;
    const topicId = onlyResource(perAlarm, 'AWS::SNS::Topic').id;
    expect(Object.keys(resourcesOf(perAlarm, 'AWS::CloudWatch::CompositeAlarm'))).toEqual([]);
    // 3 collector alarms, 5 fleet alarms, 3 per appliance.
    expect(Object.keys(alarmsOf(perAlarm))).toHaveLength(3 + 5 + 2 * 3);
    for (const [id, props] of Object.entries(alarmsOf(perAlarm))) {
      expect(props.AlarmActions, id).toEqual([{ Ref: topicId }]);
      expect(props.OKActions, id).toEqual([{ Ref: topicId }]);
    }
    for (const [id, props] of Object.entries(all)) {
      const text = descriptionText(props);
      expect(text.length, id).toBeLessThanOrEqual(1024);
      expect(text, id).toMatch(
        /Runbook: https:\/\/github\.com\/netscaler-mptcp-cloudwatch\/netscaler-mptcp-cloudwatch\/blob\/main\/docs\/runbook\.md#[a-z]+/,
      );
    }
  });

  it('name the appliance in each appliance alarm', () => {
    for (const suffix of ['CollectionFailing', 'SessionsWithoutSubflows', 'SessionsCreatedAnomaly']) {
      expect(descriptionText(alarm(template, 'adc-2', suffix))).toMatch(/^\[adc-2\] /);
    }
  });

  it('have no alarm per appliance on a rollup, and no fallbacks band unless enabled', () => {
    for (const suffix of [...FLEET_SUFFIXES, 'FallbacksAnomaly']) {
      expect(
        Object.keys(alarmsOf(template)).filter((id) => id.includes('ApplianceAlarms') && id.includes(suffix)),
        suffix,
      ).toEqual([]);
    }
    const applianceMetrics = Object.entries(alarmsOf(template))
      .filter(([id]) => id.includes('ApplianceAlarms'))
      .flatMap(([, props]) => metricNames(props));
    expect(applianceMetrics.filter((name) => Object.values(ROLLUP_METRICS).includes(name as never))).toEqual([]);
  });

  it('treat a silent collector as failing: CollectionSuccess below 1 for 3 intervals, missing data breaching', () => {
    expect(alarm(template, 'adc-1', 'CollectionFailing')).toMatchObject({
      MetricName: HEALTH_METRICS.success,
      Namespace: 'NetScaler/MPTCP',
      Dimensions: [{ Name: 'Appliance', Value: 'adc-1' }],
      Statistic: 'Maximum',
      Period: 60,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
    });
  });

  it('watch the ProtocolErrors, AllocationFailures, JoinsRejected and Fallbacks rollups and StateUnavailable with one fleet alarm each', () => {
    expect(fleetAlarm(template, 'ProtocolErrors')).toMatchObject({
      Threshold: 100,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(fleetAlarm(template, 'ResourceExhaustion')).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(fleetAlarm(template, 'JoinsRejected')).toMatchObject({ Threshold: 0, TreatMissingData: 'notBreaching' });
    expect(fleetAlarm(template, 'FallbacksToTcp')).toMatchObject({ Threshold: 100, EvaluationPeriods: 1, DatapointsToAlarm: 1 });
    // More than 2 runs in 5 minutes without the state table.
    const stateUnavailable = fleetAlarm(template, 'StateUnavailable');
    expect(stateUnavailable).toMatchObject({
      Threshold: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(stateUnavailable.Metrics![0]).toMatchObject({
      Expression: 'SELECT SUM(StateUnavailable) FROM SCHEMA("NetScaler/MPTCP", Appliance) GROUP BY Appliance ORDER BY SUM() DESC LIMIT 500',
      Period: 300,
    });
    expect(Object.values(fleetAlarmsOf(template)).map((p) => p.AlarmName)).toEqual(FLEET_SUFFIXES.map((suffix) => `Test-${suffix}`));
  });

  it('alarm on a sustained number of sessions without subflows', () => {
    expect(alarm(template, 'adc-1', 'SessionsWithoutSubflows')).toMatchObject({
      MetricName: 'CurrentSessionsWithoutSubflows',
      Statistic: 'Maximum',
      Threshold: 500,
      EvaluationPeriods: 3,
      TreatMissingData: 'notBreaching',
    });
  });

  it('watch the collector function: errors, throttles, duration near its timeout', () => {
    const byId = (suffix: string) => Object.entries(all).find(([id]) => id.includes(`CollectorAlarms${suffix}`))![1];
    expect(byId('CollectorErrors')).toMatchObject({
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Threshold: 0,
      EvaluationPeriods: 2,
      Period: 300,
    });
    expect(byId('CollectorThrottled')).toMatchObject({ MetricName: 'Throttles', Statistic: 'Sum', Threshold: 0 });
    // 80 % of the 36.5 s the 50 s function waits for appliances: it fires before the handler cuts them off.
    const nearTimeout = byId('CollectorNearTimeout');
    expect(nearTimeout).toMatchObject({ MetricName: 'Duration', Statistic: 'Maximum', Threshold: 29_200 });
    expect(nearTimeout.Threshold).toBeLessThan(planRunBudget(0, 50_000).collectBy);
  });

  it('reference only selected metrics and health metrics', () => {
    const allowed = new Set([
      ...resolveSelection('default').map((m) => m.metricName),
      ...Object.values(HEALTH_METRICS),
      ...Object.values(ROLLUP_METRICS),
      'Errors',
      'Throttles',
      'Duration',
      'Invocations',
    ]);
    for (const props of Object.values(all)) for (const name of metricNames(props)) expect(allowed.has(name), name).toBe(true);
  });
});

describe('alarm names', () => {
  it('are <stack name>-<appliance>-<Suffix> and <stack name>-<Suffix>', () => {
    const { template } = synthConfig(configWith());
    const names = Object.values(alarmsOf(template)).map((p) => p.AlarmName as string);
    expect(names).toContain('Test-CollectorErrors');
    expect(names).toContain('Test-adc-2-CollectionFailing');
    expect(names).toContain('Test-FallbacksToTcp');
    expect(new Set(names).size).toBe(names.length);
    expect(descriptionText(alarm(template, 'adc-1', 'CollectionFailing'))).toContain('If Test-CollectorErrors fires too');
  });

  it('stay within 255 characters and unique for the longest appliance names', () => {
    const long = (c: string) => ({ name: `${c.repeat(255)}`, url: 'https://adc.example.net', secretId: 's' });
    const { template } = synthConfig({ appliances: [long('a'), { ...long('a'), name: `${'a'.repeat(254)}b` }] });
    const names = Object.values(alarmsOf(template)).map((p) => p.AlarmName as string);
    expect(Math.max(...names.map((n) => n.length))).toBe(255);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('alarm descriptions', () => {
  it('stay within 1024 characters with the longest names, keeping the runbook link', () => {
    const name = `adc-${'x'.repeat(251)}`;
    const url = `https://${'a'.repeat(60)}.${'b'.repeat(60)}.example.net`;
    const secretId = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${'s'.repeat(200)}-AbC123`;
    const { template } = synthConfig({ appliances: [{ name, url, secretId }], counters: 'all' });
    for (const props of Object.values(alarmsOf(template))) {
      const text = descriptionText(props);
      expect(text.length).toBeLessThanOrEqual(1024);
      expect(text).toMatch(
        /Runbook: https:\/\/github\.com\/netscaler-mptcp-cloudwatch\/netscaler-mptcp-cloudwatch\/blob\/main\/docs\/runbook\.md#[a-z]+/,
      );
    }
    const collection = Object.values(alarmsOf(template)).find((props) => props.MetricName === 'CollectionSuccess')!;
    expect(descriptionText(collection)).toMatch(/\.\.\.$/);
  });
});

describe('alarm settings from the config', () => {
  it('uses configured thresholds, periods and datapoints', () => {
    const { template } = synthConfig(
      configWith({
        alarms: {
          fallbacks: { threshold: 7, periodMinutes: 10, evaluationPeriods: 3, datapointsToAlarm: 2 },
          collectionFailing: { evaluationPeriods: 5, datapointsToAlarm: 4 },
          functionDuration: { thresholdPercent: 90 },
        },
      }),
    );
    const fallbacks = fleetAlarm(template, 'FallbacksToTcp');
    expect(fallbacks).toMatchObject({ Threshold: 7, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    expect(fallbacks.Metrics).toEqual([
      {
        Id: 'expr_1',
        Expression: 'SELECT SUM(Fallbacks) FROM SCHEMA("NetScaler/MPTCP", Appliance) GROUP BY Appliance ORDER BY SUM() DESC LIMIT 500',
        Period: 600,
        ReturnData: true,
      },
    ]);
    expect(descriptionText(fallbacks)).toContain(
      'More than 7 MPTCP sessions fell back to plain TCP in 2 of 3 consecutive 10-minute periods',
    );
    expect(alarm(template, 'adc-1', 'CollectionFailing')).toMatchObject({ EvaluationPeriods: 5, DatapointsToAlarm: 4 });
    const duration = Object.entries(alarmsOf(template)).find(([id]) => id.includes('CollectorNearTimeout'))![1];
    expect(duration.Threshold).toBe(32_850);
  });

  it('leaves out the StateUnavailable fleet alarm when disabled, and applies its configured threshold', () => {
    const { template: off, stack } = synthConfig(configWith({ alarms: { stateUnavailable: { enabled: false } } }));
    expect(Object.values(alarmsOf(off)).filter((p) => (p.AlarmName as string).includes('StateUnavailable'))).toEqual([]);
    expect(Object.values(fleetAlarmsOf(off)).map((p) => p.AlarmName)).toEqual([
      'Test-ProtocolErrors',
      'Test-ResourceExhaustion',
      'Test-JoinsRejected',
      'Test-FallbacksToTcp',
    ]);
    expect(warningsOf(stack).some((w) => w.includes('stateUnavailable'))).toBe(false);
    const tuned = fleetAlarm(
      synthConfig(configWith({ alarms: { stateUnavailable: { threshold: 4, periodMinutes: 10 } } })).template,
      'StateUnavailable',
    );
    expect(tuned).toMatchObject({ Threshold: 4, EvaluationPeriods: 1, DatapointsToAlarm: 1 });
    expect(tuned.Metrics).toEqual([
      {
        Id: 'expr_1',
        Expression:
          'SELECT SUM(StateUnavailable) FROM SCHEMA("NetScaler/MPTCP", Appliance) GROUP BY Appliance ORDER BY SUM() DESC LIMIT 500',
        Period: 600,
        ReturnData: true,
      },
    ]);
    expect(descriptionText(tuned)).toContain('could not be read or written for this appliance in more than 4 runs');
  });

  it('evaluates collection per interval with a slower schedule', () => {
    const { template } = synthConfig(configWith({ schedule: { rateMinutes: 5 } }));
    expect(alarm(template, 'adc-1', 'CollectionFailing')).toMatchObject({ Period: 300 });
  });

  it('rounds default periods up to a multiple of the schedule interval', () => {
    const { template } = synthConfig(configWith({ schedule: { rateMinutes: 2 } }));
    expect(alarm(template, 'adc-1', 'SessionsWithoutSubflows')).toMatchObject({ Period: 360 });
    const errors = Object.entries(alarmsOf(template)).find(([id]) => id.includes('CollectorErrors'))![1];
    expect(errors).toMatchObject({ Period: 360 });
  });

  it('leaves out disabled alarms without a warning', () => {
    const { template, stack } = synthConfig(
      configWith({
        alarms: { fallbacks: { enabled: false }, sessionsCreatedAnomaly: { enabled: false }, functionThrottles: { enabled: false } },
      }),
    );
    expect(Object.keys(alarmsOf(template)).some((id) => /FallbacksToTcp|SessionsCreatedAnomaly|CollectorThrottled/.test(id))).toBe(false);
    // 2 collector alarms and CollectorDown; 4 of the 5 fleet alarms; 2 of the 3 alarms per appliance.
    expect(Object.keys(alarmsOf(template))).toHaveLength(3 + 4 + 2 * 2);
    expect(warningsOf(stack).some((w) => w.includes('fallbacks'))).toBe(false);
  });

  it('watches the ProtocolErrors rollup fleet-wide with "all" too, or sums the configured counters per appliance', () => {
    const all = synthConfig(configWith({ counters: 'all' })).template;
    expect(fleetAlarm(all, 'ProtocolErrors').Metrics![0]!.Expression).toMatch(/^SELECT SUM\(ProtocolErrors\) /);
    const chosen = synthConfig(
      configWith({
        counters: 'all',
        alarms: { protocolErrors: { metrics: ['DuplicateMappingErrors', 'RssFilterFailures'], threshold: 5 } },
      }),
    ).template;
    for (const appliance of ['adc-1', 'adc-2']) {
      const props = alarm(chosen, appliance, 'ProtocolErrors');
      expect(metricNames(props)).toEqual(['DuplicateMappingErrors', 'RssFilterFailures']);
      expect(props.Metrics![0]!.Expression).toBe('SUM([m0,m1])');
      expect(props).toMatchObject({ AlarmName: `Test-${appliance}-ProtocolErrors`, Threshold: 5 });
      expect(descriptionText(props)).toMatch(new RegExp(`^\\[${appliance}\\] More than 5 MPTCP protocol errors`));
    }
    // The other three rollup alarms and StateUnavailable stay fleet alarms; protocol errors are a member of each appliance's Incident.
    expect(Object.values(fleetAlarmsOf(chosen)).map((p) => p.AlarmName)).toEqual([
      'Test-ResourceExhaustion',
      'Test-JoinsRejected',
      'Test-FallbacksToTcp',
      'Test-StateUnavailable',
    ]);
    const incident = Object.values(resourcesOf(chosen, 'AWS::CloudWatch::CompositeAlarm')).find(
      (r) => r.Properties!.AlarmName === 'Test-adc-1-Incident',
    )!;
    expect(JSON.stringify(incident.Properties!.AlarmRule)).toContain('adc1ProtocolErrors');
  });
});

describe('alarms whose metrics are not selected', () => {
  it('are skipped with a synth-time warning naming the alarm and why', () => {
    const { template, stack } = synthConfig(configWith({ counters: 'CurrentSessions,SessionsCreated' }));
    // The rollup alarms are fleet alarms on rollups, published whatever the selection: only the gauge alarm is skipped.
    const perAppliance = ['CollectionFailing', 'SessionsCreatedAnomaly'];
    const ids = Object.keys(alarmsOf(template));
    expect(
      ids
        .filter((id) => id.includes('ApplianceAlarms'))
        .map((id) => id.replace(/^MonitoringApplianceAlarmsadc\d/, '').replace(/[0-9A-F]{8}$/, '')),
    ).toEqual([...perAppliance, ...perAppliance]);
    const warnings = warningsOf(stack);
    expect(warnings.filter((w) => / alarm is not created: /.test(w)).map((w) => w.split(' ')[1])).toEqual(['sessionsWithoutSubflows']);
    expect(warnings.find((w) => w.startsWith('The sessionsWithoutSubflows alarm'))).toContain(
      'CurrentSessionsWithoutSubflows is not in the counter selection',
    );
    const withoutSessionsCreated = warningsOf(synthConfig(configWith({ counters: 'CurrentSessions' })).stack);
    expect(withoutSessionsCreated.find((w) => w.startsWith('The sessionsCreatedAnomaly alarm'))).toContain(
      'SessionsCreated is not in the counter selection',
    );
  });
});

describe('a fleet whose alarms do not fit one template', () => {
  const appliances = manyAppliances(60);
  const { stack, template } = synthConfig({ appliances, alarms: { emails: ['oncall@example.com'] } } as ConfigInput);
  const nested = stack.node.findAll().filter((c): c is NestedStack => c instanceof NestedStack);

  it('puts appliance alarms into nested stacks of at most the per-template limit, in config order; the fleet alarms stay in the parent', () => {
    // 3 alarms and 1 composite page per appliance.
    const perStack = Math.floor(MAX_APPLIANCE_ALARMS_PER_TEMPLATE / 4);
    expect(nested).toHaveLength(Math.ceil(60 / perStack));
    const counts = nested.map((n) => Object.keys(alarmsOf(Template.fromStack(n))).length);
    expect(counts).toEqual([perStack * 3, (60 - perStack) * 3]);
    const pages = nested.map((n) => Object.keys(resourcesOf(Template.fromStack(n), 'AWS::CloudWatch::CompositeAlarm')).length);
    expect(pages).toEqual([perStack, 60 - perStack]);
    for (const n of nested) expect(Object.keys(fleetAlarmsOf(Template.fromStack(n)))).toEqual([]);
    // The collector's 3 alarms, CollectorDown and the 5 fleet alarms.
    expect(Object.keys(alarmsOf(template))).toHaveLength(4 + 5);
    expect(Object.values(fleetAlarmsOf(template)).map((p) => p.AlarmName)).toEqual(FLEET_SUFFIXES.map((suffix) => `Test-${suffix}`));
    template.resourceCountIs('AWS::CloudFormation::Stack', nested.length);
    expect(descriptionText(alarm(Template.fromStack(nested[1]!), 'adc-060', 'CollectionFailing'))).toMatch(/^\[adc-060\]/);
  });

  it('names nested alarms with their group, and lists them on the dashboard by name (no cross-stack outputs)', () => {
    const inner = Template.fromStack(nested[1]!);
    expect(inner.toJSON().Outputs).toBeUndefined();
    expect(alarm(inner, 'adc-060', 'CollectionFailing').AlarmName).toBe('Test-adc-060-CollectionFailing-g2');
    const body = JSON.stringify(onlyResource(template, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody);
    expect(body).toContain(':alarm:Test-adc-060-CollectionFailing-g2');
    expect(body.match(/:alarm:Test-adc-\d+-/g)).toHaveLength(60 * 4);
    expect(body).toContain(':alarm:Test-adc-060-Incident-g2');
  });

  it('notifies the parent stack topic from the nested pages, silenced by the parent stack CollectorFailing (by name, created first)', () => {
    const inner = Template.fromStack(nested[0]!);
    for (const props of Object.values(alarmsOf(inner))) expect(props.AlarmActions).toBeUndefined();
    const pages = Object.values(resourcesOf(inner, 'AWS::CloudWatch::CompositeAlarm')).map((r) => r.Properties!);
    for (const props of pages) {
      expect(JSON.stringify(props.AlarmActions)).toMatch(/"Ref":"referencetoTest.*Topic.*Ref"/);
      expect(JSON.stringify(props.ActionsSuppressor)).toContain(':alarm:Test-CollectorFailing');
    }
    const nestedResources = Object.values(resourcesOf(template, 'AWS::CloudFormation::Stack')) as { DependsOn?: string[] }[];
    const collectorFailingId = Object.entries(resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm')).find(
      ([, r]) => r.Properties?.AlarmName === 'Test-CollectorFailing',
    )![0];
    for (const resource of nestedResources) expect(resource.DependsOn).toContain(collectorFailingId);
  });
});

describe('anomaly baselines', () => {
  const { template } = synthConfig(configWith());
  const band = (props: AlarmProps) => (props.Metrics ?? []).find((m) => m.Expression?.startsWith('ANOMALY_DETECTION_BAND'));

  it('alarm when MP_CAPABLE sessions created fall below their band, by default 3 standard deviations for 3 periods of 5 minutes', () => {
    const props = alarm(template, 'adc-1', 'SessionsCreatedAnomaly');
    expect(props).toMatchObject({
      ComparisonOperator: 'LessThanLowerThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    });
    expect(band(props)?.Expression).toBe('ANOMALY_DETECTION_BAND(m0, 3)');
    expect(props.ThresholdMetricId).toBe((band(props) as { Id: string }).Id);
    expect(props.Metrics!.find((m) => m.MetricStat)).toMatchObject({
      MetricStat: {
        Metric: { MetricName: 'SessionsCreated', Dimensions: [{ Name: 'Appliance', Value: 'adc-1' }] },
        Stat: 'Sum',
        Period: 300,
      },
    });
    expect(props.Threshold).toBeUndefined();
  });

  it('have no fallbacks band by default (billed for 3 metrics per appliance even while the rollup gets no data)', () => {
    expect(Object.keys(alarmsOf(template)).filter((id) => id.includes('FallbacksAnomaly'))).toEqual([]);
    expect(Object.values(alarmsOf(template)).filter((props) => band(props))).toHaveLength(2);
  });

  it('alarm when fallbacks to plain TCP rise above their band (the band of the Fallbacks rollup), when enabled', () => {
    const enabled = synthConfig(configWith({ alarms: { fallbacksAnomaly: { enabled: true } } })).template;
    expect(Object.keys(alarmsOf(enabled)).filter((id) => id.includes('FallbacksAnomaly'))).toHaveLength(2);
    const props = alarm(enabled, 'adc-2', 'FallbacksAnomaly');
    expect(band(props)?.Expression).toBe('ANOMALY_DETECTION_BAND(m0, 3)');
    expect(props.Metrics!.find((m) => m.MetricStat)!.MetricStat!.Metric.Dimensions).toEqual([{ Name: 'Appliance', Value: 'adc-2' }]);
    expect(props.ComparisonOperator).toBe('GreaterThanUpperThreshold');
    expect(metricNames(props)).toEqual(['Fallbacks']);
    expect(props.Metrics!.some((m) => m.Expression?.startsWith('SUM'))).toBe(false);
    expect(descriptionText(props)).toContain('two weeks of history');
  });

  it('take band width, period, evaluation periods and enabled from the config; a band width of 0 is refused', () => {
    const configured = synthConfig(
      configWith({
        alarms: {
          sessionsCreatedAnomaly: { bandWidth: 2.5, periodMinutes: 15, evaluationPeriods: 4, datapointsToAlarm: 3 },
          fallbacksAnomaly: { enabled: true, bandWidth: 2 },
        },
      }),
    ).template;
    const props = alarm(configured, 'adc-1', 'SessionsCreatedAnomaly');
    expect(band(props)?.Expression).toBe('ANOMALY_DETECTION_BAND(m0, 2.5)');
    expect(props).toMatchObject({ EvaluationPeriods: 4, DatapointsToAlarm: 3 });
    expect(props.Metrics!.find((m) => m.MetricStat)!.MetricStat!.Period).toBe(900);
    expect(band(alarm(configured, 'adc-1', 'FallbacksAnomaly'))?.Expression).toBe('ANOMALY_DETECTION_BAND(m0, 2)');
    expect(() => synthConfig(configWith({ alarms: { fallbacksAnomaly: { bandWidth: 0 } } }))).toThrow(
      /alarms\.fallbacksAnomaly\.bandWidth must be a band width in standard deviations/,
    );
  });
});

describe('one page per incident (notify "per-appliance", the default)', () => {
  const { template } = synthConfig(configWith());
  const topic = { Ref: onlyResource(template, 'AWS::SNS::Topic').id };
  const composites = Object.fromEntries(
    Object.values(resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm')).map((r) => [r.Properties!.AlarmName as string, r.Properties!]),
  );
  const ids = Object.fromEntries(Object.entries(alarmsOf(template)).map(([id, props]) => [props.AlarmName as string, id]));
  const ruleIds = (rule: unknown) => [...JSON.stringify(rule).matchAll(/"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]/g)].map((m) => m[1]);

  it('gives each appliance one composite of all its alarms that notifies, while its members do not', () => {
    expect(Object.keys(composites).sort()).toEqual(['Test-CollectorFailing', 'Test-adc-1-Incident', 'Test-adc-2-Incident']);
    const page = composites['Test-adc-1-Incident']!;
    const members = Object.keys(ids).filter((name) => name.startsWith('Test-adc-1-'));
    expect(members.sort()).toEqual([
      'Test-adc-1-CollectionFailing',
      'Test-adc-1-SessionsCreatedAnomaly',
      'Test-adc-1-SessionsWithoutSubflows',
    ]);
    expect(ruleIds(page.AlarmRule).sort()).toEqual(members.map((name) => ids[name]).sort());
    expect(JSON.stringify(page.AlarmRule)).toMatch(/^\{"Fn::Join":\["",\["\(ALARM\(\\"",.*\\"\) OR ALARM\(\\"/);
    expect(page).toMatchObject({ AlarmActions: [topic], OKActions: [topic] });
    const fleet = fleetAlarmsOf(template);
    for (const [id, props] of Object.entries(alarmsOf(template))) {
      if (id in fleet) continue;
      expect(props.AlarmActions).toBeUndefined();
      expect(props.OKActions).toBeUndefined();
    }
  });

  it('leaves the fleet alarms out of the composites (a composite cannot tell contributors apart): they notify themselves', () => {
    const fleet = fleetAlarmsOf(template);
    expect(Object.values(fleet).map((p) => p.AlarmName)).toEqual(FLEET_SUFFIXES.map((suffix) => `Test-${suffix}`));
    for (const [id, props] of Object.entries(fleet)) {
      expect(props, id).toMatchObject({ AlarmActions: [topic], OKActions: [topic] });
      for (const composite of Object.values(composites)) expect(ruleIds(composite.AlarmRule)).not.toContain(id);
    }
  });

  it('adds the fallbacks band to each Incident when it is enabled', () => {
    const enabled = synthConfig(configWith({ alarms: { fallbacksAnomaly: { enabled: true } } })).template;
    const page = Object.values(resourcesOf(enabled, 'AWS::CloudWatch::CompositeAlarm')).find(
      (r) => r.Properties!.AlarmName === 'Test-adc-2-Incident',
    )!;
    const members = ruleIds(page.Properties!.AlarmRule).map((id) => alarmsOf(enabled)[id!]!.AlarmName);
    expect(members.sort()).toEqual([
      'Test-adc-2-CollectionFailing',
      'Test-adc-2-FallbacksAnomaly',
      'Test-adc-2-SessionsCreatedAnomaly',
      'Test-adc-2-SessionsWithoutSubflows',
    ]);
    expect(descriptionText(page.Properties as AlarmProps)).toContain('any of its 4 alarms');
  });

  it('says in the notification which member alarms it stands for and how to see the ones in ALARM', () => {
    const text = descriptionText(composites['Test-adc-1-Incident']! as AlarmProps);
    expect(text).toMatch(
      /^\[adc-1\] One page for this appliance: in ALARM while any of its 3 alarms is: CollectionFailing \(no successful collection\); /,
    );
    expect(text).toContain(
      'Not members: the fleet alarms Test-ProtocolErrors, Test-ResourceExhaustion, Test-JoinsRejected, Test-FallbacksToTcp, Test-StateUnavailable watch every appliance',
    );
    expect(text).toContain('SessionsCreatedAnomaly (MPTCP sessions created far below their usual pattern)');
    expect(text).toContain('--children-of-alarm-name "Test-adc-1-Incident"');
    expect(text).toContain('Silent while Test-CollectorFailing is in ALARM');
    expect(text).toMatch(/Runbook: https:\/\/github\.com\/\S+\/docs\/runbook\.md#incident/);
    expect(text.length).toBeLessThanOrEqual(1024);
  });

  it('silences every appliance page while the collector is failing, which pages once', () => {
    const collectorFailingId = Object.entries(resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm')).find(
      ([, r]) => r.Properties!.AlarmName === 'Test-CollectorFailing',
    )![0];
    for (const name of ['Test-adc-1-Incident', 'Test-adc-2-Incident']) {
      expect(composites[name]).toMatchObject({
        ActionsSuppressor: { 'Fn::GetAtt': [collectorFailingId, 'Arn'] },
        // CollectorDown (2 intervals + 1 min) is in ALARM as soon as CollectionFailing (3 intervals): the minimum wait.
        ActionsSuppressorWaitPeriod: 60,
        // CollectionFailing (3 of 3) is OK again after one good interval, plus a minute for the metrics.
        ActionsSuppressorExtensionPeriod: 120,
      });
    }
    const collector = composites['Test-CollectorFailing']!;
    expect(collector).toMatchObject({ AlarmActions: [topic], OKActions: [topic] });
    expect(collector.ActionsSuppressor).toBeUndefined();
    expect(ruleIds(collector.AlarmRule).sort()).toEqual(
      ['Test-CollectorDown', 'Test-CollectorErrors', 'Test-CollectorThrottled', 'Test-CollectorNearTimeout'].map((n) => ids[n]).sort(),
    );
  });

  it('detects a broken collector within two intervals: errors, throttles or no invocation at all', () => {
    const down = alarmsOf(template)[ids['Test-CollectorDown']!]!;
    expect(down).toMatchObject({
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 0,
      TreatMissingData: 'breaching',
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(down.Metrics![0]!.Expression).toBe('FILL(errors, 0) + FILL(throttles, 0) + IF(FILL(invocations, 0) < 1, 1, 0)');
    expect(metricNames(down).sort()).toEqual(['Errors', 'Invocations', 'Throttles']);
    expect(down.Metrics!.filter((m) => m.MetricStat).every((m) => m.MetricStat!.Period === 60)).toBe(true);
  });

  it('holds an appliance page longer when its CollectionFailing fires sooner than CollectorDown', () => {
    const quick = synthConfig(configWith({ alarms: { collectionFailing: { evaluationPeriods: 3, datapointsToAlarm: 1 } } })).template;
    const page = Object.values(resourcesOf(quick, 'AWS::CloudWatch::CompositeAlarm')).find(
      (r) => r.Properties!.AlarmName === 'Test-adc-1-Incident',
    )!;
    expect(page.Properties).toMatchObject({ ActionsSuppressorWaitPeriod: 120, ActionsSuppressorExtensionPeriod: 240 });
  });

  it('refuses an unknown notify mode', () => {
    expect(() => synthConfig(configWith({ alarms: { notify: 'per-page' } }))).toThrow(
      /alarms\.notify must be "per-appliance" or "per-alarm"/,
    );
  });
});

describe('fleet alarms (one Metrics Insights alarm per rollup, and one on StateUnavailable, for every appliance)', () => {
  const query = (metric: string, namespace = 'NetScaler/MPTCP') =>
    `SELECT SUM(${metric}) FROM SCHEMA("${namespace}", Appliance) GROUP BY Appliance ORDER BY SUM() DESC LIMIT 500`;
  const expected = {
    ProtocolErrors: { metric: 'ProtocolErrors', threshold: 100 },
    ResourceExhaustion: { metric: 'AllocationFailures', threshold: 0 },
    JoinsRejected: { metric: 'JoinsRejected', threshold: 0 },
    FallbacksToTcp: { metric: 'Fallbacks', threshold: 100 },
    StateUnavailable: { metric: 'StateUnavailable', threshold: 2 },
  };

  it.each([1, 30])(
    'are exactly one alarm per rollup and one on StateUnavailable whatever the number of appliances (%i), with its query, threshold and actions',
    (count) => {
      const { template } = synthConfig({ appliances: manyAppliances(count), alarms: { emails: ['oncall@example.com'] } } as ConfigInput);
      const topic = { Ref: onlyResource(template, 'AWS::SNS::Topic').id };
      const fleet = Object.values(fleetAlarmsOf(template));
      expect(fleet.map((p) => p.AlarmName).sort()).toEqual(FLEET_SUFFIXES.map((suffix) => `Test-${suffix}`).sort());
      expect(Object.keys(expected).sort()).toEqual([...FLEET_SUFFIXES].sort());
      for (const [suffix, { metric, threshold }] of Object.entries(expected)) {
        const props = fleetAlarm(template, suffix);
        expect(props.Metrics).toEqual([{ Id: 'expr_1', Expression: query(metric), Period: 300, ReturnData: true }]);
        expect(props).toMatchObject({
          Threshold: threshold,
          ComparisonOperator: 'GreaterThanThreshold',
          EvaluationPeriods: 1,
          DatapointsToAlarm: 1,
          TreatMissingData: 'notBreaching',
          AlarmActions: [topic],
          OKActions: [topic],
        });
        expect(props.MetricName).toBeUndefined();
        expect(props.Dimensions).toBeUndefined();
      }
      // The 5 fleet alarms; per appliance: CollectionFailing, SessionsWithoutSubflows, SessionsCreatedAnomaly; the collector: 3 and CollectorDown.
      expect(Object.keys(alarmsOf(template))).toHaveLength(5 + 4 + count * 3);
    },
  );

  it('notify on ALARM and OK with notify "per-alarm" too, read the configured namespace, and take the alarm name prefix', () => {
    const { template } = synthConfig(
      configWith({ namespace: 'Lab/MPTCP', alarms: { emails: ['oncall@example.com'], notify: 'per-alarm' } }),
    );
    const topic = { Ref: onlyResource(template, 'AWS::SNS::Topic').id };
    const props = fleetAlarm(template, 'JoinsRejected');
    expect(props.Metrics![0]!.Expression).toBe(query('JoinsRejected', 'Lab/MPTCP'));
    expect(props).toMatchObject({ AlarmName: 'Test-JoinsRejected', AlarmActions: [topic], OKActions: [topic] });
    expect(descriptionText(props)).toContain('every appliance of namespace Lab/MPTCP');
  });

  it('tell the paged engineer that the contributor names the appliance, how to list contributors, and where the runbook is', () => {
    const { template } = synthConfig(configWith());
    for (const suffix of FLEET_SUFFIXES) {
      const text = descriptionText(fleetAlarm(template, suffix));
      expect(text, suffix).toMatch(/^\[each appliance\] /);
      expect(text, suffix).toContain("the contributor's Appliance dimension names it");
      expect(text, suffix).toContain(`aws cloudwatch describe-alarm-contributors --alarm-name "Test-${suffix}"`);
      expect(text, suffix).toContain(`docs/runbook.md#${suffix.toLowerCase()}`);
      expect(text.length, suffix).toBeLessThanOrEqual(1024);
    }
  });

  it('stay one alarm per appliance, with a warning, when their window is longer than the 3 hours Metrics Insights evaluates', () => {
    const { template, stack } = synthConfig(configWith({ alarms: { fallbacks: { periodMinutes: 60, evaluationPeriods: 4 } } }));
    expect(Object.values(fleetAlarmsOf(template)).map((p) => p.AlarmName)).toEqual([
      'Test-ProtocolErrors',
      'Test-ResourceExhaustion',
      'Test-JoinsRejected',
      'Test-StateUnavailable',
    ]);
    expect(alarm(template, 'adc-1', 'FallbacksToTcp')).toMatchObject({ MetricName: 'Fallbacks', Period: 3600, EvaluationPeriods: 4 });
    expect(warningsOf(stack).filter((w) => w.includes('not a fleet alarm'))).toEqual([
      'The fallbacks alarm is one per appliance, not a fleet alarm: its window of 240 minutes (4 x 60) is longer than the 180 minutes a Metrics Insights alarm evaluates. Each appliance pays for it every month; shorten the window to get one alarm for every appliance. [ack: Annotation::mptcp-monitoring:alarm-per-appliance:fallbacks]',
    ]);
    // 3 hours exactly is a fleet alarm.
    const three = synthConfig(configWith({ alarms: { fallbacks: { periodMinutes: 60, evaluationPeriods: 3 } } }));
    expect(fleetAlarm(three.template, 'FallbacksToTcp')).toMatchObject({ EvaluationPeriods: 3 });
    expect(fleetAlarm(three.template, 'FallbacksToTcp').Metrics![0]!.Period).toBe(3600);
    expect(warningsOf(three.stack).filter((w) => w.includes('not a fleet alarm'))).toEqual([]);
  });
});
