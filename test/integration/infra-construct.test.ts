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
    expect(monitoring.alarms).toHaveLength(3 + 2 * 6);
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
      alarms: { topic, settings: { fallbacks: { threshold: 3 } } },
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

  it('validates its props with messages that name the prop', () => {
    expect(() => userStack({ appliances: [{ ...APPLIANCES[0]!, url: 'adc-1' }] })).toThrow(
      /MptcpMonitoring: invalid appliances: appliances\[0\] \(adc-1\)\.url must be/,
    );
    expect(() => userStack({ counters: 'Nope' })).toThrow(/unknown counter "Nope"/);
    expect(() => userStack({ namespace: 'AWS/MPTCP' })).toThrow('namespace must not start with "AWS/"');
    expect(() => userStack({ interval: Duration.seconds(90) })).toThrow('interval must be a whole number of minutes');
    expect(() => userStack({ timeout: Duration.seconds(60) })).toThrow('timeout must be from 10 s to 50 s');
    expect(() => userStack({ shardSize: 0 })).toThrow('shardSize must be a positive integer');
    expect(() => userStack({ memorySize: 100 })).toThrow('memorySize must be an integer from 128 to 10240 MiB');
    expect(() => userStack({ alarms: { settings: { fallbacks: { evaluationPeriods: 1, datapointsToAlarm: 2 } } } })).toThrow(
      'alarms.settings.fallbacks.datapointsToAlarm must be at most evaluationPeriods (1)',
    );
    expect(() => userStack({ alarms: { protocolErrorMetrics: ['DssPackets'] } })).toThrow('alarms.protocolErrorMetrics names "DssPackets"');
  });
});
