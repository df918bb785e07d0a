import { Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { ConfigFile } from './config/file-schema.js';
import { DEFAULT_CONFIG_FILE, EXAMPLE_CONFIG_FILE } from './config/load-config.js';
import type { AlarmSettingsProps } from './config/settings-rules.js';
import { MptcpMonitoring, type MptcpMonitoringProps, type MptcpVpcProps } from './constructs/mptcp-monitoring.js';
import { DEFAULT_LOG_RETENTION_DAYS } from './model/sizing.js';

export const DEFAULT_STACK_NAME = 'NetScalerMptcpMonitoring';

export interface MptcpMonitoringStackProps extends StackProps {
  readonly config: ConfigFile;
  /**
   * The config is the committed example (as the fallback or chosen by name): the stack synthesizes, but its
   * schedules are disabled so that deploying it by mistake collects nothing.
   */
  readonly isExample?: boolean;
}

/** The app's stack: MptcpMonitoring configured from the config file, plus outputs for the operator. */
export class MptcpMonitoringStack extends Stack {
  readonly monitoring: MptcpMonitoring;

  constructor(scope: Construct, id: string, props: MptcpMonitoringStackProps) {
    super(scope, id, {
      description: 'NetScaler MPTCP statistics (NITRO stat/protocolmptcp) to CloudWatch: collector, alarms and dashboard',
      // Large fleets list thousands of alarms on the dashboard: keep the template well under 1 MB.
      suppressTemplateIndentation: true,
      ...props,
    });
    const { config } = props;
    for (const [key, value] of Object.entries(config.tags ?? {})) Tags.of(this).add(key, value);

    this.monitoring = new MptcpMonitoring(this, 'Monitoring', monitoringProps(this, config, props.isExample ?? false));

    if (props.isExample) {
      Validations.of(this).addWarning(
        'mptcp-monitoring:example-config',
        `Synthesized from the committed example ${EXAMPLE_CONFIG_FILE}: its schedules are DISABLED (nothing is collected). ` +
          `Copy it to ${DEFAULT_CONFIG_FILE} (or another name, passed with -c config=PATH) with your appliances before deploying.`,
      );
    }

    new CfnOutput(this, 'FunctionName', { value: this.monitoring.function.functionName, description: 'The collector function' });
    new CfnOutput(this, 'LogGroupName', {
      value: this.monitoring.logGroup.logGroupName,
      description: "The collector's logs (one JSON line per appliance per run)",
    });
    new CfnOutput(this, 'StateTableName', { value: this.monitoring.table.tableName, description: 'Previous counter sample per appliance' });
    new CfnOutput(this, 'TopicArn', { value: this.monitoring.topic.topicArn, description: 'Alarm notifications (confirm the e-mail subscriptions)' });
    if (this.monitoring.dashboard) {
      new CfnOutput(this, 'DashboardUrl', {
        value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${this.monitoring.dashboard.dashboardName}`,
        description: 'The MPTCP dashboard',
      });
    }
  }
}

/** Maps the config file onto the construct's props; defaults stay with the construct. */
export function monitoringProps(scope: Construct, config: ConfigFile, isExample: boolean): MptcpMonitoringProps {
  const fn = config.function ?? {};
  const alarms = config.alarms;
  // The alarms' settings are named alike in the file and the props: every kind's object as given.
  const { emails: _emails, topicArn: _topicArn, notify: _notify, runbookBaseUrl: _runbookBaseUrl, ...kinds } = alarms ?? {};
  const settings = Object.fromEntries(
    Object.entries(kinds).map(([kind, given]) => {
      const { metrics: _metrics, ...fields } = given as Record<string, unknown>;
      return [kind, fields];
    }),
  ) as AlarmSettingsProps;
  const retentionDays = fn.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS;
  return {
    appliances: config.appliances,
    ...(config.namespace === undefined ? {} : { namespace: config.namespace }),
    ...(config.counters === undefined ? {} : { counters: config.counters }),
    ...(config.storageResolution === undefined ? {} : { storageResolution: config.storageResolution }),
    ...(config.schedule?.rateMinutes === undefined ? {} : { interval: Duration.minutes(config.schedule.rateMinutes) }),
    ...(config.schedule?.shardSize === undefined ? {} : { shardSize: config.schedule.shardSize }),
    ...(config.schedule?.concurrency === undefined ? {} : { concurrency: config.schedule.concurrency }),
    ...(fn.memoryMiB === undefined ? {} : { memorySize: fn.memoryMiB }),
    ...(fn.timeoutSeconds === undefined ? {} : { timeout: Duration.seconds(fn.timeoutSeconds) }),
    logRetention: retentionDays === 'infinite' ? logs.RetentionDays.INFINITE : (retentionDays as logs.RetentionDays),
    logGroupRemovalPolicy: fn.retainLogGroup === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    ...(config.secretsKmsKeyArns ? { secretsEncryptionKeyArns: config.secretsKmsKeyArns } : {}),
    ...(config.vpc ? { vpc: vpcPlacement(scope, config.vpc) } : {}),
    alarms: {
      ...(alarms?.topicArn ? { topic: sns.Topic.fromTopicArn(scope, 'AlarmTopic', alarms.topicArn) } : {}),
      ...(alarms?.emails ? { emails: alarms.emails } : {}),
      settings,
      ...(alarms?.protocolErrors?.metrics ? { protocolErrorMetrics: alarms.protocolErrors.metrics } : {}),
      ...(alarms?.notify ? { notify: alarms.notify } : {}),
      ...(alarms?.runbookBaseUrl ? { runbookBaseUrl: alarms.runbookBaseUrl } : {}),
      // One deployment per stack: the stack name alone keeps alarm names unique and short.
      alarmNamePrefix: Stack.of(scope).stackName,
    },
    dashboard: config.dashboard?.enabled ?? true,
    schedulesEnabled: !isExample,
    title: `NetScaler MPTCP (${Stack.of(scope).stackName})`,
  };
}

/** Imports the configured VPC, subnets and security groups by id: no lookups, so synth needs no credentials. */
function vpcPlacement(scope: Construct, vpc: NonNullable<ConfigFile['vpc']>): MptcpVpcProps {
  const subnets = vpc.subnetIds.map((subnetId) => ec2.Subnet.fromSubnetId(scope, `Subnet-${subnetId}`, subnetId));
  return {
    // The AZs matter only to subnet selection by type; the subnets here are explicit.
    vpc: ec2.Vpc.fromVpcAttributes(scope, 'Vpc', { vpcId: vpc.vpcId, availabilityZones: Fn.getAzs() }),
    subnets: { subnets },
    ...(vpc.securityGroupIds
      ? { securityGroups: vpc.securityGroupIds.map((id) => ec2.SecurityGroup.fromSecurityGroupId(scope, `SecurityGroup-${id}`, id, { mutable: false })) }
      : {}),
    ...(vpc.createEndpoints ? { endpoints: { routeTableIds: vpc.routeTableIds ?? [] } } : {}),
  };
}
