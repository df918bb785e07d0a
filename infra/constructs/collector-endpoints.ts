import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

export interface CollectorEndpointsProps {
  readonly vpc: ec2.IVpc;
  /** Where the interface endpoints get their network interfaces: at most one subnet per Availability Zone. */
  readonly subnets: ec2.SubnetSelection;
  /** Route tables of the function's subnets, for the DynamoDB gateway endpoint. */
  readonly routeTableIds: readonly string[];
  /** The function's security groups: the only sources allowed to reach the interface endpoints. */
  readonly clientSecurityGroups: readonly ec2.ISecurityGroup[];
}

/**
 * The VPC endpoints a collector without internet access needs: Secrets Manager and CloudWatch (`monitoring`)
 * as interface endpoints with private DNS, DynamoDB as a gateway endpoint. Logs need none (Lambda ships them).
 * Only for VPCs that do not have these endpoints already: private DNS names are one per VPC.
 */
export class CollectorEndpoints extends Construct {
  readonly interfaceEndpoints: readonly ec2.InterfaceVpcEndpoint[];
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: CollectorEndpointsProps) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'MPTCP collector VPC endpoints: HTTPS from the collector function only',
      allowAllOutbound: false,
    });
    for (const client of props.clientSecurityGroups) {
      this.securityGroup.addIngressRule(
        ec2.Peer.securityGroupId(client.securityGroupId),
        ec2.Port.tcp(443),
        'HTTPS from the MPTCP collector',
      );
    }
    const services: [string, ec2.InterfaceVpcEndpointAwsService][] = [
      ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
      ['CloudWatch', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING],
    ];
    this.interfaceEndpoints = services.map(
      ([name, service]) =>
        new ec2.InterfaceVpcEndpoint(this, name, {
          vpc: props.vpc,
          service,
          subnets: props.subnets,
          securityGroups: [this.securityGroup],
          privateDnsEnabled: true,
          open: false,
        }),
    );
    new ec2.CfnVPCEndpoint(this, 'DynamoDb', {
      vpcId: props.vpc.vpcId,
      serviceName: ec2.GatewayVpcEndpointAwsService.DYNAMODB.name,
      vpcEndpointType: 'Gateway',
      routeTableIds: [...props.routeTableIds],
    });
  }
}
