import { describe, expect, it } from 'vitest';
import { APPLIANCES, configWith, logicalId, onlyResource, resourcesOf, synthConfig } from '../support/synth-config.js';

const VPC_ID = 'vpc-0123456789abcdef0';
const SUBNETS = ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'];
const ROUTE_TABLES = ['rtb-0123456789abcdef0', 'rtb-0fedcba9876543210'];

describe('without VPC settings', () => {
  it('runs outside any VPC and creates no network resources', () => {
    const { template } = synthConfig(configWith());
    expect(onlyResource(template, 'AWS::Lambda::Function').Properties).not.toHaveProperty('VpcConfig');
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });
});

describe('in the configured subnets', () => {
  it('creates a security group with outbound TCP to 443 and the appliance URL ports only', () => {
    const { template } = synthConfig(configWith({ vpc: { vpcId: VPC_ID, subnetIds: SUBNETS } }));
    const group = onlyResource(template, 'AWS::EC2::SecurityGroup');
    expect(onlyResource(template, 'AWS::Lambda::Function').Properties.VpcConfig).toEqual({
      SubnetIds: SUBNETS,
      SecurityGroupIds: [{ 'Fn::GetAtt': [group.id, 'GroupId'] }],
    });
    expect(group.Properties).toMatchObject({ VpcId: VPC_ID });
    // APPLIANCES: adc-1 on 443, adc-2 on 8443.
    expect(group.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 8443, ToPort: 8443 }),
    ]);
    expect(group.Properties).not.toHaveProperty('SecurityGroupIngress');
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });

  it('uses the configured security groups instead of creating one', () => {
    const groups = ['sg-0123456789abcdef0'];
    const { template } = synthConfig(configWith({ vpc: { vpcId: VPC_ID, subnetIds: SUBNETS, securityGroupIds: groups } }));
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    expect(onlyResource(template, 'AWS::Lambda::Function').Properties.VpcConfig).toEqual({ SubnetIds: SUBNETS, SecurityGroupIds: groups });
  });
});

describe('with createEndpoints', () => {
  const { template } = synthConfig({
    appliances: APPLIANCES,
    vpc: { vpcId: VPC_ID, subnetIds: SUBNETS, createEndpoints: true, routeTableIds: ROUTE_TABLES },
  });
  const endpoints = Object.values(resourcesOf(template, 'AWS::EC2::VPCEndpoint')).map((e) => e.Properties!);
  const serviceOf = (e: Record<string, unknown>) => JSON.stringify(e.ServiceName);

  it('creates Secrets Manager and CloudWatch interface endpoints with private DNS in the subnets', () => {
    const interfaces = endpoints.filter((e) => e.VpcEndpointType === 'Interface');
    expect(interfaces.map(serviceOf)).toEqual([expect.stringContaining('secretsmanager'), expect.stringContaining('monitoring')]);
    for (const endpoint of interfaces) {
      expect(endpoint).toMatchObject({ VpcId: VPC_ID, SubnetIds: SUBNETS, PrivateDnsEnabled: true });
    }
  });

  it('creates a DynamoDB gateway endpoint on the route tables', () => {
    const gateway = endpoints.filter((e) => e.VpcEndpointType === 'Gateway');
    expect(gateway).toHaveLength(1);
    expect(gateway[0]).toMatchObject({ VpcId: VPC_ID, RouteTableIds: ROUTE_TABLES });
    expect(serviceOf(gateway[0]!)).toContain('dynamodb');
  });

  it('lets only the collector reach the interface endpoints, on 443', () => {
    const endpointGroup = logicalId(template, 'AWS::EC2::SecurityGroup', 'MonitoringEndpointsSecurityGroup');
    const collectorGroup = logicalId(template, 'AWS::EC2::SecurityGroup', 'MonitoringCollectorSecurityGroup');
    const group = resourcesOf(template, 'AWS::EC2::SecurityGroup')[endpointGroup]!.Properties!;
    expect(group.SecurityGroupIngress).toEqual([
      expect.objectContaining({
        SourceSecurityGroupId: { 'Fn::GetAtt': [collectorGroup, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
      }),
    ]);
    // No outbound rule: CDK's placeholder that matches no traffic.
    expect(group.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32', IpProtocol: 'icmp' })]);
  });
});
