import { describe, expect, it } from 'vitest';
import { secretIdForm } from '../../infra/constructs/secret-access.js';
import { APPLIANCES, configWith, logicalId, onlyResource, policyStatementsOf, resourcesOf, synthConfig } from '../support/synth-config.js';

const ACCOUNT_ARN = (suffix: string) => ({
  'Fn::Join': [
    '',
    ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:secret:${suffix}`],
  ],
});

describe('the collector role: exactly what the handler does', () => {
  const { template } = synthConfig(configWith());
  const collectorRole = logicalId(template, 'AWS::IAM::Role', 'MonitoringCollectorRole');
  const statements = policyStatementsOf(template, collectorRole);

  it('is assumable by Lambda only and has no managed policies', () => {
    const role = resourcesOf(template, 'AWS::IAM::Role')[collectorRole]!.Properties!;
    expect(role.AssumeRolePolicyDocument).toEqual({
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
      Version: '2012-10-17',
    });
    expect(role).not.toHaveProperty('ManagedPolicyArns');
  });

  it('has these statements and no others', () => {
    const logGroup = logicalId(template, 'AWS::Logs::LogGroup', 'MonitoringCollectorLogGroup');
    const table = logicalId(template, 'AWS::DynamoDB::Table', 'MonitoringStateTable');
    expect(statements).toEqual([
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] } },
      { Action: ['dynamodb:UpdateItem', 'dynamodb:GetItem'], Effect: 'Allow', Resource: [{ 'Fn::GetAtt': [table, 'Arn'] }] },
      {
        Sid: 'ReadApplianceSecrets',
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        // adc-1 by name (that exact name, any suffix), adc-2 by complete ARN (exactly)
        Resource: [ACCOUNT_ARN('netscaler/adc-1-??????'), APPLIANCES[1]!.secretId],
      },
      {
        Sid: 'PublishMetricsInNamespace',
        Action: 'cloudwatch:PutMetricData',
        Effect: 'Allow',
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': 'NetScaler/MPTCP' } },
      },
    ]);
  });

  it('conditions PutMetricData on the configured namespace', () => {
    const other = policyStatementsOf(synthConfig(configWith({ namespace: 'Edge/MPTCP' })).template, 'MonitoringCollectorRole');
    expect(other.find((s) => s.Sid === 'PublishMetricsInNamespace')).toMatchObject({
      Condition: { StringEquals: { 'cloudwatch:namespace': 'Edge/MPTCP' } },
    });
  });

  it('grants no KMS decrypt unless a customer key is configured', () => {
    expect(JSON.stringify(statements)).not.toContain('kms:');
  });
});

describe('secret ids: names, partial ARNs and complete ARNs', () => {
  const partial = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:netscaler/partial';
  const complete = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:netscaler/complete-Ab12Cd';
  const appliances = [
    { name: 'by-name', url: 'https://a.example.net', secretId: 'netscaler/by-name' },
    { name: 'by-partial', url: 'https://b.example.net', secretId: partial },
    { name: 'by-complete', url: 'https://c.example.net', secretId: complete },
    { name: 'shared', url: 'https://d.example.net', secretId: 'netscaler/by-name' },
  ];

  it('classifies the forms', () => {
    expect(secretIdForm('netscaler/by-name')).toBe('name');
    expect(secretIdForm(partial)).toBe('partial-arn');
    expect(secretIdForm(complete)).toBe('complete-arn');
  });

  it('grants each secret once: names and partial ARNs with the 6-character suffix wildcard, complete ARNs exactly', () => {
    const { template } = synthConfig({ appliances });
    const read = policyStatementsOf(template, 'MonitoringCollectorRole').find((s) => s.Sid === 'ReadApplianceSecrets');
    expect(read?.Resource).toEqual([ACCOUNT_ARN('netscaler/by-name-??????'), `${partial}-??????`, complete]);
  });

  it('splits many secrets into statements of 25 so that IAM size limits hold', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({
      name: `adc-${i}`,
      url: `https://adc-${i}.example.net`,
      secretId: `netscaler/adc-${i}`,
    }));
    const statements = policyStatementsOf(synthConfig({ appliances: many }).template, 'MonitoringCollectorRole');
    const reads = statements.filter((s) => String(s.Sid).startsWith('ReadApplianceSecrets'));
    expect(reads.map((s) => [s.Sid, (s.Resource as unknown[]).length])).toEqual([
      ['ReadApplianceSecrets1', 25],
      ['ReadApplianceSecrets2', 5],
    ]);
  });

  it('grants kms:Decrypt on configured keys, only through Secrets Manager in the stack region', () => {
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const { template } = synthConfig({ appliances, secretsKmsKeyArns: [key, key] });
    expect(policyStatementsOf(template, 'MonitoringCollectorRole').find((s) => s.Sid === 'DecryptApplianceSecrets')).toEqual({
      Sid: 'DecryptApplianceSecrets',
      Action: 'kms:Decrypt',
      Effect: 'Allow',
      Resource: key,
      Condition: {
        StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
      },
    });
  });
});

describe('the Scheduler role', () => {
  const { template } = synthConfig(configWith());
  const roleId = logicalId(template, 'AWS::IAM::Role', 'MonitoringSchedulesInvokeRole');
  const fnId = onlyResource(template, 'AWS::Lambda::Function').id;

  it('is assumable only by EventBridge Scheduler of this account, for the default schedule group', () => {
    const trust = resourcesOf(template, 'AWS::IAM::Role')[roleId]!.Properties!.AssumeRolePolicyDocument as { Statement: unknown[] };
    expect(trust.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: {
            'aws:SourceAccount': { Ref: 'AWS::AccountId' },
            'aws:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':scheduler:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':schedule-group/default',
                ],
              ],
            },
          },
        },
      },
    ]);
  });

  it('may only invoke the collector function', () => {
    expect(policyStatementsOf(template, roleId)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: [{ 'Fn::GetAtt': [fnId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [fnId, 'Arn'] }, ':*']] }],
      },
    ]);
  });
});

describe('roles in a VPC', () => {
  it('adds only the network-interface actions Lambda needs to attach to the subnets', () => {
    const { template } = synthConfig(configWith({ vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] } }));
    const attach = policyStatementsOf(template, 'MonitoringCollectorRole').find((s) => s.Sid === 'AttachToVpc');
    expect(attach).toEqual({
      Sid: 'AttachToVpc',
      Effect: 'Allow',
      Resource: '*',
      Action: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
    });
  });
});

it('the stack has no other IAM roles or policies', () => {
  const { template } = synthConfig(configWith());
  expect(Object.keys(resourcesOf(template, 'AWS::IAM::Role')).map((id) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual([
    'MonitoringCollectorRole',
    'MonitoringSchedulesInvokeRole',
  ]);
  expect(Object.keys(resourcesOf(template, 'AWS::IAM::ManagedPolicy'))).toEqual([]);
  expect(Object.keys(resourcesOf(template, 'AWS::IAM::Policy'))).toHaveLength(2);
});
