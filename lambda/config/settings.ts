import { lookupMetric, UnknownMetricError } from '../catalog/selection.js';
import {
  MAX_VIRTUAL_SERVER_NAME_LENGTH,
  MAX_VIRTUAL_SERVERS_PER_APPLIANCE,
  VIRTUAL_SERVER_RULE,
  virtualServerListProblems,
} from '../catalog/virtual-server.js';
import { SESSION_TIMEOUT_SECONDS } from '../core/session-timeout.js';
import { DEFAULT_NAMESPACE } from '../metrics/health.js';
import { NAMESPACE_RULE, namespaceProblem } from './namespace.js';
import { pemBundleProblem } from './pem.js';
import { anything, boolean, choice, excerpt, type Infer, integer, list, number, object, optional, record, refine, type Spec, text, union } from './schema.js';

/**
 * THE SETTINGS MODEL: every setting's type, default and limits, defined once, and where each one appears:
 * - `file`: its path in the deployment config file (mptcp-monitoring.json; infra/config/file-schema.ts builds
 *   the file's schema from these rows),
 * - `prop`: its path in the MptcpMonitoring construct's props (checked at synth by infra/constructs/props-check.ts;
 *   a Duration prop converts to the setting's unit),
 * - `env`: the function's environment variable (parsed by run-config.ts; the names are a public contract).
 * Cross-field rules (timeout vs interval, shard input size, alarm windows) live in infra/config/settings-rules.ts.
 *
 * To add a setting: add one row to SETTINGS (spec, doc, default, and the surfaces it has). The config file,
 * the construct's check, the environment parsing, README's construct table (`npm run docs:settings`) and the
 * agreement test (test/integration/settings-agreement.test.ts) all follow from the row. A new field of an appliance:
 * add it to APPLIANCE_FIELDS (the config file, the props, the event and APPLIANCES share it), and to the
 * README's `appliances[]` table. Per-alarm fields: ALARM_FIELD_SPECS here and ALARM_FIELDS in
 * infra/model/alarm-plan.ts.
 */

export interface PropSurface {
  /** Dotted path in MptcpMonitoringProps. */
  readonly path: string;
  /** A Duration prop: converted to this unit before the setting's rule applies. */
  readonly duration?: 'minutes' | 'seconds';
  /** The prop's TypeScript type, when it is not the setting's own (docs). */
  readonly type?: string;
  /** A CDK value (a topic, a VPC, an enum): its TypeScript type is its check; the rule here is the file's. */
  readonly cdkValue?: true;
  /** The default as the prop gives it, when it is not the setting's value (docs). */
  readonly default?: string;
}

export interface Setting<T = unknown> {
  readonly spec: Spec<T>;
  /** What it does, one sentence (docs). */
  readonly doc: string;
  /** The value when it is left out. */
  readonly default?: T;
  /** The default in words, when it depends on other settings. */
  readonly defaultText?: string;
  /** It must be given (no default). */
  readonly required?: true;
  readonly file?: string;
  readonly prop?: PropSurface;
  readonly env?: string;
}

const setting = <T>(row: Setting<NoInfer<T>> & { readonly spec: Spec<T> }): Setting<T> => row as Setting<T>;

/** The longest gap after which a previous sample still gives deltas: three intervals of a daily schedule. */
const MAX_SAMPLE_AGE_LIMIT_SECONDS = 3 * 86_400;
/** The schedule interval may be as long as the previous sample may be old, over three intervals. */
const MAX_RATE_MINUTES = MAX_SAMPLE_AGE_LIMIT_SECONDS / 3 / 60;

/** Lambda allows 4 KB of environment variables in all; COUNTERS must leave room for the others. */
export const MAX_COUNTERS_LENGTH = 3_000;

/** CloudWatch Logs retention values, in days (CloudFormation rejects any other). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** CloudWatch accepts at most 10 metrics in one metric-math alarm. */
export const MAX_METRICS_PER_ALARM = 10;

// ---- An appliance (the handler contract's ApplianceConfig) ----

export const APPLIANCE_FIELDS = {
  name: text({
    rule: 'printable ASCII of 1 to 255 characters, not starting with a space (it becomes the Appliance dimension)',
    trim: true,
    minLength: 1,
    maxLength: 255,
    pattern: /^[\x21-\x7e][\x20-\x7e]*$/,
  }),
  url: text({
    rule: 'an absolute https:// URL of the appliance (e.g. https://adc.example.com), without path or query',
    trim: true,
    problem: urlProblem,
  }),
  secretId: text({ rule: 'a Secrets Manager secret name or ARN', trim: true, minLength: 1 }),
  caCertificate: optional(text({ rule: 'a PEM certificate bundle', problem: pemBundleProblem })),
  tlsServerName: optional(text({ rule: 'a DNS name (the name in the appliance certificate)', trim: true, pattern: /^[A-Za-z0-9.-]+$/ })),
  insecureSkipVerify: optional(boolean()),
  haMode: optional(choice(['primary-only', 'any'])),
  /** Explicit opt-in for a plain http:// URL (credentials then cross the network unencrypted). */
  allowPlainHttp: optional(boolean()),
  /**
   * The NITRO login session timeout (default SESSION_TIMEOUT_SECONDS.default, 300: accepted with and without
   * restrictedTimeout; core/session-timeout.ts says why).
   */
  sessionTimeoutSeconds: optional(integer({ min: SESSION_TIMEOUT_SECONDS.min, max: SESSION_TIMEOUT_SECONDS.max, unit: 'seconds' })),
  /** lb/cs virtual servers whose current MPTCP sessions and subflows are published (one GET each per run). */
  virtualServers: optional(
    list(
      text({
        rule: VIRTUAL_SERVER_RULE,
        problem: (entry) => (entry.length > MAX_VIRTUAL_SERVER_NAME_LENGTH + 3 ? `must be ${VIRTUAL_SERVER_RULE}` : undefined),
      }),
      {
        rule: `a list of at most ${MAX_VIRTUAL_SERVERS_PER_APPLIANCE} virtual servers, each ${VIRTUAL_SERVER_RULE}`,
        // Bounded before anything looks at the entries: a huge list costs no more than a short one.
        max: MAX_VIRTUAL_SERVERS_PER_APPLIANCE,
        tooMany: `must list at most ${MAX_VIRTUAL_SERVERS_PER_APPLIANCE} virtual servers (one GET each per run)`,
        across(entries, report) {
          for (const [at, message] of virtualServerListProblems(entries.map((e) => e.value))) {
            report(at === undefined ? [] : [entries[at]!.index], message);
          }
        },
      },
    ),
  ),
};

export const applianceSpec = object(APPLIANCE_FIELDS, {
  rule: 'an appliance object {name, url, secretId, ...}',
  across(appliance, report) {
    if (appliance.url?.startsWith('http://') && appliance.allowPlainHttp !== true) {
      report(['url'], 'is plain http://: use https://, or set "allowPlainHttp": true to send credentials unencrypted on purpose');
    }
  },
});

export type ApplianceConfig = Infer<typeof applianceSpec>;

export const appliancesSpec = list(applianceSpec, {
  rule: 'a list of appliance objects {name, url, secretId, ...}',
  min: 1,
  tooFew: 'must list at least one appliance',
  across(entries, report) {
    const seen = new Map<string, number>();
    for (const { index, value } of entries) {
      const first = seen.get(value.name);
      if (first === undefined) seen.set(value.name, index);
      else report([index, 'name'], `${excerpt(value.name)} is already used by appliances[${first}]: names must be unique (they key the state table)`);
    }
  },
});

function urlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be ${APPLIANCE_URL_RULE}`;
  }
  if (url.username !== '' || url.password !== '') {
    return 'must not contain a username or password (user:password@): put the credentials into the secret named by secretId';
  }
  const isHttp = url.protocol === 'https:' || url.protocol === 'http:';
  return isHttp && (url.pathname === '/' || url.pathname === '') && !url.search ? undefined : `must be ${APPLIANCE_URL_RULE}`;
}
const APPLIANCE_URL_RULE = 'an absolute https:// URL of the appliance (e.g. https://adc.example.com), without path or query';

const RUNBOOK_URL_RULE = 'an absolute https:// URL of the runbook page, without a #fragment (each alarm appends its own)';

function runbookUrlProblem(value: string): string | undefined {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '' && !value.includes('#') ? undefined : `must be ${RUNBOOK_URL_RULE}`;
  } catch {
    return `must be ${RUNBOOK_URL_RULE}`;
  }
}

// ---- Counters ----

const COUNTERS_RULE = '"default", "all", a comma-separated list or an array of counter names (CloudWatch metric or NITRO field names)';

/** Every unknown counter at once, each with the closest names; and the length limit of COUNTERS. */
function counterProblems(value: string | string[], report: (path: (string | number)[], message: string) => void): string | undefined {
  const entries = (typeof value === 'string' ? value.split(',') : value).map((name, index) => ({ name: name.trim(), index }));
  const named = entries.filter((e) => e.name !== '');
  if (named.length === 0) return 'must name at least one counter, "default" or "all" (or be left out for "default")';
  const joined = named.map((e) => e.name).join(',');
  if (joined.length > MAX_COUNTERS_LENGTH) {
    return `is ${joined.length} characters long: at most ${MAX_COUNTERS_LENGTH} fit the function's environment; use "all" or "default" plus the extra names`;
  }
  for (const { name, index } of named) {
    if (['default', 'all'].includes(name.toLowerCase())) continue;
    try {
      lookupMetric(name);
    } catch (error) {
      if (!(error instanceof UnknownMetricError)) throw error;
      const near = error.suggestions.length > 0 ? `; did you mean ${error.suggestions.map((s) => `"${s}"`).join(', ')}?` : '.';
      report(
        typeof value === 'string' ? [] : [index],
        `names an unknown counter ${excerpt(name)}${near} Allowed: "default", "all", and CloudWatch metric or NITRO field names (docs/metrics.md)`,
      );
    }
  }
  return undefined;
}

const countersSpec = refine(
  union<string | string[]>(
    [
      { fits: (v) => typeof v === 'string', spec: text({ rule: COUNTERS_RULE }) },
      { fits: Array.isArray, spec: list(text({ rule: 'a counter name' }), { rule: COUNTERS_RULE }) },
    ],
    COUNTERS_RULE,
  ),
  counterProblems,
);

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
  periodMinutes: { spec: integer({ min: 1, max: 1440, unit: 'minutes' }), doc: 'length of one evaluated period; a multiple of the interval' },
  evaluationPeriods: { spec: integer({ min: 1, max: 1440 }), doc: 'periods evaluated; times the period at most one day' },
  datapointsToAlarm: { spec: integer({ min: 1, max: 1440 }), doc: 'breaching periods that fire the alarm; at most evaluationPeriods' },
} as const satisfies Record<string, { spec: Spec<unknown>; doc: string }>;

export type AlarmField = keyof typeof ALARM_FIELD_SPECS;

// ---- The settings ----

const awsId = (what: string, prefix: string) => text({ rule: `a ${what} (${prefix}-...)`, pattern: new RegExp(`^${prefix}-[0-9a-f]{8,17}$`) });

export const SETTINGS = {
  appliances: setting({
    spec: appliancesSpec,
    doc: 'The appliances to collect (names unique): the handler contract ApplianceConfig.',
    required: true,
    file: 'appliances',
    prop: { path: 'appliances', type: 'ApplianceConfig[]' },
    env: 'APPLIANCES',
  }),
  namespace: setting({
    spec: text({ rule: NAMESPACE_RULE, problem: namespaceProblem }),
    doc: 'CloudWatch namespace; the function may publish only into it.',
    default: DEFAULT_NAMESPACE,
    file: 'namespace',
    prop: { path: 'namespace' },
    env: 'METRIC_NAMESPACE',
  }),
  counters: setting({
    spec: countersSpec,
    doc: 'The counters published: "default", "all", or metric / NITRO names (docs/metrics.md).',
    default: 'default',
    file: 'counters',
    prop: { path: 'counters', type: 'string | string[]' },
    env: 'COUNTERS',
  }),
  storageResolution: setting({
    spec: choice([60, 1], '60: standard resolution, 1: high resolution'),
    doc: 'CloudWatch storage resolution in seconds.',
    default: 60,
    file: 'storageResolution',
    prop: { path: 'storageResolution', type: '60 | 1' },
    env: 'STORAGE_RESOLUTION',
  }),
  concurrency: setting({
    spec: integer({ min: 1, max: 100 }),
    doc: 'Appliances collected at once within one invocation.',
    // From the bench's sweeps (docs/performance.md, Decisions): 1,000 appliances in 4.5 s at 224 MB with a whole
    // vCPU, and no appliance missed at Lambda's CPU share for 256 MB in a shard of up to 200.
    default: 40,
    file: 'schedule.concurrency',
    prop: { path: 'concurrency' },
    env: 'CONCURRENCY',
  }),
  maxSampleAgeSeconds: setting({
    spec: integer({ min: 60, max: MAX_SAMPLE_AGE_LIMIT_SECONDS, unit: 'seconds' }),
    doc: 'A previous sample older than this gives no counter deltas (the construct sets three intervals, at least 900).',
    default: 900,
    env: 'MAX_SAMPLE_AGE_SECONDS',
  }),
  stateTableName: setting({
    spec: text({ rule: 'the name of the DynamoDB table that keeps the previous sample per appliance', trim: true, minLength: 1 }),
    doc: 'The state table (partition key `appliance`, String); the construct creates it.',
    env: 'STATE_TABLE_NAME',
  }),
  rateMinutes: setting({
    spec: integer({ min: 1, max: MAX_RATE_MINUTES, unit: 'minutes' }),
    doc: 'Collection interval: one run per shard every this many minutes.',
    default: 1,
    file: 'schedule.rateMinutes',
    prop: { path: 'interval', duration: 'minutes', type: 'Duration', default: 'Duration.minutes(1)' },
  }),
  shardSize: setting({
    spec: integer({ min: 1, max: 100 }),
    doc: 'Appliances per invocation: one schedule per shard; each shard input at most 200,000 bytes.',
    default: 25,
    file: 'schedule.shardSize',
    prop: { path: 'shardSize' },
  }),
  memoryMiB: setting({
    spec: integer({ min: 128, max: 10_240, unit: 'MiB' }),
    doc: 'Function memory (CPU grows with it).',
    default: 256,
    file: 'function.memoryMiB',
    prop: { path: 'memorySize' },
  }),
  timeoutSeconds: setting({
    spec: integer({ min: 10, max: 900, unit: 'seconds' }),
    doc: 'Function timeout; at most the interval minus 10 s, so a run ends before the next starts.',
    defaultText: 'interval - 10 s, at most 300 s',
    file: 'function.timeoutSeconds',
    prop: { path: 'timeout', duration: 'seconds', type: 'Duration', default: 'interval - 10 s, at most 5 minutes' },
  }),
  logRetentionDays: setting({
    spec: choice([...LOG_RETENTION_DAYS, 'infinite']),
    doc: "Retention of the function's log group.",
    default: 30,
    file: 'function.logRetentionDays',
    prop: { path: 'logRetention', type: 'logs.RetentionDays', cdkValue: true, default: 'RetentionDays.ONE_MONTH' },
  }),
  retainLogGroup: setting({
    spec: boolean(),
    doc: 'Keep the log group when the stack is deleted.',
    default: true,
    file: 'function.retainLogGroup',
    prop: { path: 'logGroupRemovalPolicy', type: 'RemovalPolicy', cdkValue: true, default: 'RemovalPolicy.RETAIN' },
  }),
  dashboard: setting({ spec: boolean(), doc: 'Create the dashboard.', default: true, file: 'dashboard.enabled', prop: { path: 'dashboard' } }),
  schedulesEnabled: setting({
    spec: boolean(),
    doc: 'false deploys the schedules disabled (nothing is collected).',
    default: true,
    prop: { path: 'schedulesEnabled' },
  }),
  title: setting({ spec: text({ rule: 'a dashboard title', minLength: 1 }), doc: 'Dashboard title.', default: 'NetScaler MPTCP', prop: { path: 'title' } }),
  secretsKmsKeyArns: setting({
    spec: list(text({ rule: 'a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)', pattern: /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/ }), {
      rule: 'a list of KMS key ARNs',
    }),
    doc: 'Customer managed KMS keys of the appliance secrets, if any.',
    file: 'secretsKmsKeyArns',
    prop: { path: 'secretsEncryptionKeyArns' },
  }),
  alarmEmails: setting({
    spec: list(text({ rule: 'an e-mail address', pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/ }), { rule: 'a list of e-mail addresses' }),
    doc: 'E-mail subscriptions of the new alarm topic (not with an existing topic).',
    file: 'alarms.emails',
    prop: { path: 'alarms.emails' },
  }),
  alarmTopicArn: setting({
    spec: text({
      rule: 'an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)',
      pattern: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/,
    }),
    doc: 'An existing SNS topic to notify instead of a new one.',
    defaultText: 'a new topic',
    file: 'alarms.topicArn',
    prop: { path: 'alarms.topic', type: 'sns.ITopic', cdkValue: true, default: 'a new topic' },
  }),
  protocolErrorMetrics: setting({
    spec: list(text({ rule: 'a CloudWatch metric name' }), {
      rule: `a list of 1 to ${MAX_METRICS_PER_ALARM} selected counter names`,
      min: 1,
      tooFew: `must list 1 to ${MAX_METRICS_PER_ALARM} counter names (or leave the field out)`,
    }),
    doc: `Counters the protocol-errors alarm sums (at most ${MAX_METRICS_PER_ALARM}, each selected).`,
    defaultText: 'by PROTOCOL_ERROR_PRIORITY',
    file: 'alarms.protocolErrors.metrics',
    prop: { path: 'alarms.protocolErrorMetrics' },
  }),
  alarmNotify: setting({
    spec: choice(['per-appliance', 'per-alarm'], 'per-appliance: one composite page per appliance and one for the collector; per-alarm: every alarm notifies'),
    doc: 'How alarms page: one Incident composite per appliance, silenced while CollectorFailing pages for the collector; or every alarm on its own.',
    default: 'per-appliance',
    file: 'alarms.notify',
    prop: { path: 'alarms.notify', type: "'per-appliance' | 'per-alarm'" },
  }),
  alarmNamePrefix: setting({
    spec: text({ rule: 'an alarm name prefix of 1 to 200 characters', minLength: 1, maxLength: 200 }),
    doc: 'Alarm names start with this; unique per deployment in an account and region.',
    defaultText: '<stack name>-<construct id>',
    prop: { path: 'alarms.alarmNamePrefix' },
  }),
  runbookBaseUrl: setting({
    spec: text({ rule: RUNBOOK_URL_RULE, trim: true, problem: runbookUrlProblem }),
    doc: 'The runbook page the alarm descriptions link, each to its alarm heading (#protocolerrors, ...): your own copy, e.g. on a wiki.',
    default: 'https://github.com/netscaler-mptcp-cloudwatch/netscaler-mptcp-cloudwatch/blob/main/docs/runbook.md',
    file: 'alarms.runbookBaseUrl',
    prop: { path: 'alarms.runbookBaseUrl' },
  }),
  stackName: setting({
    spec: text({
      rule: 'a CloudFormation stack name: a letter, then letters, digits and hyphens, at most 128',
      pattern: /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
    }),
    doc: 'CloudFormation stack name.',
    default: 'NetScalerMptcpMonitoring',
    file: 'stackName',
  }),
  account: setting({ spec: text({ rule: 'a 12-digit AWS account id', pattern: /^\d{12}$/ }), doc: 'Pin the stack to this account.', file: 'env.account' }),
  region: setting({
    spec: text({ rule: 'an AWS region name such as eu-west-1', pattern: /^[a-z]{2}(-[a-z]+)+-\d+$/ }),
    doc: 'Pin the stack to this region.',
    file: 'env.region',
  }),
  tags: setting({
    spec: record(
      text({ rule: 'a tag key of 1 to 128 characters', minLength: 1, maxLength: 128 }),
      text({ rule: 'a string tag value of at most 256 characters', maxLength: 256 }),
      'an object of tag keys to string values',
    ),
    doc: 'Tags on every resource.',
    file: 'tags',
  }),
  comment: setting({ spec: text({ rule: 'a string' }), doc: 'Ignored.', file: '$comment' }),
  vpcId: setting({ spec: awsId('VPC id', 'vpc'), doc: 'The VPC to run the function in.', file: 'vpc.vpcId' }),
  subnetIds: setting({
    spec: list(awsId('subnet id', 'subnet'), {
      rule: 'a list of subnet ids (subnet-...)',
      min: 1,
      tooFew: 'must list at least one subnet id (private subnets with a route to the appliances)',
    }),
    doc: 'Private subnets with a route to the appliances.',
    file: 'vpc.subnetIds',
  }),
  securityGroupIds: setting({
    spec: list(awsId('security group id', 'sg'), {
      rule: 'a list of security group ids (sg-...)',
      min: 1,
      tooFew: 'must list at least one security group id, or be left out (a security group is then created)',
    }),
    doc: 'Security groups of the function.',
    defaultText: 'a new group',
    file: 'vpc.securityGroupIds',
  }),
  createEndpoints: setting({ spec: boolean(), doc: 'Create the VPC endpoints the function needs.', default: false, file: 'vpc.createEndpoints' }),
  routeTableIds: setting({
    spec: list(awsId('route table id', 'rtb'), { rule: 'a list of route table ids (rtb-...)', min: 1, tooFew: 'must list the route tables of subnetIds' }),
    doc: 'Route tables of subnetIds, for the DynamoDB gateway endpoint.',
    file: 'vpc.routeTableIds',
  }),
  vpc: setting({
    spec: anything('a VPC placement {vpc, subnets, securityGroups?, endpoints?}'),
    doc: 'Run the function in these subnets (appliances in private networks).',
    prop: { path: 'vpc', type: 'MptcpVpcProps', cdkValue: true, default: 'no VPC' },
  }),
};

export type SettingName = keyof typeof SETTINGS;

/** The default of a setting that has one (a typed read of the row). */
export function defaultOf<N extends SettingName>(name: N): NonNullable<(typeof SETTINGS)[N]['default']> {
  const value = SETTINGS[name].default;
  if (value === undefined) throw new Error(`setting ${name} has no default`);
  return value as NonNullable<(typeof SETTINGS)[N]['default']>;
}
