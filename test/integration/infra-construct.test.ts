import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { SETTING_ROWS } from '../../infra/config/settings-rules.js';
import { VPC_PROP_FIELDS } from '../../infra/constructs/props-check.js';
import { MptcpMonitoring, type MptcpMonitoringProps, type MptcpVpcProps } from '../../infra/index.js';
import { ALARM_FIELDS } from '../../infra/model/alarm-plan.js';
import { nearTimeoutThresholdMs } from '../../infra/model/sizing.js';
import { APPLIANCES, onlyResource } from '../support/synth-config.js';

/** The construct in a user's own stack, as docs/configuration.md shows it. */
function userStack(props: Partial<MptcpMonitoringProps> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'UserStack');
  const monitoring = new MptcpMonitoring(stack, 'Mptcp', { appliances: APPLIANCES, ...props });
  return { stack, monitoring, template: Template.fromStack(stack) };
}

describe('MptcpMonitoring in a user stack', () => {
  it('works with appliances alone and exposes its parts', () => {
    const { monitoring, template } = userStack();
    expect(monitoring.selection.length).toBeGreaterThan(20);
    expect(monitoring.schedules).toHaveLength(1);
    // 3 collector alarms and CollectorDown, 5 fleet alarms, 3 per appliance; pages: CollectorFailing, the fleet
    // alarms (they notify per appliance themselves) and one Incident per appliance.
    expect(monitoring.alarms).toHaveLength(4 + 5 + 2 * 3);
    expect(monitoring.fleetAlarms).toHaveLength(5);
    expect(monitoring.pages).toHaveLength(1 + 5 + 2);
    expect(monitoring.alarmPlan.fleet.map((a) => a.kind)).toEqual([
      'protocolErrors',
      'resourceExhaustion',
      'joinsRejected',
      'fallbacks',
      'stateUnavailable',
    ]);
    expect(monitoring.timeout.toSeconds()).toBe(50);
    expect(monitoring.dashboard).toBeDefined();
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('takes typed props: interval, timeout, retention, removal, an existing topic', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'UserStack');
    const topic = new sns.Topic(stack, 'MyTopic');
    new MptcpMonitoring(stack, 'Mptcp', {
      appliances: APPLIANCES,
      schedule: { rateMinutes: 2 },
      function: { timeoutSeconds: 90, logRetentionDays: 7, retainLogGroup: false },
      alarms: { topic, fallbacks: { threshold: 3 }, notify: 'per-alarm' },
      dashboard: { enabled: false },
    });
    const template = Template.fromStack(stack);
    expect(onlyResource(template, 'AWS::Lambda::Function').Properties.Timeout).toBe(90);
    expect(onlyResource(template, 'AWS::Scheduler::Schedule').Properties.ScheduleExpression).toBe('rate(2 minutes)');
    expect(onlyResource(template, 'AWS::Logs::LogGroup')).toMatchObject({ Properties: { RetentionInDays: 7 }, DeletionPolicy: 'Delete' });
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 3,
      AlarmActions: [{ Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) }],
    });
  });

  it('validates its props with messages that name the prop and the rule', () => {
    expect(() => userStack({ appliances: [{ ...APPLIANCES[0]!, url: 'adc-1' }] })).toThrow(
      'MptcpMonitoring: invalid props (1 problem):\n  appliances[0] (adc-1).url must be an absolute https:// URL',
    );
    expect(() => userStack({ counters: 'Nope' })).toThrow(/counters names an unknown counter "Nope"/);
    expect(() => userStack({ namespace: 'AWS/MPTCP' })).toThrow('namespace must not start with "AWS/"');
    expect(() => userStack({ schedule: { rateMinutes: 1.5 } })).toThrow(
      'schedule.rateMinutes must be a whole number of minutes from 1 to 1440 (got 1.5)',
    );
    expect(() => userStack({ function: { timeoutSeconds: 60 } })).toThrow(
      'function.timeoutSeconds must be at most 50 seconds with a 1-minute interval',
    );
    expect(() => userStack({ schedule: { shardSize: 0 } })).toThrow('schedule.shardSize must be a whole number from 1 to 100 (got 0)');
    expect(() => userStack({ function: { memoryMiB: 100 } })).toThrow(
      'function.memoryMiB must be a whole number of MiB from 128 to 10240 (got 100)',
    );
    expect(() => userStack({ alarms: { fallbacks: { evaluationPeriods: 1, datapointsToAlarm: 2 } } })).toThrow(
      'alarms.fallbacks.datapointsToAlarm must be at most evaluationPeriods (1)',
    );
    expect(() => userStack({ alarms: { protocolErrors: { metrics: ['DssPackets'] } } })).toThrow(
      'alarms.protocolErrors.metrics names "DssPackets"',
    );
  });

  it('names every setting by the same path in the props as in the config file, the alarm fields too', () => {
    const both = SETTING_ROWS.filter((row) => row.file && row.prop);
    expect(both.length).toBeGreaterThan(10);
    expect(both.filter((row) => row.alarm).length).toBe(Object.values(ALARM_FIELDS).flat().length);
    for (const row of both) expect(`${row.id}: ${row.prop!.path}`).toBe(`${row.id}: ${row.file}`);
  });

  it('refuses each renamed prop with its new name', () => {
    const renamed: [Record<string, unknown>, string][] = [
      [{ memorySize: 512 }, 'memorySize was renamed to function.memoryMiB'],
      [{ interval: 5 }, 'interval was renamed to schedule.rateMinutes'],
      [{ timeout: 30 }, 'timeout was renamed to function.timeoutSeconds'],
      [{ logRetention: 7 }, 'logRetention was renamed to function.logRetentionDays'],
      [{ logGroupRemovalPolicy: 'destroy' }, 'logGroupRemovalPolicy was renamed to function.retainLogGroup'],
      [{ secretsEncryptionKeyArns: [] }, 'secretsEncryptionKeyArns was renamed to secretsKmsKeyArns'],
      [{ dashboard: false }, 'dashboard was renamed to dashboard.enabled'],
      [{ shardSize: 5 }, 'shardSize was renamed to schedule.shardSize'],
      [{ concurrency: 5 }, 'concurrency was renamed to schedule.concurrency'],
      [{ alarms: { protocolErrorMetrics: ['x'] } }, 'alarms.protocolErrorMetrics was renamed to alarms.protocolErrors.metrics'],
      [{ alarms: { settings: { fallbacks: { threshold: 3 } } } }, 'alarms.settings.fallbacks was renamed to alarms.fallbacks'],
    ];
    for (const [props, message] of renamed) {
      expect(() => userStack(props as Partial<MptcpMonitoringProps>)).toThrow('MptcpMonitoring: invalid props (1 problem):');
      expect(() => userStack(props as Partial<MptcpMonitoringProps>)).toThrow(message);
    }
  });

  it('refuses alarms.settings with the move of each alarm given: alarms.settings.<alarm> was renamed to alarms.<alarm>', () => {
    const message = (props: Record<string, unknown>) => {
      try {
        userStack(props as Partial<MptcpMonitoringProps>);
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    };
    expect(
      message({
        alarms: { settings: { protocolErrors: { threshold: 7 }, functionDuration: { thresholdPercent: 70 } }, fallbacks: { threshold: 3 } },
      }),
    ).toBe(
      'MptcpMonitoring: invalid props (2 problems):\n' +
        "  alarms.settings.protocolErrors was renamed to alarms.protocolErrors (the config file's name; see CHANGELOG.md)\n" +
        "  alarms.settings.functionDuration was renamed to alarms.functionDuration (the config file's name; see CHANGELOG.md)",
    );
    expect(message({ alarms: { settings: { fallback: { threshold: 3 } } } })).toContain(
      'alarms.settings.fallback is no alarm; did you mean "fallbacks"? alarms.settings.<alarm> was renamed to alarms.<alarm>',
    );
    expect(message({ alarms: { settings: {} } })).toContain(
      'alarms.settings was renamed to alarms.<alarm>, one object per alarm (e.g. alarms.fallbacks)',
    );
  });

  it("takes each alarm's settings at alarms.<alarm>, as the config file: protocolErrors beside its metrics", () => {
    const { monitoring, template } = userStack({
      counters: 'all',
      alarms: {
        protocolErrors: { threshold: 7, metrics: ['DuplicateMappingErrors', 'RssFilterFailures'] },
        sessionsCreatedAnomaly: { bandWidth: 4 },
        functionDuration: { thresholdPercent: 70 },
        notify: 'per-alarm',
      },
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: Record<string, unknown> }[];
    const named = (suffix: string) => alarms.filter((a) => String(a.Properties.AlarmName).endsWith(suffix));
    // The listed counters make protocolErrors one alarm per appliance, each summing them, above 7.
    const protocolErrors = named('-ProtocolErrors');
    expect(protocolErrors.map((a) => a.Properties.AlarmName)).toEqual([
      'UserStack-Mptcp-adc-1-ProtocolErrors',
      'UserStack-Mptcp-adc-2-ProtocolErrors',
    ]);
    for (const alarm of protocolErrors) {
      expect(alarm.Properties.Threshold).toBe(7);
      expect(JSON.stringify(alarm.Properties.Metrics)).toContain('SUM([m0,m1])');
      for (const counter of ['DuplicateMappingErrors', 'RssFilterFailures'])
        expect(JSON.stringify(alarm.Properties.Metrics)).toContain(counter);
    }
    const anomaly = named('-SessionsCreatedAnomaly');
    expect(anomaly).toHaveLength(2);
    for (const alarm of anomaly) expect(JSON.stringify(alarm.Properties.Metrics)).toContain('ANOMALY_DETECTION_BAND(m0, 4)');
    const [duration] = alarms.filter((a) => a.Properties.MetricName === 'Duration');
    expect(duration?.Properties.Threshold).toBe(nearTimeoutThresholdMs(monitoring.timeout.toMilliseconds(), 70));
    expect(nearTimeoutThresholdMs(monitoring.timeout.toMilliseconds(), 70)).not.toBe(
      nearTimeoutThresholdMs(monitoring.timeout.toMilliseconds(), 80),
    );
    expect(monitoring.alarmPlan.perAppliance.find((a) => a.kind === 'protocolErrors')?.settings.threshold).toBe(7);
  });

  it('notifies an existing topic given by ARN, as the config file names it', () => {
    const arn = 'arn:aws:sns:eu-west-1:123456789012:pager';
    const { template } = userStack({ alarms: { topicArn: arn, notify: 'per-alarm' } });
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [arn] });
  });

  it('refuses at synth what the deployed function or CloudWatch would refuse (issue 14)', () => {
    const cases: [Partial<MptcpMonitoringProps>, string][] = [
      [{ schedule: { concurrency: 500 } }, 'schedule.concurrency must be a whole number from 1 to 100 (got 500)'],
      [{ schedule: { rateMinutes: 2880 } }, 'schedule.rateMinutes must be a whole number of minutes from 1 to 1440 (got 2880)'],
      [{ schedule: { shardSize: 1000 } }, 'schedule.shardSize must be a whole number from 1 to 100 (got 1000)'],
      [{ alarms: { fallbacks: { threshold: -1 } } }, 'alarms.fallbacks.threshold must be a number >= 0 (got -1)'],
      [{ alarms: { protocolErrors: { periodMinutes: 0 } } }, 'alarms.protocolErrors.periodMinutes must be a whole number of minutes'],
      [
        { alarms: { joinsRejected: { evaluationPeriods: 5000 } } },
        'alarms.joinsRejected.evaluationPeriods must be a whole number from 1 to 1440',
      ],
      [{ alarms: { collectionFailing: { threshold: 2 } as never } }, 'alarms.collectionFailing has unknown field "threshold"'],
      [{ alarms: { functionDuration: { threshold: 90 } as never } }, 'alarms.functionDuration has unknown field "threshold"'],
    ];
    for (const [props, message] of cases) expect(() => userStack(props), message).toThrow(message);
  });

  it('reports every bad prop at once, each in full', () => {
    const bad = {
      concurrency: 0,
      shardSize: 0,
      memorySize: 1,
      namespace: 'AWS/x',
      counters: 'Nope1,Nope2',
      storageResolution: 5 as 60,
      title: '',
    };
    let message = '';
    try {
      userStack(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^MptcpMonitoring: invalid props \(8 problems\):\n/);
    expect(message.split('\n')).toHaveLength(1 + 8);
    expect(message).not.toContain('more problem');
  });

  it('refuses unknown props with the closest known name, as the config file does (a JavaScript app has no type check)', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ schedulesEnabld: false }, 'props has unknown field "schedulesEnabld"; did you mean "schedulesEnabled"?'],
      [{ alarms: { emals: ['a@example.com'] } }, 'alarms has unknown field "emals"; did you mean "emails"?'],
      [{ alarms: { fallback: { threshold: 1 } } }, 'alarms has unknown field "fallback"; did you mean "fallbacks"?'],
      [{ alarms: { fallbacks: { treshold: 1 } } }, 'alarms.fallbacks has unknown field "treshold"; did you mean "threshold"?'],
      [
        { alarms: { protocolErrors: { treshold: 1, metrics: ['DssPackets'] } } },
        'alarms.protocolErrors has unknown field "treshold"; did you mean "threshold"?',
      ],
      [
        { alarms: { protocolErrors: { metric: ['DssPackets'] } } },
        'alarms.protocolErrors has unknown field "metric"; did you mean "metrics"?',
      ],
      [{ vpc: { vpc: {}, subnets: {}, endpoint: {} } }, 'vpc has unknown field "endpoint"; did you mean "endpoints"?'],
    ];
    for (const [props, message] of cases) expect(() => userStack(props as Partial<MptcpMonitoringProps>), message).toThrow(message);
  });

  it("types each alarm's fields from ALARM_FIELDS: an unknown field, or alarms.settings, does not compile (tsc checks these)", () => {
    const typed = (props: MptcpMonitoringProps) => props.alarms;
    expect(
      typed({
        appliances: APPLIANCES,
        alarms: { protocolErrors: { threshold: 7, metrics: ['ProtocolErrors'] }, functionDuration: { thresholdPercent: 70 } },
      }),
    ).toBeDefined();
    // @ts-expect-error a misspelled field of an alarm
    typed({ appliances: APPLIANCES, alarms: { protocolErrors: { treshold: 7 } } });
    // @ts-expect-error functionDuration's threshold is thresholdPercent
    typed({ appliances: APPLIANCES, alarms: { functionDuration: { threshold: 70 } } });
    // @ts-expect-error alarms.settings was renamed to alarms.<alarm>
    typed({ appliances: APPLIANCES, alarms: { settings: { fallbacks: { threshold: 3 } } } });
  });

  it('lists every field of MptcpVpcProps in its shape check', () => {
    const fields = { vpc: true, subnets: true, securityGroups: true, endpoints: true } satisfies Record<keyof MptcpVpcProps, true>;
    expect([...VPC_PROP_FIELDS].sort()).toEqual(Object.keys(fields).sort());
  });

  it('names the alarm settings as the config file does: thresholdPercent, bandWidth', () => {
    const { template } = userStack({
      alarms: { functionDuration: { thresholdPercent: 50 }, fallbacksAnomaly: { enabled: true, bandWidth: 2.5 }, notify: 'per-alarm' },
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: Record<string, unknown> }[];
    const band = alarms.find(
      (a) => JSON.stringify(a.Properties).includes('ANOMALY_DETECTION_BAND') && JSON.stringify(a.Properties).includes('2.5'),
    );
    expect(band, 'an anomaly band of 2.5 standard deviations').toBeDefined();
    expect(() => userStack({ alarms: { functionDuration: { thresholdPercent: 101 } } })).toThrow(
      'alarms.functionDuration.thresholdPercent must be a percentage of the collection window from 1 to 100',
    );
  });

  it('metric() refuses an unknown metric, an unselected counter and an unknown appliance at synth', () => {
    const { monitoring } = userStack({ counters: 'default' });
    expect(monitoring.metric('CollectionSuccess', 'adc-1').metricName).toBe('CollectionSuccess');
    expect(monitoring.metric(monitoring.selection[0]!.metricName, 'adc-2').metricName).toBe(monitoring.selection[0]!.metricName);
    expect(() => monitoring.metric('CollectionSucess', 'adc-1')).toThrow(
      'unknown metric "CollectionSucess"; did you mean "CollectionSuccess"',
    );
    expect(() => monitoring.metric('CollectionSuccess', 'adc-3')).toThrow(
      'MptcpMonitoring.metric: unknown appliance "adc-3"; did you mean "adc-1"?',
    );
    const unselected = userStack({ counters: 'ChecksumErrors' }).monitoring;
    expect(() => unselected.metric('SessionsCreated', 'adc-1')).toThrow(
      'the counter SessionsCreated is not published: it is not in "counters"',
    );
    expect(() => unselected.metric('VirtualServerMptcpSessions', 'adc-1')).toThrow('lists none');
    // The rollups are published whatever the selection; CollectionDuration is in the sample records only.
    expect(unselected.metric('ProtocolErrors', 'adc-1').metricName).toBe('ProtocolErrors');
    expect(() => unselected.metric('CollectionDuration', 'adc-1')).toThrow(
      'CollectionDuration is not a CloudWatch metric: it is in the sample records',
    );
  });

  it('links the alarm runbook at runbookBaseUrl: the repository docs page by default, or your own', () => {
    const descriptions = (template: Template) =>
      [
        ...Object.values(template.findResources('AWS::CloudWatch::Alarm')),
        ...Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm')),
      ].map((r) => JSON.stringify((r as { Properties: { AlarmDescription: unknown } }).Properties.AlarmDescription));
    const own = descriptions(userStack({ alarms: { runbookBaseUrl: 'https://wiki.example.com/mptcp-runbook' } }).template);
    expect(own.length).toBeGreaterThan(10);
    for (const text of own) expect(text).toMatch(/Runbook: https:\/\/wiki\.example\.com\/mptcp-runbook#[a-z]+/);
    expect(descriptions(userStack().template).join(' ')).toContain(
      'Runbook: https://github.com/netscaler-mptcp-cloudwatch/netscaler-mptcp-cloudwatch/blob/main/docs/runbook.md#protocolerrors',
    );
    expect(() => userStack({ alarms: { runbookBaseUrl: 'https://wiki.example.com/runbook#top' } })).toThrow(
      'alarms.runbookBaseUrl must be an absolute https:// URL',
    );
  });
});
