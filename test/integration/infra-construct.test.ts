import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { MptcpMonitoring, type MptcpMonitoringProps } from '../../infra/index.js';
import { APPLIANCES, onlyResource } from '../support/synth-config.js';

/** The construct in a user's own stack, as the README shows it. */
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
    // 3 collector alarms and CollectorDown, 8 per appliance; pages: CollectorFailing and one per appliance.
    expect(monitoring.alarms).toHaveLength(4 + 2 * 8);
    expect(monitoring.pages).toHaveLength(1 + 2);
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
      interval: Duration.minutes(2),
      timeout: Duration.seconds(90),
      logRetention: logs.RetentionDays.ONE_WEEK,
      logGroupRemovalPolicy: RemovalPolicy.DESTROY,
      alarms: { topic, settings: { fallbacks: { threshold: 3 } }, notify: 'per-alarm' },
      dashboard: false,
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
    expect(() => userStack({ interval: Duration.seconds(90) })).toThrow('interval must be a whole number of minutes from 1 to 1440 (got 1.5)');
    expect(() => userStack({ timeout: Duration.seconds(60) })).toThrow('timeout must be at most 50 seconds with a 1-minute interval');
    expect(() => userStack({ shardSize: 0 })).toThrow('shardSize must be a whole number from 1 to 100 (got 0)');
    expect(() => userStack({ memorySize: 100 })).toThrow('memorySize must be a whole number of MiB from 128 to 10240 (got 100)');
    expect(() => userStack({ alarms: { settings: { fallbacks: { evaluationPeriods: 1, datapointsToAlarm: 2 } } } })).toThrow(
      'alarms.settings.fallbacks.datapointsToAlarm must be at most evaluationPeriods (1)',
    );
    expect(() => userStack({ alarms: { protocolErrorMetrics: ['DssPackets'] } })).toThrow('alarms.protocolErrorMetrics names "DssPackets"');
  });

  it('refuses at synth what the deployed function or CloudWatch would refuse (issue 14)', () => {
    const cases: [Partial<MptcpMonitoringProps>, string][] = [
      [{ concurrency: 500 }, 'concurrency must be a whole number from 1 to 100 (got 500)'],
      [{ interval: Duration.days(2) }, 'interval must be a whole number of minutes from 1 to 1440 (got 2880)'],
      [{ shardSize: 1000 }, 'shardSize must be a whole number from 1 to 100 (got 1000)'],
      [{ alarms: { settings: { fallbacks: { threshold: -1 } } } }, 'alarms.settings.fallbacks.threshold must be a number >= 0 (got -1)'],
      [{ alarms: { settings: { protocolErrors: { periodMinutes: 0 } } } }, 'alarms.settings.protocolErrors.periodMinutes must be a whole number of minutes'],
      [
        { alarms: { settings: { joinsRejected: { evaluationPeriods: 5000 } } } },
        'alarms.settings.joinsRejected.evaluationPeriods must be a whole number from 1 to 1440',
      ],
      [{ alarms: { settings: { collectionFailing: { threshold: 2 } } } }, 'alarms.settings.collectionFailing has unknown field "threshold"'],
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
});
