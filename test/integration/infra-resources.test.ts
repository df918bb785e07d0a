import { describe, expect, it } from 'vitest';
import { resolveSelection } from '../../lambda/catalog/selection.js';
import { APPLIANCES, configWith, manyAppliances, onlyResource, resourcesOf, synthConfig } from '../support/synth-config.js';

describe('the stack for a two-appliance config', () => {
  const { template } = synthConfig(configWith());

  it('has exactly the expected resources', () => {
    const counts = Object.fromEntries(
      Object.values(template.toJSON().Resources as Record<string, { Type: string }>).reduce(
        (map, r) => map.set(r.Type, (map.get(r.Type) ?? 0) + 1),
        new Map<string, number>(),
      ),
    );
    expect(counts).toEqual({
      'AWS::DynamoDB::Table': 1,
      'AWS::Logs::LogGroup': 1,
      'AWS::Logs::QueryDefinition': 3,
      'AWS::IAM::Role': 2,
      'AWS::IAM::Policy': 2,
      'AWS::Lambda::Function': 1,
      'AWS::Lambda::EventInvokeConfig': 1,
      'AWS::Scheduler::Schedule': 1,
      'AWS::SNS::Topic': 1,
      'AWS::SNS::TopicPolicy': 1,
      'AWS::SNS::Subscription': 1,
      // 3 on the collector and CollectorDown + 5 fleet alarms (Metrics Insights, every appliance) + 3 per appliance
      // (2 on thresholds, 1 on an anomaly band)
      'AWS::CloudWatch::Alarm': 4 + 5 + 2 * 3,
      // CollectorFailing + one Incident per appliance
      'AWS::CloudWatch::CompositeAlarm': 1 + 2,
      'AWS::CloudWatch::Dashboard': 1,
    });
  });

  it('runs the collector on nodejs24.x, ARM64, with the handler contract environment', () => {
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    const table = onlyResource(template, 'AWS::DynamoDB::Table');
    const logGroup = onlyResource(template, 'AWS::Logs::LogGroup');
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 50,
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', LogGroup: { Ref: logGroup.id } },
      Environment: {
        Variables: {
          METRIC_NAMESPACE: 'NetScaler/MPTCP',
          STATE_TABLE_NAME: { Ref: table.id },
          COUNTERS: 'default',
          MAX_SAMPLE_AGE_SECONDS: '900',
        },
      },
    });
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables).sort()).toEqual(['COUNTERS', 'MAX_SAMPLE_AGE_SECONDS', 'METRIC_NAMESPACE', 'STATE_TABLE_NAME']);
    expect(fn.Properties).not.toHaveProperty('ReservedConcurrentExecutions');
  });

  it('never retries an asynchronous invocation and drops events older than a minute', () => {
    expect(onlyResource(template, 'AWS::Lambda::EventInvokeConfig').Properties).toMatchObject({
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
      Qualifier: '$LATEST',
    });
  });

  it('keeps logs a month and past a teardown', () => {
    const logGroup = onlyResource(template, 'AWS::Logs::LogGroup');
    expect(logGroup.Properties).toEqual({ RetentionInDays: 30 });
    expect(logGroup.DeletionPolicy).toBe('Retain');
  });

  it('keeps state in an on-demand table keyed by appliance, with TTL on expiresAt, deleted with the stack', () => {
    const table = onlyResource(template, 'AWS::DynamoDB::Table');
    expect(table.Properties).toEqual({
      KeySchema: [{ AttributeName: 'appliance', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'appliance', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(table.DeletionPolicy).toBe('Delete');
  });

  it('schedules the appliances every minute with no retries and a 60 s maximum event age', () => {
    const schedule = onlyResource(template, 'AWS::Scheduler::Schedule');
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        Arn: { 'Fn::GetAtt': [onlyResource(template, 'AWS::Lambda::Function').id, 'Arn'] },
      },
    });
    const input = JSON.parse((schedule.Properties.Target as { Input: string }).Input);
    expect(input).toEqual({ appliances: APPLIANCES });
  });

  it('creates a TLS-only topic that CloudWatch alarms of this account may publish to, with the e-mail subscription', () => {
    const topic = onlyResource(template, 'AWS::SNS::Topic');
    expect(onlyResource(template, 'AWS::SNS::Subscription').Properties).toEqual({
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: topic.id },
    });
    const statements = (onlyResource(template, 'AWS::SNS::TopicPolicy').Properties.PolicyDocument as { Statement: unknown[] }).Statement;
    expect(statements).toEqual([
      expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sns:Publish',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': expect.anything() } },
      }),
    ]);
  });

  it('outputs what the operator needs', () => {
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual([
      'DashboardUrl',
      'FunctionName',
      'LogGroupName',
      'StateTableName',
      'TopicArn',
    ]);
  });
});

describe('configuration choices', () => {
  it('splits the fleet into shards of shardSize, each schedule passing its appliances in config order', () => {
    const appliances = manyAppliances(7);
    const { template } = synthConfig({ appliances, schedule: { shardSize: 3, rateMinutes: 5 } });
    const schedules = Object.values(resourcesOf(template, 'AWS::Scheduler::Schedule'));
    expect(schedules).toHaveLength(3);
    const inputs = schedules.map((s) =>
      JSON.parse((s.Properties!.Target as { Input: string }).Input).appliances.map((a: { name: string }) => a.name),
    );
    expect(inputs).toEqual([['adc-001', 'adc-002', 'adc-003'], ['adc-004', 'adc-005', 'adc-006'], ['adc-007']]);
    expect(schedules.every((s) => s.Properties!.ScheduleExpression === 'rate(5 minutes)')).toBe(true);
    // All shards share one invoke role.
    expect(new Set(schedules.map((s) => JSON.stringify((s.Properties!.Target as { RoleArn: unknown }).RoleArn))).size).toBe(1);
  });

  it('lets a previous sample be three intervals old (at least 15 minutes) before counters restart from a baseline', () => {
    const maxAge = (rateMinutes: number) => {
      const fn = onlyResource(synthConfig(configWith({ schedule: { rateMinutes } })).template, 'AWS::Lambda::Function');
      return (fn.Properties.Environment as { Variables: Record<string, string> }).Variables.MAX_SAMPLE_AGE_SECONDS;
    };
    expect(maxAge(1)).toBe('900');
    expect(maxAge(30)).toBe('5400');
  });

  it('fits the timeout to the schedule: interval - 10 s, at most 5 minutes, unless set', () => {
    const timeout = (input: Record<string, unknown>) =>
      onlyResource(synthConfig(configWith(input)).template, 'AWS::Lambda::Function').Properties.Timeout;
    expect(timeout({ schedule: { rateMinutes: 2 } })).toBe(110);
    expect(timeout({ schedule: { rateMinutes: 15 } })).toBe(300);
    expect(timeout({ schedule: { rateMinutes: 15 }, function: { timeoutSeconds: 600 } })).toBe(600);
  });

  it('passes namespace, counters, concurrency and storage resolution to the function', () => {
    const { template } = synthConfig(
      configWith({
        namespace: 'Edge/MPTCP',
        counters: ['CurrentSessions', ' ChecksumErrors '],
        schedule: { concurrency: 4 },
        storageResolution: 1,
        function: { memoryMiB: 512 },
      }),
    );
    const fn = onlyResource(template, 'AWS::Lambda::Function').Properties;
    expect(fn.MemorySize).toBe(512);
    expect((fn.Environment as { Variables: unknown }).Variables).toMatchObject({
      METRIC_NAMESPACE: 'Edge/MPTCP',
      COUNTERS: 'CurrentSessions,ChecksumErrors',
      CONCURRENCY: '4',
      STORAGE_RESOLUTION: '1',
    });
    expect(resolveSelection('CurrentSessions,ChecksumErrors').map((m) => m.metricName)).toEqual(['CurrentSessions', 'ChecksumErrors']);
  });

  it('sets log retention (also infinite) and can delete logs with the stack', () => {
    const never = onlyResource(
      synthConfig(configWith({ function: { logRetentionDays: 'infinite', retainLogGroup: false } })).template,
      'AWS::Logs::LogGroup',
    );
    expect(never.Properties).not.toHaveProperty('RetentionInDays');
    expect(never.DeletionPolicy).toBe('Delete');
    expect(
      onlyResource(synthConfig(configWith({ function: { logRetentionDays: 365 } })).template, 'AWS::Logs::LogGroup').Properties,
    ).toEqual({
      RetentionInDays: 365,
    });
  });

  it('notifies an existing topic instead of creating one', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:netops';
    const { template } = synthConfig({ appliances: APPLIANCES, alarms: { topicArn } });
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.resourceCountIs('AWS::SNS::TopicPolicy', 0);
    // The pages and the fleet alarms notify it; the pages' member alarms notify nobody.
    const pages = Object.values(resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm'));
    expect(pages).toHaveLength(3);
    expect(pages.every((a) => JSON.stringify(a.Properties!.AlarmActions) === JSON.stringify([topicArn]))).toBe(true);
    const [fleet, members] = partition(Object.entries(resourcesOf(template, 'AWS::CloudWatch::Alarm')), ([id]) =>
      id.includes('FleetAlarms'),
    );
    expect(fleet.map(([, a]) => a.Properties!.AlarmName)).toEqual(
      ['ProtocolErrors', 'ResourceExhaustion', 'JoinsRejected', 'FallbacksToTcp', 'StateUnavailable'].map((suffix) => `Test-${suffix}`),
    );
    expect(fleet.every(([, a]) => JSON.stringify(a.Properties!.AlarmActions) === JSON.stringify([topicArn]))).toBe(true);
    expect(members.every(([, a]) => a.Properties!.AlarmActions === undefined)).toBe(true);
    const perAlarm = synthConfig({ appliances: APPLIANCES, alarms: { topicArn, notify: 'per-alarm' } }).template;
    const alarms = Object.values(resourcesOf(perAlarm, 'AWS::CloudWatch::Alarm'));
    expect(alarms.every((a) => JSON.stringify(a.Properties!.AlarmActions) === JSON.stringify([topicArn]))).toBe(true);
    expect(template.toJSON().Outputs.TopicArn.Value).toBe(topicArn);
  });

  it('deploys the example config with its schedules disabled, and warns', () => {
    const { template, stack } = synthConfig(configWith(), { isExample: true });
    expect(onlyResource(template, 'AWS::Scheduler::Schedule').Properties.State).toBe('DISABLED');
    const warnings = stack.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(
      warnings.some((w) => w.includes('Synthesized from the committed example mptcp-monitoring.example.json') && w.includes('DISABLED')),
    ).toBe(true);
  });

  it('applies tags and the environment from the config', () => {
    const { template } = synthConfig(configWith({ tags: { team: 'netops' } }));
    expect(onlyResource(template, 'AWS::DynamoDB::Table').Properties).toHaveProperty('Tags', [{ Key: 'team', Value: 'netops' }]);
  });

  it('leaves the dashboard out when disabled', () => {
    const { template } = synthConfig(configWith({ dashboard: { enabled: false } }));
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(template.toJSON().Outputs).not.toHaveProperty('DashboardUrl');
  });
});

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}
