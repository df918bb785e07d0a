import { Aws, CfnOutput, Fn, Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { valueAt } from '../lambda/config/schema.js';
import type { ConfigFile } from './config/file-schema.js';
import { DEFAULT_CONFIG_FILE, EXAMPLE_CONFIG_FILE } from './config/load-config.js';
import { SETTING_ROWS } from './config/settings-rules.js';
import { MptcpMonitoring, type MptcpMonitoringProps, type MptcpVpcProps } from './constructs/mptcp-monitoring.js';

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
    new CfnOutput(this, 'TopicArn', {
      value: this.monitoring.topic.topicArn,
      description: 'Alarm notifications (confirm the e-mail subscriptions)',
    });
    if (this.monitoring.dashboard) {
      new CfnOutput(this, 'DashboardUrl', {
        value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${this.monitoring.dashboard.dashboardName}`,
        description: 'The MPTCP dashboard',
      });
    }
  }
}

/**
 * Maps the config file onto the construct's props by the settings rows: each setting the file gives is put at its
 * row's prop path (the same path as in the file); defaults stay with the construct.
 */
export function monitoringProps(scope: Construct, config: ConfigFile, isExample: boolean): MptcpMonitoringProps {
  const props: Record<string, unknown> = {};
  for (const row of SETTING_ROWS) {
    if (!row.file || !row.prop) continue;
    const value = valueAt(config, row.file.split('.'));
    if (value === undefined) continue;
    setAt(props, row.prop.path.split('.'), value);
  }
  // What the app decides, not the file: one deployment per stack, so the stack name alone keeps alarm names
  // unique and short; the committed example never collects.
  setAt(props, ['alarms', 'alarmNamePrefix'], Stack.of(scope).stackName);
  props.schedulesEnabled = !isExample;
  props.title = `NetScaler MPTCP (${Stack.of(scope).stackName})`;
  if (config.vpc) props.vpc = vpcPlacement(scope, config.vpc);
  return props as unknown as MptcpMonitoringProps;
}

function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path.at(-1)!] = value;
}

/** Imports the configured VPC, subnets and security groups by id: no lookups, so synth needs no credentials. */
function vpcPlacement(scope: Construct, vpc: NonNullable<ConfigFile['vpc']>): MptcpVpcProps {
  const subnets = vpc.subnetIds.map((subnetId) => ec2.Subnet.fromSubnetId(scope, `Subnet-${subnetId}`, subnetId));
  return {
    // The AZs matter only to subnet selection by type; the subnets here are explicit.
    vpc: ec2.Vpc.fromVpcAttributes(scope, 'Vpc', { vpcId: vpc.vpcId, availabilityZones: Fn.getAzs() }),
    subnets: { subnets },
    ...(vpc.securityGroupIds
      ? {
          securityGroups: vpc.securityGroupIds.map((id) =>
            ec2.SecurityGroup.fromSecurityGroupId(scope, `SecurityGroup-${id}`, id, { mutable: false }),
          ),
        }
      : {}),
    ...(vpc.createEndpoints ? { endpoints: { routeTableIds: vpc.routeTableIds ?? [] } } : {}),
  };
}
