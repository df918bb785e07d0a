import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { SETTING_ROWS } from '../../infra/config/settings-rules.js';
import { VPC_PROP_FIELDS } from '../../infra/constructs/props-check.js';
import { MptcpMonitoring, type MptcpMonitoringProps, type MptcpVpcProps } from '../../infra/index.js';
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
    expect(monitoring.alarmPlan.fleet.map((a) => a.kind)).toEqual(['protocolErrors', 'resourceExhaustion', 'joinsRejected', 'fallbacks', 'stateUnavailable']);
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
      alarms: { topic, settings: { fallbacks: { threshold: 3 } }, notify: 'per-alarm' },
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
    expect(() => userStack({ schedule: { rateMinutes: 1.5 } })).toThrow('schedule.rateMinutes must be a whole number of minutes from 1 to 1440 (got 1.5)');
    expect(() => userStack({ function: { timeoutSeconds: 60 } })).toThrow('function.timeoutSeconds must be at most 50 seconds with a 1-minute interval');
    expect(() => userStack({ schedule: { shardSize: 0 } })).toThrow('schedule.shardSize must be a whole number from 1 to 100 (got 0)');
    expect(() => userStack({ function: { memoryMiB: 100 } })).toThrow('function.memoryMiB must be a whole number of MiB from 128 to 10240 (got 100)');
    expect(() => userStack({ alarms: { settings: { fallbacks: { evaluationPeriods: 1, datapointsToAlarm: 2 } } } })).toThrow(
      'alarms.settings.fallbacks.datapointsToAlarm must be at most evaluationPeriods (1)',
    );
    expect(() => userStack({ alarms: { protocolErrors: { metrics: ['DssPackets'] } } })).toThrow('alarms.protocolErrors.metrics names "DssPackets"');
  });

  it('names every setting by the same path in the props as in the config file', () => {
    // The per-alarm fields stay under alarms.settings in the props for now (the alarms are being redesigned).
    const both = SETTING_ROWS.filter((row) => row.file && row.prop && !row.prop.path.startsWith('alarms.settings.'));
    expect(both.length).toBeGreaterThan(10);
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
    ];
    for (const [props, message] of renamed) {
      expect(() => userStack(props as Partial<MptcpMonitoringProps>)).toThrow('MptcpMonitoring: invalid props (1 problem):');
      expect(() => userStack(props as Partial<MptcpMonitoringProps>)).toThrow(message);
    }
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
      [{ alarms: { settings: { fallbacks: { threshold: -1 } } } }, 'alarms.settings.fallbacks.threshold must be a number >= 0 (got -1)'],
      [{ alarms: { settings: { protocolErrors: { periodMinutes: 0 } } } }, 'alarms.settings.protocolErrors.periodMinutes must be a whole number of minutes'],
      [
        { alarms: { settings: { joinsRejected: { evaluationPeriods: 5000 } } } },
        'alarms.settings.joinsRejected.evaluationPeriods must be a whole number from 1 to 1440',
      ],
      [{ alarms: { settings: { collectionFailing: { threshold: 2 } as never } } }, 'alarms.settings.collectionFailing has unknown field "threshold"'],
      [{ alarms: { settings: { functionDuration: { threshold: 90 } as never } } }, 'alarms.settings.functionDuration has unknown field "threshold"'],
    ];
    for (const [props, message] of cases) expect(() => userStack(props), message).toThrow(message);
  });

  it('reports every bad prop at once, each in full', () => {
    const bad = { concurrency: 0, shardSize: 0, memorySize: 1, namespace: 'AWS/x', counters: 'Nope1,Nope2', storageResolution: 5 as 60, title: '' };
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
      [{ alarms: { settings: { fallback: { threshold: 1 } } } }, 'alarms.settings has unknown field "fallback"; did you mean "fallbacks"?'],
      [{ alarms: { settings: { fallbacks: { treshold: 1 } } } }, 'alarms.settings.fallbacks has unknown field "treshold"; did you mean "threshold"?'],
      [{ vpc: { vpc: {}, subnets: {}, endpoint: {} } }, 'vpc has unknown field "endpoint"; did you mean "endpoints"?'],
    ];
    for (const [props, message] of cases) expect(() => userStack(props as Partial<MptcpMonitoringProps>), message).toThrow(message);
  });

  it('lists every field of MptcpVpcProps in its shape check', () => {
    const fields = { vpc: true, subnets: true, securityGroups: true, endpoints: true } satisfies Record<keyof MptcpVpcProps, true>;
    expect([...VPC_PROP_FIELDS].sort()).toEqual(Object.keys(fields).sort());
  });

  it('names the alarm settings as the config file does: thresholdPercent, bandWidth', () => {
    const { template } = userStack({
      alarms: { settings: { functionDuration: { thresholdPercent: 50 }, fallbacksAnomaly: { enabled: true, bandWidth: 2.5 } }, notify: 'per-alarm' },
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: Record<string, unknown> }[];
    const band = alarms.find((a) => JSON.stringify(a.Properties).includes('ANOMALY_DETECTION_BAND') && JSON.stringify(a.Properties).includes('2.5'));
    expect(band, 'an anomaly band of 2.5 standard deviations').toBeDefined();
    expect(() => userStack({ alarms: { settings: { functionDuration: { thresholdPercent: 101 } } } })).toThrow(
      'alarms.settings.functionDuration.thresholdPercent must be a percentage of the collection window from 1 to 100',
    );
  });

  it('metric() refuses an unknown metric, an unselected counter and an unknown appliance at synth', () => {
    const { monitoring } = userStack({ counters: 'default' });
    expect(monitoring.metric('CollectionSuccess', 'adc-1').metricName).toBe('CollectionSuccess');
    expect(monitoring.metric(monitoring.selection[0]!.metricName, 'adc-2').metricName).toBe(monitoring.selection[0]!.metricName);
    expect(() => monitoring.metric('CollectionSucess', 'adc-1')).toThrow('unknown metric "CollectionSucess"; did you mean "CollectionSuccess"');
    expect(() => monitoring.metric('CollectionSuccess', 'adc-3')).toThrow('MptcpMonitoring.metric: unknown appliance "adc-3"; did you mean "adc-1"?');
    const unselected = userStack({ counters: 'ChecksumErrors' }).monitoring;
    expect(() => unselected.metric('SessionsCreated', 'adc-1')).toThrow('the counter SessionsCreated is not published: it is not in "counters"');
    expect(() => unselected.metric('VirtualServerMptcpSessions', 'adc-1')).toThrow('lists none');
    // The rollups are published whatever the selection; CollectionDuration is in the sample records only.
    expect(unselected.metric('ProtocolErrors', 'adc-1').metricName).toBe('ProtocolErrors');
    expect(() => unselected.metric('CollectionDuration', 'adc-1')).toThrow('CollectionDuration is not a CloudWatch metric: it is in the sample records');
  });

  it('links the alarm runbook at runbookBaseUrl: the repository docs page by default, or your own', () => {
    const descriptions = (template: Template) =>
      [...Object.values(template.findResources('AWS::CloudWatch::Alarm')), ...Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm'))].map(
        (r) => JSON.stringify((r as { Properties: { AlarmDescription: unknown } }).Properties.AlarmDescription),
      );
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
