import { anything, boolean, choice, integer, list, number, record, type Spec, text } from '../../lambda/config/schema.js';
import { MAX_SAMPLE_AGE_LIMIT_SECONDS, RUNTIME_SETTINGS, type RuntimeSettingName, type Setting } from '../../lambda/config/settings.js';

/**
 * THE DEPLOYMENT SETTINGS, and where every setting appears (the function's own settings are defined in
 * lambda/config/settings.ts, RUNTIME_SETTINGS; the function's bundle holds only those):
 * - `file`: its path in the deployment config file (mptcp-monitoring.json; infra/config/file-schema.ts builds
 *   the file's schema from these rows),
 * - `prop`: its path in the MptcpMonitoring construct's props (checked at synth by infra/constructs/props-check.ts;
 *   the same path as `file` when both exist; the construct reads its props through these rows),
 * - `env`: a runtime setting's environment variable, set by the construct from the prop (or, for the state table
 *   and the sample age, from what the construct creates and computes).
 * Cross-field rules (timeout vs interval, shard input size, alarm windows) live in infra/config/settings-rules.ts.
 *
 * To add a deployment setting: add one row to DEPLOY_SETTINGS (spec, doc, default, and the surfaces it has). The
 * config file, the construct's check and reading, README's construct table (`npm run docs:settings`), the props'
 * `@default` (test/unit/infra-docs.test.ts) and the agreement test (test/integration/settings-agreement.test.ts)
 * all follow from the row. Per-alarm fields: ALARM_FIELD_SPECS here and ALARM_FIELDS in infra/model/alarm-plan.ts.
 */

export interface PropSurface {
  /** Dotted path in MptcpMonitoringProps. */
  readonly path: string;
  /** The prop's TypeScript type, when it is not the setting's own (docs). */
  readonly type?: string;
  /** A CDK value (a topic, a VPC, an enum): its TypeScript type is its check; the rule here is the file's. */
  readonly cdkValue?: true;
  /** The default as the prop gives it, when it is not the setting's value (docs). */
  readonly default?: string;
  /**
   * The prop's path before it took the config file's: refused at synth with a pointer to `path` (an alarm field's
   * by its alarm: `alarms.settings.<kind>` was renamed to `alarms.<kind>`).
   */
  readonly formerly?: string;
}

/** A setting as the deployment sees it: its rule, and where it appears. */
export interface DeploySetting<T = unknown> extends Setting<T> {
  readonly file?: string;
  readonly prop?: PropSurface;
  readonly env?: string;
}

/** Where a runtime setting appears in the deployment (none: the construct sets it from what it creates). */
interface Surfaces {
  readonly file?: string;
  readonly prop?: PropSurface;
}

const RUNTIME_SURFACES = {
  appliances: { file: 'appliances', prop: { path: 'appliances', type: 'ApplianceConfig[]' } },
  namespace: { file: 'namespace', prop: { path: 'namespace' } },
  counters: { file: 'counters', prop: { path: 'counters', type: 'string | string[]' } },
  storageResolution: { file: 'storageResolution', prop: { path: 'storageResolution', type: '60 | 1' } },
  concurrency: { file: 'schedule.concurrency', prop: { path: 'schedule.concurrency', formerly: 'concurrency' } },
  // Set by the construct: three intervals (at least the default), and the state table it creates.
  maxSampleAgeSeconds: {},
  stateTableName: {},
} as const satisfies Record<RuntimeSettingName, Surfaces>;

/** The schedule interval may be as long as the previous sample may be old, over three intervals. */
const MAX_RATE_MINUTES = MAX_SAMPLE_AGE_LIMIT_SECONDS / 3 / 60;

/** CloudWatch Logs retention values, in days (CloudFormation rejects any other). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** CloudWatch accepts at most 10 metrics in one metric-math alarm. */
export const MAX_METRICS_PER_ALARM = 10;

// ---- Per-alarm fields (which alarm has which: ALARM_FIELDS in infra/model/alarm-plan.ts) ----

export const ALARM_FIELD_SPECS = {
  enabled: { spec: boolean(), doc: 'false leaves the alarm out' },
  threshold: { spec: number({ min: 0 }), doc: 'the alarm fires above this value' },
  bandWidth: {
    spec: number({ min: 0.1, max: 10, noun: 'a band width in standard deviations' }),
    doc: 'width of the expected anomaly band, in standard deviations of the learned pattern',
  },
  thresholdPercent: {
    spec: number({ min: 1, max: 100, noun: 'a percentage of the collection window' }),
    doc: 'fires above this share of the time the function waits for appliances',
  },
  periodMinutes: {
    spec: integer({ min: 1, max: 1440, unit: 'minutes' }),
    doc: 'length of one evaluated period; a multiple of the interval',
  },
  evaluationPeriods: { spec: integer({ min: 1, max: 1440 }), doc: 'periods evaluated; times the period at most one day' },
  datapointsToAlarm: { spec: integer({ min: 1, max: 1440 }), doc: 'breaching periods that fire the alarm; at most evaluationPeriods' },
} as const satisfies Record<string, { spec: Spec<unknown>; doc: string }>;

export type AlarmField = keyof typeof ALARM_FIELD_SPECS;

const RUNBOOK_URL_RULE = 'an absolute https:// URL of the runbook page, without a #fragment (each alarm appends its own)';

function runbookUrlProblem(value: string): string | undefined {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '' && !value.includes('#')
      ? undefined
      : `must be ${RUNBOOK_URL_RULE}`;
  } catch {
    return `must be ${RUNBOOK_URL_RULE}`;
  }
}

const awsId = (what: string, prefix: string) =>
  text({ rule: `a ${what} (${prefix}-...)`, pattern: new RegExp(`^${prefix}-[0-9a-f]{8,17}$`) });

const deploy = <T>(row: DeploySetting<NoInfer<T>> & { readonly spec: Spec<T> }): DeploySetting<T> => row as DeploySetting<T>;

export const DEPLOY_SETTINGS = {
  rateMinutes: deploy({
    spec: integer({ min: 1, max: MAX_RATE_MINUTES, unit: 'minutes' }),
    doc: 'Collection interval: one run per shard every this many minutes.',
    default: 1,
    file: 'schedule.rateMinutes',
    prop: { path: 'schedule.rateMinutes', formerly: 'interval' },
  }),
  shardSize: deploy({
    spec: integer({ min: 1, max: 100 }),
    doc: 'Appliances per invocation: one schedule per shard; each shard input at most 200,000 bytes.',
    default: 25,
    file: 'schedule.shardSize',
    prop: { path: 'schedule.shardSize', formerly: 'shardSize' },
  }),
  memoryMiB: deploy({
    spec: integer({ min: 128, max: 10_240, unit: 'MiB' }),
    doc: 'Function memory (CPU grows with it).',
    default: 256,
    file: 'function.memoryMiB',
    prop: { path: 'function.memoryMiB', formerly: 'memorySize' },
  }),
  timeoutSeconds: deploy({
    spec: integer({ min: 10, max: 900, unit: 'seconds' }),
    doc: 'Function timeout; at most the interval minus 10 s, so a run ends before the next starts.',
    defaultText: 'interval - 10 s, at most 300 s',
    file: 'function.timeoutSeconds',
    prop: { path: 'function.timeoutSeconds', formerly: 'timeout' },
  }),
  logRetentionDays: deploy({
    spec: choice([...LOG_RETENTION_DAYS, 'infinite']),
    doc: "Retention of the function's log group.",
    default: 30,
    file: 'function.logRetentionDays',
    prop: { path: 'function.logRetentionDays', type: "number | 'infinite'", formerly: 'logRetention' },
  }),
  retainLogGroup: deploy({
    spec: boolean(),
    doc: 'Keep the log group when the stack is deleted.',
    default: true,
    file: 'function.retainLogGroup',
    prop: { path: 'function.retainLogGroup', formerly: 'logGroupRemovalPolicy' },
  }),
  dashboard: deploy({
    spec: boolean(),
    doc: 'Create the dashboard.',
    default: true,
    file: 'dashboard.enabled',
    prop: { path: 'dashboard.enabled', formerly: 'dashboard' },
  }),
  schedulesEnabled: deploy({
    spec: boolean(),
    doc: 'false deploys the schedules disabled (nothing is collected).',
    default: true,
    prop: { path: 'schedulesEnabled' },
  }),
  title: deploy({
    spec: text({ rule: 'a dashboard title', minLength: 1 }),
    doc: 'Dashboard title.',
    default: 'NetScaler MPTCP',
    prop: { path: 'title' },
  }),
  secretsKmsKeyArns: deploy({
    spec: list(
      text({
        rule: 'a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)',
        pattern: /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
      }),
      {
        rule: 'a list of KMS key ARNs',
      },
    ),
    doc: 'Customer managed KMS keys of the appliance secrets, if any.',
    file: 'secretsKmsKeyArns',
    prop: { path: 'secretsKmsKeyArns', formerly: 'secretsEncryptionKeyArns' },
  }),
  alarmEmails: deploy({
    spec: list(text({ rule: 'an e-mail address', pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/ }), { rule: 'a list of e-mail addresses' }),
    doc: 'E-mail subscriptions of the new alarm topic (not with an existing topic).',
    file: 'alarms.emails',
    prop: { path: 'alarms.emails' },
  }),
  alarmTopicArn: deploy({
    spec: text({
      rule: 'an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)',
      pattern: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/,
    }),
    doc: 'An existing SNS topic to notify instead of a new one.',
    defaultText: 'a new topic',
    file: 'alarms.topicArn',
    prop: { path: 'alarms.topicArn' },
  }),
  alarmTopic: deploy({
    spec: anything('an SNS topic object (sns.ITopic)'),
    doc: 'An existing SNS topic object to notify instead of a new one (construct only; the file names a topic by alarms.topicArn).',
    defaultText: 'a new topic',
    prop: { path: 'alarms.topic', type: 'sns.ITopic', cdkValue: true, default: 'a new topic' },
  }),
  protocolErrorMetrics: deploy({
    spec: list(text({ rule: 'a CloudWatch metric name' }), {
      rule: `a list of 1 to ${MAX_METRICS_PER_ALARM} selected counter names`,
      min: 1,
      tooFew: `must list 1 to ${MAX_METRICS_PER_ALARM} counter names (or leave the field out)`,
    }),
    doc: `Counters the protocol-errors alarm sums (at most ${MAX_METRICS_PER_ALARM}, each selected).`,
    defaultText: 'the ProtocolErrors rollup (docs/metrics.md)',
    file: 'alarms.protocolErrors.metrics',
    prop: { path: 'alarms.protocolErrors.metrics', formerly: 'alarms.protocolErrorMetrics' },
  }),
  alarmNotify: deploy({
    spec: choice(
      ['per-appliance', 'per-alarm'],
      'per-appliance: one composite page per appliance and one for the collector; per-alarm: every alarm notifies',
    ),
    doc: 'How alarms page: one Incident composite per appliance, silenced while CollectorFailing pages for the collector; or every alarm on its own.',
    default: 'per-appliance',
    file: 'alarms.notify',
    prop: { path: 'alarms.notify', type: "'per-appliance' | 'per-alarm'" },
  }),
  alarmNamePrefix: deploy({
    spec: text({ rule: 'an alarm name prefix of 1 to 200 characters', minLength: 1, maxLength: 200 }),
    doc: 'Alarm names start with this; unique per deployment in an account and region.',
    defaultText: '<stack name>-<construct id>',
    prop: { path: 'alarms.alarmNamePrefix' },
  }),
  runbookBaseUrl: deploy({
    spec: text({ rule: RUNBOOK_URL_RULE, trim: true, problem: runbookUrlProblem }),
    doc: 'The runbook page the alarm descriptions link, each to its alarm heading (#protocolerrors, ...): your own copy, e.g. on a wiki.',
    default: 'https://github.com/netscaler-mptcp-cloudwatch/netscaler-mptcp-cloudwatch/blob/main/docs/runbook.md',
    file: 'alarms.runbookBaseUrl',
    prop: { path: 'alarms.runbookBaseUrl' },
  }),
  stackName: deploy({
    spec: text({
      rule: 'a CloudFormation stack name: a letter, then letters, digits and hyphens, at most 128',
      pattern: /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
    }),
    doc: 'CloudFormation stack name.',
    default: 'NetScalerMptcpMonitoring',
    file: 'stackName',
  }),
  account: deploy({
    spec: text({ rule: 'a 12-digit AWS account id', pattern: /^\d{12}$/ }),
    doc: 'Pin the stack to this account.',
    file: 'env.account',
  }),
  region: deploy({
    spec: text({ rule: 'an AWS region name such as eu-west-1', pattern: /^[a-z]{2}(-[a-z]+)+-\d+$/ }),
    doc: 'Pin the stack to this region.',
    file: 'env.region',
  }),
  tags: deploy({
    spec: record(
      text({ rule: 'a tag key of 1 to 128 characters', minLength: 1, maxLength: 128 }),
      text({ rule: 'a string tag value of at most 256 characters', maxLength: 256 }),
      'an object of tag keys to string values',
    ),
    doc: 'Tags on every resource.',
    file: 'tags',
  }),
  comment: deploy({ spec: text({ rule: 'a string' }), doc: 'Ignored.', file: '$comment' }),
  vpcId: deploy({ spec: awsId('VPC id', 'vpc'), doc: 'The VPC to run the function in.', file: 'vpc.vpcId' }),
  subnetIds: deploy({
    spec: list(awsId('subnet id', 'subnet'), {
      rule: 'a list of subnet ids (subnet-...)',
      min: 1,
      tooFew: 'must list at least one subnet id (private subnets with a route to the appliances)',
    }),
    doc: 'Private subnets with a route to the appliances.',
    file: 'vpc.subnetIds',
  }),
  securityGroupIds: deploy({
    spec: list(awsId('security group id', 'sg'), {
      rule: 'a list of security group ids (sg-...)',
      min: 1,
      tooFew: 'must list at least one security group id, or be left out (a security group is then created)',
    }),
    doc: 'Security groups of the function.',
    defaultText: 'a new group',
    file: 'vpc.securityGroupIds',
  }),
  createEndpoints: deploy({
    spec: boolean(),
    doc: 'Create the VPC endpoints the function needs.',
    default: false,
    file: 'vpc.createEndpoints',
  }),
  routeTableIds: deploy({
    spec: list(awsId('route table id', 'rtb'), {
      rule: 'a list of route table ids (rtb-...)',
      min: 1,
      tooFew: 'must list the route tables of subnetIds',
    }),
    doc: 'Route tables of subnetIds, for the DynamoDB gateway endpoint.',
    file: 'vpc.routeTableIds',
  }),
  vpc: deploy({
    spec: anything('a VPC placement {vpc, subnets, securityGroups?, endpoints?}'),
    doc: 'Run the function in these subnets (appliances in private networks).',
    prop: { path: 'vpc', type: 'MptcpVpcProps', cdkValue: true, default: 'no VPC' },
  }),
};

type RuntimeRows = { readonly [N in RuntimeSettingName]: (typeof RUNTIME_SETTINGS)[N] & (typeof RUNTIME_SURFACES)[N] };

/** Every setting: the runtime settings with their surfaces, then the deployment's. */
export const SETTINGS = {
  ...(Object.fromEntries(
    (Object.keys(RUNTIME_SETTINGS) as RuntimeSettingName[]).map((name) => [name, { ...RUNTIME_SETTINGS[name], ...RUNTIME_SURFACES[name] }]),
  ) as RuntimeRows),
  ...DEPLOY_SETTINGS,
};

export type SettingName = keyof typeof SETTINGS;

/** The default of a setting that has one (a typed read of the row). */
export function defaultOf<N extends SettingName>(name: N): NonNullable<(typeof SETTINGS)[N]['default']> {
  const value = SETTINGS[name].default;
  if (value === undefined) throw new Error(`setting ${name} has no default`);
  return value as NonNullable<(typeof SETTINGS)[N]['default']>;
}
