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
    MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: string }[] }; Stat: string; Period: number };
  }[];
};

function alarmsOf(template: Template): Record<string, AlarmProps> {
  return Object.fromEntries(Object.entries(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map(([id, r]) => [id, r.Properties as AlarmProps]));
}

/** The alarm whose logical id contains `appliance` (without dashes) and `suffix`. */
function alarm(template: Template, appliance: string, suffix: string): AlarmProps {
  const key = `${appliance.replace(/[^A-Za-z0-9]/g, '')}${suffix}`;
  const found = Object.entries(alarmsOf(template)).filter(([id]) => id.includes(key));
  if (found.length !== 1) throw new Error(`expected one alarm ${key}, found ${found.length}`);
  return found[0]![1];
}

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
    expect(Object.keys(alarmsOf(perAlarm))).toHaveLength(3 + 2 * 8);
    for (const [id, props] of Object.entries(alarmsOf(perAlarm))) {
      expect(props.AlarmActions, id).toEqual([{ Ref: topicId }]);
      expect(props.OKActions, id).toEqual([{ Ref: topicId }]);
    }
    for (const [id, props] of Object.entries(all)) {
      const text = descriptionText(props);
      expect(text.length, id).toBeLessThanOrEqual(1024);
      expect(text, id).toMatch(/Runbook: https:\/\/github\.com\/netscaler-mptcp-cloudwatch\/netscaler-mptcp-cloudwatch\/blob\/main\/docs\/runbook\.md#[a-z]+/);
    }
  });

  it('name the appliance in each appliance alarm', () => {
    for (const suffix of [
      'CollectionFailing',
      'ProtocolErrors',
      'ResourceExhaustion',
      'JoinsRejected',
      'SessionsWithoutSubflows',
      'FallbacksToTcp',
      'SessionsCreatedAnomaly',
      'FallbacksAnomaly',
    ]) {
      expect(descriptionText(alarm(template, 'adc-2', suffix))).toMatch(/^\[adc-2\] /);
    }
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

  it('watch the ProtocolErrors rollup for protocol errors (one metric, no metric math)', () => {
    const props = alarm(template, 'adc-1', 'ProtocolErrors');
    expect(props).toMatchObject({ MetricName: 'ProtocolErrors', Statistic: 'Sum', Period: 300 });
    expect(props.Metrics).toBeUndefined();
    expect(props).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 100, TreatMissingData: 'notBreaching' });
  });

  it('alarm on any allocation failure and any rejected join, each on its rollup', () => {
    expect(metricNames(alarm(template, 'adc-1', 'ResourceExhaustion'))).toEqual(['AllocationFailures']);
    expect(alarm(template, 'adc-1', 'ResourceExhaustion')).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(metricNames(alarm(template, 'adc-1', 'JoinsRejected'))).toEqual(['JoinsRejected']);
    expect(alarm(template, 'adc-1', 'JoinsRejected')).toMatchObject({ Threshold: 0, TreatMissingData: 'notBreaching' });
  });

  it('alarm on a sustained number of sessions without subflows and on fallbacks to plain TCP', () => {
    expect(alarm(template, 'adc-1', 'SessionsWithoutSubflows')).toMatchObject({
      MetricName: 'CurrentSessionsWithoutSubflows',
      Statistic: 'Maximum',
      Threshold: 500,
      EvaluationPeriods: 3,
      TreatMissingData: 'notBreaching',
    });
    expect(metricNames(alarm(template, 'adc-1', 'FallbacksToTcp'))).toEqual(['Fallbacks']);
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
    expect(names).toContain('Test-adc-1-FallbacksToTcp');
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
      expect(text).toMatch(/Runbook: https:\/\/github\.com\/netscaler-mptcp-cloudwatch\/netscaler-mptcp-cloudwatch\/blob\/main\/docs\/runbook\.md#[a-z]+/);
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
    const fallbacks = alarm(template, 'adc-1', 'FallbacksToTcp');
    expect(fallbacks).toMatchObject({ Threshold: 7, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    expect(fallbacks).toMatchObject({ MetricName: 'Fallbacks', Period: 600 });
    expect(descriptionText(fallbacks)).toContain('More than 7 MPTCP sessions fell back to plain TCP in 2 of 3 consecutive 10-minute periods');
    expect(alarm(template, 'adc-1', 'CollectionFailing')).toMatchObject({ EvaluationPeriods: 5, DatapointsToAlarm: 4 });
    const duration = Object.entries(alarmsOf(template)).find(([id]) => id.includes('CollectorNearTimeout'))![1];
    expect(duration.Threshold).toBe(32_850);
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
    const { template, stack } = synthConfig(configWith({ alarms: { fallbacks: { enabled: false }, functionThrottles: { enabled: false } } }));
    expect(Object.keys(alarmsOf(template)).some((id) => id.includes('FallbacksToTcp') || id.includes('CollectorThrottled'))).toBe(false);
    // 2 collector alarms and CollectorDown; 7 of the 8 alarms per appliance.
    expect(Object.keys(alarmsOf(template))).toHaveLength(3 + 2 * 7);
    expect(warningsOf(stack).some((w) => w.includes('fallbacks'))).toBe(false);
  });

  it('watches the ProtocolErrors rollup with "all" too, or sums the configured counters', () => {
    const all = synthConfig(configWith({ counters: 'all' })).template;
    expect(metricNames(alarm(all, 'adc-1', 'ProtocolErrors'))).toEqual(['ProtocolErrors']);
    const chosen = synthConfig(
      configWith({ counters: 'all', alarms: { protocolErrors: { metrics: ['DuplicateMappingErrors', 'RssFilterFailures'] } } }),
    ).template;
    const props = alarm(chosen, 'adc-1', 'ProtocolErrors');
    expect(metricNames(props)).toEqual(['DuplicateMappingErrors', 'RssFilterFailures']);
    expect(props.Metrics![0]!.Expression).toBe('SUM([m0,m1])');
  });
});

describe('alarms whose metrics are not selected', () => {
  it('are skipped with a synth-time warning naming the alarm and why', () => {
    const { template, stack } = synthConfig(configWith({ counters: 'CurrentSessions,SessionsCreated' }));
    // The counter alarms watch rollups, published whatever the selection: only the gauge alarm is skipped.
    const perAppliance = [
      'CollectionFailing',
      'ProtocolErrors',
      'ResourceExhaustion',
      'JoinsRejected',
      'FallbacksToTcp',
      'SessionsCreatedAnomaly',
      'FallbacksAnomaly',
    ];
    const ids = Object.keys(alarmsOf(template));
    expect(
      ids.filter((id) => id.includes('ApplianceAlarms')).map((id) => id.replace(/^MonitoringApplianceAlarmsadc\d/, '').replace(/[0-9A-F]{8}$/, '')),
    ).toEqual([...perAppliance, ...perAppliance]);
    const warnings = warningsOf(stack);
    expect(warnings.filter((w) => / alarm is not created: /.test(w)).map((w) => w.split(' ')[1])).toEqual(['sessionsWithoutSubflows']);
    expect(warnings.find((w) => w.startsWith('The sessionsWithoutSubflows alarm'))).toContain('CurrentSessionsWithoutSubflows is not in the counter selection');
    const withoutSessionsCreated = warningsOf(synthConfig(configWith({ counters: 'CurrentSessions' })).stack);
    expect(withoutSessionsCreated.find((w) => w.startsWith('The sessionsCreatedAnomaly alarm'))).toContain('SessionsCreated is not in the counter selection');
  });
});

describe('a fleet whose alarms do not fit one template', () => {
  const appliances = manyAppliances(40);
  const { stack, template } = synthConfig({ appliances, alarms: { emails: ['oncall@example.com'] } } as ConfigInput);
  const nested = stack.node.findAll().filter((c): c is NestedStack => c instanceof NestedStack);

  it('puts appliance alarms into nested stacks of at most the per-template limit, in config order', () => {
    // 8 alarms and 1 composite page per appliance.
    const perStack = Math.floor(MAX_APPLIANCE_ALARMS_PER_TEMPLATE / 9);
    expect(nested).toHaveLength(Math.ceil(40 / perStack));
    const counts = nested.map((n) => Object.keys(alarmsOf(Template.fromStack(n))).length);
    expect(counts).toEqual([perStack * 8, (40 - perStack) * 8]);
    const pages = nested.map((n) => Object.keys(resourcesOf(Template.fromStack(n), 'AWS::CloudWatch::CompositeAlarm')).length);
    expect(pages).toEqual([perStack, 40 - perStack]);
    // The collector's 3 alarms and CollectorDown.
    expect(Object.keys(alarmsOf(template))).toHaveLength(4);
    template.resourceCountIs('AWS::CloudFormation::Stack', nested.length);
    expect(descriptionText(alarm(Template.fromStack(nested[1]!), 'adc-040', 'CollectionFailing'))).toMatch(/^\[adc-040\]/);
  });

  it('names nested alarms with their group, and lists them on the dashboard by name (no cross-stack outputs)', () => {
    const inner = Template.fromStack(nested[1]!);
    expect(inner.toJSON().Outputs).toBeUndefined();
    expect(alarm(inner, 'adc-040', 'CollectionFailing').AlarmName).toBe('Test-adc-040-CollectionFailing-g2');
    const body = JSON.stringify(onlyResource(template, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody);
    expect(body).toContain(':alarm:Test-adc-040-CollectionFailing-g2');
    expect(body.match(/:alarm:Test-adc-\d+-/g)).toHaveLength(40 * 9);
    expect(body).toContain(':alarm:Test-adc-040-Incident-g2');
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
      MetricStat: { Metric: { MetricName: 'SessionsCreated', Dimensions: [{ Name: 'Appliance', Value: 'adc-1' }] }, Stat: 'Sum', Period: 300 },
    });
    expect(props.Threshold).toBeUndefined();
  });

  it('alarm when fallbacks to plain TCP rise above their band (the band of the Fallbacks rollup)', () => {
    const props = alarm(template, 'adc-2', 'FallbacksAnomaly');
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
          fallbacksAnomaly: { enabled: false },
        },
      }),
    ).template;
    const props = alarm(configured, 'adc-1', 'SessionsCreatedAnomaly');
    expect(band(props)?.Expression).toBe('ANOMALY_DETECTION_BAND(m0, 2.5)');
    expect(props).toMatchObject({ EvaluationPeriods: 4, DatapointsToAlarm: 3 });
    expect(props.Metrics!.find((m) => m.MetricStat)!.MetricStat!.Period).toBe(900);
    expect(Object.keys(alarmsOf(configured)).some((id) => id.includes('FallbacksAnomaly'))).toBe(false);
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
    expect(members).toHaveLength(8);
    expect(ruleIds(page.AlarmRule).sort()).toEqual(members.map((name) => ids[name]).sort());
    expect(JSON.stringify(page.AlarmRule)).toMatch(/^\{"Fn::Join":\["",\["\(ALARM\(\\"",.*\\"\) OR ALARM\(\\"/);
    expect(page).toMatchObject({ AlarmActions: [topic], OKActions: [topic] });
    for (const props of Object.values(alarmsOf(template))) {
      expect(props.AlarmActions).toBeUndefined();
      expect(props.OKActions).toBeUndefined();
    }
  });

  it('says in the notification which member alarms it stands for and how to see the ones in ALARM', () => {
    const text = descriptionText(composites['Test-adc-1-Incident']! as AlarmProps);
    expect(text).toMatch(/^\[adc-1\] One page for this appliance: in ALARM while any of its 8 alarms is: CollectionFailing \(no successful collection\); /);
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
    const page = Object.values(resourcesOf(quick, 'AWS::CloudWatch::CompositeAlarm')).find((r) => r.Properties!.AlarmName === 'Test-adc-1-Incident')!;
    expect(page.Properties).toMatchObject({ ActionsSuppressorWaitPeriod: 120, ActionsSuppressorExtensionPeriod: 240 });
  });

  it('refuses an unknown notify mode', () => {
    expect(() => synthConfig(configWith({ alarms: { notify: 'per-page' } }))).toThrow(/alarms\.notify must be "per-appliance" or "per-alarm"/);
  });
});
