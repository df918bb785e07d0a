import { z } from 'zod';
import { resolveSelection, UnknownMetricError } from '../../lambda/catalog/selection.js';
import { appliancesSchema } from '../../lambda/config/appliance.js';
import { NAMESPACE_RULE, namespaceProblem } from '../../lambda/config/namespace.js';
import { MAX_DISTINCT_SECRETS } from '../constructs/secret-access.js';
import { type AlarmKind, MAX_METRICS_PER_ALARM, protocolErrorMetricProblems, settingsFor } from '../model/alarm-plan.js';
import {
  DEFAULT_INTERVAL_MINUTES,
  DEFAULT_SHARD_SIZE,
  MAX_APPLIANCES,
  MAX_COUNTERS_LENGTH,
  MAX_MEMORY_MIB,
  MAX_SCHEDULE_INPUT_BYTES,
  MAX_SHARD_SIZE,
  MIN_MEMORY_MIB,
  MIN_TIMEOUT_SECONDS,
  maxTimeoutSeconds,
  shard,
} from '../model/sizing.js';

/**
 * The deployment config file (`mptcp-monitoring.json`). Every field is documented in README.md (Deployment, The config file); the
 * appliances use the function's own schema, so a file that synthesizes is one the function accepts.
 * Messages complete a sentence that starts with the field path: `alarms.fallbacks.threshold must be ...`.
 */

/** CloudWatch Logs retention values, in days (CloudFormation rejects any other). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

function required(rule: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? `is required: ${rule}` : `must be ${rule}`);
}

function integer(min: number, max?: number) {
  const rule = max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  return z.number({ error: required(rule) }).refine((n) => Number.isInteger(n) && n >= min && (max === undefined || n <= max), `must be ${rule}`);
}

function nonNegativeNumber() {
  return z.number({ error: required('a number >= 0') }).min(0, 'must be a number >= 0');
}

function bool() {
  return z.boolean({ error: required('true or false') });
}

function text(rule: string, pattern: RegExp) {
  return z.string({ error: required(rule) }).regex(pattern, `must be ${rule}`);
}

/** An object that rejects unknown fields and names the allowed ones. */
function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        return `has unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; allowed: ${allowed}`;
      }
      if (issue.code === 'invalid_type') return issue.input === undefined ? `is required: an object` : 'must be an object';
      return undefined;
    },
  });
}

const alarmBase = {
  enabled: bool().optional(),
  threshold: nonNegativeNumber().optional(),
  periodMinutes: integer(1, 1440).optional(),
  evaluationPeriods: integer(1, 1440).optional(),
  datapointsToAlarm: integer(1, 1440).optional(),
};

const collectionFailingSchema = strictObject({
  enabled: alarmBase.enabled,
  evaluationPeriods: alarmBase.evaluationPeriods,
  datapointsToAlarm: alarmBase.datapointsToAlarm,
});

const thresholdAlarmSchema = strictObject(alarmBase);

const protocolErrorsSchema = strictObject({
  ...alarmBase,
  metrics: z
    .array(z.string({ error: 'must be a CloudWatch metric name' }), { error: required(`a list of at most ${MAX_METRICS_PER_ALARM} counter names`) })
    .min(1, `must list 1 to ${MAX_METRICS_PER_ALARM} counter names (or leave the field out)`)
    .optional(),
});

const functionDurationSchema = strictObject({
  enabled: alarmBase.enabled,
  thresholdPercent: z
    .number({ error: required('a percentage of the collection window from 1 to 100') })
    .min(1, 'must be a percentage of the collection window from 1 to 100')
    .max(100, 'must be a percentage of the collection window from 1 to 100')
    .optional(),
  periodMinutes: alarmBase.periodMinutes,
  evaluationPeriods: alarmBase.evaluationPeriods,
  datapointsToAlarm: alarmBase.datapointsToAlarm,
});

const email = text('an e-mail address', /^[^\s@]+@[^\s@]+\.[^\s@]+$/);
const snsTopicArn = text('an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)', /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/);
const kmsKeyArn = text('a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)', /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/);

const alarmsSchema = strictObject({
  emails: z.array(email, { error: required('a list of e-mail addresses') }).optional(),
  topicArn: snsTopicArn.optional(),
  collectionFailing: collectionFailingSchema.optional(),
  protocolErrors: protocolErrorsSchema.optional(),
  resourceExhaustion: thresholdAlarmSchema.optional(),
  joinsRejected: thresholdAlarmSchema.optional(),
  sessionsWithoutSubflows: thresholdAlarmSchema.optional(),
  fallbacks: thresholdAlarmSchema.optional(),
  functionErrors: thresholdAlarmSchema.optional(),
  functionThrottles: thresholdAlarmSchema.optional(),
  functionDuration: functionDurationSchema.optional(),
});

const vpcSchema = strictObject({
  vpcId: text('a VPC id (vpc-...)', /^vpc-[0-9a-f]{8,17}$/),
  subnetIds: z
    .array(text('a subnet id (subnet-...)', /^subnet-[0-9a-f]{8,17}$/), { error: required('a list of subnet ids (subnet-...)') })
    .min(1, 'must list at least one subnet id (private subnets with a route to the appliances)'),
  securityGroupIds: z
    .array(text('a security group id (sg-...)', /^sg-[0-9a-f]{8,17}$/), { error: required('a list of security group ids (sg-...)') })
    .min(1, 'must list at least one security group id, or be left out (a security group is then created)')
    .optional(),
  createEndpoints: bool().optional(),
  routeTableIds: z
    .array(text('a route table id (rtb-...)', /^rtb-[0-9a-f]{8,17}$/), { error: required('a list of route table ids (rtb-...)') })
    .min(1, 'must list the route tables of subnetIds')
    .optional(),
});

export const configFileSchema = strictObject({
  $comment: z.string({ error: 'must be a string' }).optional(),
  stackName: text('a CloudFormation stack name: a letter, then letters, digits and hyphens, at most 128', /^[A-Za-z][A-Za-z0-9-]{0,127}$/).optional(),
  env: strictObject({
    account: text('a 12-digit AWS account id', /^\d{12}$/).optional(),
    region: text('an AWS region name such as eu-west-1', /^[a-z]{2}(-[a-z]+)+-\d+$/).optional(),
  }).optional(),
  tags: z
    .record(
      z.string().min(1, 'must have tag keys of 1 to 128 characters').max(128, 'must have tag keys of 1 to 128 characters'),
      z.string({ error: 'must map tag keys to string values' }).max(256, 'must have tag values of at most 256 characters'),
      { error: required('an object of tag keys to string values') },
    )
    .optional(),
  namespace: z
    .string({ error: required(NAMESPACE_RULE) })
    .superRefine((namespace, ctx) => {
      const problem = namespaceProblem(namespace);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  counters: z
    .union([z.string(), z.array(z.string())], {
      error: 'must be "default", "all", a comma-separated list or an array of counter names (CloudWatch metric or NITRO field names)',
    })
    .optional(),
  storageResolution: z.union([z.literal(60), z.literal(1)], { error: 'must be 60 (standard resolution) or 1 (high resolution)' }).optional(),
  schedule: strictObject({
    rateMinutes: integer(1, 1440).optional(),
    shardSize: integer(1, MAX_SHARD_SIZE).optional(),
    concurrency: integer(1, 100).optional(),
  }).optional(),
  function: strictObject({
    memoryMiB: integer(MIN_MEMORY_MIB, MAX_MEMORY_MIB).optional(),
    timeoutSeconds: integer(MIN_TIMEOUT_SECONDS).optional(),
    logRetentionDays: z
      .union([z.literal(LOG_RETENTION_DAYS), z.literal('infinite')], { error: `must be one of ${LOG_RETENTION_DAYS.join(', ')} or "infinite"` })
      .optional(),
    retainLogGroup: bool().optional(),
  }).optional(),
  secretsKmsKeyArns: z.array(kmsKeyArn, { error: required('a list of KMS key ARNs') }).optional(),
  vpc: vpcSchema.optional(),
  alarms: alarmsSchema.optional(),
  dashboard: strictObject({ enabled: bool().optional() }).optional(),
  appliances: appliancesSchema,
}).superRefine((config, ctx) => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  // Field checks do not stop these cross-field checks: use a field only when it is valid on its own.
  const rateMinutes = validInteger(config.schedule?.rateMinutes, 1, 1440) ?? DEFAULT_INTERVAL_MINUTES;

  const selection = checkCounters(config.counters, issue);

  const timeout = config.function?.timeoutSeconds;
  if (timeout !== undefined && timeout > maxTimeoutSeconds(rateMinutes)) {
    issue(
      ['function', 'timeoutSeconds'],
      `must be at most ${maxTimeoutSeconds(rateMinutes)} with a ${rateMinutes}-minute schedule (the interval minus 10 s, at most 900): a run must end before the next starts`,
    );
  }

  const alarms = config.alarms;
  if (alarms?.emails && alarms.topicArn) {
    issue(['alarms', 'topicArn'], 'cannot be combined with alarms.emails: subscribe the e-mail addresses to your own topic, or leave topicArn out');
  }
  for (const [kind, settings] of Object.entries(alarms ?? {})) {
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) continue;
    const s = settings as { periodMinutes?: number; evaluationPeriods?: number; datapointsToAlarm?: number };
    if (s.datapointsToAlarm !== undefined && s.evaluationPeriods !== undefined && s.datapointsToAlarm > s.evaluationPeriods) {
      issue(['alarms', kind, 'datapointsToAlarm'], `must be at most evaluationPeriods (${s.evaluationPeriods})`);
    }
    if (s.periodMinutes !== undefined && s.periodMinutes % rateMinutes !== 0) {
      issue(['alarms', kind, 'periodMinutes'], `must be a multiple of schedule.rateMinutes (${rateMinutes}): a shorter period has no datapoint`);
    }
    const period = kind === 'collectionFailing' ? rateMinutes : settingsFor(kind as AlarmKind, { periodMinutes: s.periodMinutes }, rateMinutes).periodMinutes;
    if (s.evaluationPeriods !== undefined && s.evaluationPeriods * period > 1440) {
      issue(['alarms', kind, 'evaluationPeriods'], `times the period (${period} min) must be at most one day (1440 min)`);
    }
  }
  const explicitErrors = alarms?.protocolErrors?.metrics;
  if (selection && explicitErrors) {
    for (const problem of protocolErrorMetricProblems(selection, explicitErrors)) issue(['alarms', 'protocolErrors', 'metrics'], problem);
  }

  if (config.vpc?.createEndpoints && !config.vpc.routeTableIds) {
    issue(['vpc', 'routeTableIds'], 'is required when createEndpoints is true: the route tables of subnetIds get the DynamoDB gateway endpoint');
  }

  if (config.appliances.length > MAX_APPLIANCES) {
    issue(
      ['appliances'],
      `lists ${config.appliances.length} appliances: at most ${MAX_APPLIANCES} per deployment; split the fleet over several config files with different stackName values`,
    );
  }
  const distinctSecrets = new Set(config.appliances.map((a) => a.secretId)).size;
  if (distinctSecrets > MAX_DISTINCT_SECRETS) {
    issue(
      ['appliances'],
      `use ${distinctSecrets} distinct secretId values: at most ${MAX_DISTINCT_SECRETS} per deployment (IAM policy size); let appliances share a secret (the same read-only NITRO user) or split the fleet`,
    );
  }

  const shardSize = validInteger(config.schedule?.shardSize, 1, MAX_SHARD_SIZE) ?? DEFAULT_SHARD_SIZE;
  shard(config.appliances, shardSize).forEach((appliances, index) => {
    const bytes = Buffer.byteLength(JSON.stringify({ appliances }));
    if (bytes > MAX_SCHEDULE_INPUT_BYTES) {
      issue(
        ['schedule', 'shardSize'],
        `is too large: shard ${index + 1} would pass ${bytes} bytes to the function (at most ${MAX_SCHEDULE_INPUT_BYTES}); lower shardSize or move caCertificate PEMs into the appliances' secrets`,
      );
    }
  });
});

export type ConfigFile = z.infer<typeof configFileSchema>;

function validInteger(value: number | undefined, min: number, max: number): number | undefined {
  return value !== undefined && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

function checkCounters(
  counters: string | string[] | undefined,
  issue: (path: (string | number)[], message: string) => void,
): ReturnType<typeof resolveSelection> | undefined {
  const names = typeof counters === 'string' ? counters.split(',') : counters;
  if (names?.every((name) => name.trim() === '')) {
    issue(['counters'], 'must name at least one counter, "default" or "all" (or be left out for "default")');
    return undefined;
  }
  const joined = (names ?? [])
    .map((name) => name.trim())
    .filter(Boolean)
    .join(',');
  if (joined.length > MAX_COUNTERS_LENGTH) {
    issue(
      ['counters'],
      `is ${joined.length} characters long: at most ${MAX_COUNTERS_LENGTH} fit the function's environment; use "all" or "default" plus the extra names`,
    );
    return undefined;
  }
  try {
    return resolveSelection(counters);
  } catch (error) {
    if (!(error instanceof UnknownMetricError)) throw error;
    const index = Array.isArray(counters) ? counters.findIndex((name) => name.trim() === error.unknownName) : -1;
    const suggestion = error.suggestions.length > 0 ? `; did you mean ${error.suggestions.map((s) => `"${s}"`).join(', ')}?` : '.';
    issue(
      index >= 0 ? ['counters', index] : ['counters'],
      `names an unknown counter "${error.unknownName}"${suggestion} Allowed: "default", "all", and CloudWatch metric or NITRO field names (docs/metrics.md)`,
    );
    return undefined;
  }
}
