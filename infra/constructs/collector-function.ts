import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { RUNTIME_SETTINGS, type RuntimeSetting, type RuntimeSettingName } from '../../lambda/config/settings.js';
import { MAX_EVENT_AGE_SECONDS, maxSampleAgeSeconds } from '../model/sizing.js';
import { HANDLER_ENTRY, hasPrebuiltBundle, LOCK_FILE, PREBUILT_BUNDLE_DIR, PROJECT_ROOT } from './collector-bundle.js';
import { SecretAccess } from './secret-access.js';

export interface CollectorVpcPlacement {
  readonly vpc: ec2.IVpc;
  /** Private subnets with a route to the appliances and to the AWS APIs (NAT or endpoints). */
  readonly subnets: ec2.SubnetSelection;
  /** Default: a security group that allows only outbound TCP to the appliances' ports and to 443. */
  readonly securityGroups?: readonly ec2.ISecurityGroup[];
}

/** The runtime settings the construct gives (appliances travel in the schedule input; the rest it sets itself). */
export type RuntimeValues = { readonly namespace: string } & {
  readonly [N in Exclude<RuntimeSettingName, 'appliances' | 'stateTableName' | 'maxSampleAgeSeconds' | 'namespace'>]?: string | number;
};

export interface CollectorFunctionProps {
  readonly applianceCount: number;
  /**
   * The function's runtime settings (RUNTIME_SETTINGS) as given: each becomes its environment variable; one left
   * out takes the function's default. COUNTERS: `default`, `all` or a comma-separated list. The state table's name
   * and MAX_SAMPLE_AGE_SECONDS (three intervals) are set here.
   */
  readonly runtime: RuntimeValues;
  /** Collection interval in minutes: a previous sample older than three intervals gives no counter deltas. */
  readonly intervalMinutes: number;
  readonly stateTable: dynamodb.ITable;
  readonly secretIds: readonly string[];
  readonly secretsEncryptionKeyArns?: readonly string[];
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logRetention: logs.RetentionDays;
  readonly logGroupRemovalPolicy: RemovalPolicy;
  readonly vpc?: CollectorVpcPlacement;
  /** TCP ports of the appliances' URLs, opened outbound by the created security group. */
  readonly appliancePorts: readonly number[];
}

/** How the function's code is bundled (`npm run bench` builds its floor bundle with the same settings). */
export const COLLECTOR_BUNDLING = {
  // CommonJS: the handler uses neither import.meta nor top-level await, and CJS needs no require shim
  // for bundled dependencies that call require() on Node built-ins.
  format: OutputFormat.CJS,
  target: 'node24',
  minify: true,
  // Class names survive minification: the runtime logs an error's constructor.name as its errorType.
  keepNames: true,
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
  sourcesContent: false,
  // The SDK that the tests ran against, not whichever version the runtime happens to ship.
  bundleAwsSDK: true,
  // esbuild's warnings and errors only: synth prints nothing the user needs to act on otherwise.
  logLevel: LogLevel.WARNING,
} as const;

/** COLLECTOR_BUNDLING as esbuild's own options: the prebuilt bundle of the installed package (scripts/build-package.ts). */
export function collectorEsbuildOptions() {
  return {
    entryPoints: [HANDLER_ENTRY] as string[],
    bundle: true,
    platform: 'node',
    format: COLLECTOR_BUNDLING.format === OutputFormat.CJS ? 'cjs' : 'esm',
    target: COLLECTOR_BUNDLING.target,
    minify: COLLECTOR_BUNDLING.minify,
    keepNames: COLLECTOR_BUNDLING.keepNames,
    sourcemap: COLLECTOR_BUNDLING.sourceMap,
    sourcesContent: COLLECTOR_BUNDLING.sourcesContent,
  } as const;
}

/**
 * The function's NODE_OPTIONS: none. `--enable-source-maps` was measured (docs/performance.md): Node 24 then
 * reads the 1.1 MB map at every cold start (+15 % CPU and +10 MB before the first run) and parses it at the first
 * stack trace (about 0.2 s more). Without it, stack traces still name every function (keepNames) with a position
 * in index.js, and the map shipped beside it turns a position into a source line when one is needed.
 */
export const COLLECTOR_NODE_OPTIONS: string = '';

/**
 * The collector Lambda: bundled locally with esbuild from lambda/handler.ts, nodejs24.x on ARM64, with its own
 * role that can do exactly what the handler does and nothing else:
 * write its own log group, GetSecretValue on the configured secrets, UpdateItem and GetItem on the state table, and
 * PutMetricData in its namespace.
 */
export class CollectorFunction extends Construct {
  /** A NodejsFunction bundled at synth (this repository), or a Function on the prebuilt bundle (installed package). */
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The function's security groups when it runs in a VPC. */
  readonly securityGroups: readonly ec2.ISecurityGroup[];

  constructor(scope: Construct, id: string, props: CollectorFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      removalPolicy: props.logGroupRemovalPolicy,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'NetScaler MPTCP collector: reads appliance secrets, keeps the last sample, publishes metrics',
    });

    this.securityGroups = props.vpc ? (props.vpc.securityGroups ?? [this.createSecurityGroup(props.vpc.vpc, props.appliancePorts)]) : [];

    const settings = {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      description: `Collects NetScaler MPTCP statistics from ${props.applianceCount} appliance(s) into CloudWatch namespace ${props.runtime.namespace}`,
      environment: collectorEnvironment(props),
      ...(props.vpc
        ? {
            vpc: props.vpc.vpc,
            vpcSubnets: props.vpc.subnets,
            securityGroups: [...this.securityGroups],
            allowPublicSubnet: false,
          }
        : {}),
    } satisfies Omit<lambda.FunctionProps, 'code' | 'handler'>;
    this.function = hasPrebuiltBundle()
      ? new lambda.Function(this, 'Function', { ...settings, code: lambda.Code.fromAsset(PREBUILT_BUNDLE_DIR), handler: 'index.handler' })
      : new NodejsFunction(this, 'Function', {
          ...settings,
          entry: HANDLER_ENTRY,
          handler: 'handler',
          projectRoot: PROJECT_ROOT,
          depsLockFilePath: LOCK_FILE,
          bundling: COLLECTOR_BUNDLING,
        });

    // Scheduler invokes asynchronously: no retries (a duplicate run is worse than a missed one) and no
    // event older than a minute (a late sample is worth nothing; the next run takes a fresh one).
    this.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.seconds(MAX_EVENT_AGE_SECONDS) });

    this.logGroup.grantWrite(this.role);
    // UpdateItem: the sample state's claim and commit, and the credential rejection; GetItem: reading that rejection.
    props.stateTable.grant(this.role, 'dynamodb:UpdateItem', 'dynamodb:GetItem');
    new SecretAccess(this, 'Secrets', { secretIds: props.secretIds, encryptionKeyArns: props.secretsEncryptionKeyArns ?? [] }).grantRead(
      this.role,
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PublishMetricsInNamespace',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': props.runtime.namespace } },
      }),
    );
    if (props.vpc) {
      // What Lambda needs to attach the function to the subnets (AWSLambdaVPCAccessExecutionRole without the
      // log permissions, which are scoped to the log group above).
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'AttachToVpc',
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:PutMetricData has no resource type; it is limited by the cloudwatch:namespace condition to the collector namespace. In a VPC, the network-interface actions Lambda needs are those of AWSLambdaVPCAccessExecutionRole (ec2:Describe* cannot be scoped).',
    });
  }

  private createSecurityGroup(vpc: ec2.IVpc, appliancePorts: readonly number[]): ec2.SecurityGroup {
    const group = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'NetScaler MPTCP collector: outbound to the appliances NITRO ports and to AWS APIs (443)',
      allowAllOutbound: false,
    });
    for (const port of [...new Set([443, ...appliancePorts])].sort((a, b) => a - b)) {
      group.addEgressRule(
        ec2.Peer.anyIpv4(),
        ec2.Port.tcp(port),
        port === 443 ? 'HTTPS: appliances and AWS APIs' : 'NITRO on an appliance URL port',
      );
    }
    return group;
  }
}

/** The function's environment, one variable per runtime setting's row (its `env`), from the values given. */
export function collectorEnvironment(props: CollectorFunctionProps): Record<string, string> {
  const values: Readonly<Record<string, unknown>> = {
    ...props.runtime,
    stateTableName: props.stateTable.tableName,
    maxSampleAgeSeconds: maxSampleAgeSeconds(props.intervalMinutes),
  };
  const environment: Record<string, string> = {};
  for (const [name, row] of Object.entries(RUNTIME_SETTINGS) as [RuntimeSettingName, RuntimeSetting][]) {
    // The appliances travel in each schedule's input (one shard each), not in the environment.
    if (name === 'appliances') continue;
    const value = values[name];
    if (value === undefined && row.default === undefined)
      throw new Error(`CollectorFunction: the runtime setting ${name} (${row.env}) has no value`);
    if (value !== undefined) environment[row.env] = String(value);
  }
  if (COLLECTOR_NODE_OPTIONS !== '') environment.NODE_OPTIONS = COLLECTOR_NODE_OPTIONS;
  return environment;
}
