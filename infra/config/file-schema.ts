import { type Infer, object, optional, type Problem, type Spec } from '../../lambda/config/schema.js';
import { ALARM_FIELDS, type AlarmKind } from '../model/alarm-plan.js';
import { ALARM_FIELD_SPECS, type AlarmField, SETTINGS } from '../model/settings.js';
import { alarmOverridesOf, crossFieldProblems, SETTING_ROWS } from './settings-rules.js';

/**
 * The deployment config file (`mptcp-monitoring.json`), composed from the settings model's rows: each field
 * is the row whose `file` is its path (test/integration/settings-agreement.test.ts checks that both ways). Every field
 * is documented in docs/configuration.md (Deployment, The config file); the appliances are the function's own model, so a
 * file that synthesizes is one the function accepts.
 */

const S = SETTINGS;

/** An alarm's settings as the config file gives them. */
export type AlarmFileSettings = { readonly [F in AlarmField]?: F extends 'enabled' ? boolean : number };

function alarmFields(kind: AlarmKind): Record<string, Spec<unknown> & { optional: true }> {
  return Object.fromEntries(ALARM_FIELDS[kind].map((field) => [field, optional(ALARM_FIELD_SPECS[field].spec as Spec<unknown>)]));
}

function alarmObject(kind: AlarmKind) {
  return optional(object(alarmFields(kind), { rule: `the ${kind} alarm's settings object` }) as unknown as Spec<AlarmFileSettings>);
}

const KINDS = Object.keys(ALARM_FIELDS) as AlarmKind[];

const alarmsObject = object(
  {
    emails: optional(S.alarmEmails.spec),
    topicArn: optional(S.alarmTopicArn.spec),
    notify: optional(S.alarmNotify.spec),
    runbookBaseUrl: optional(S.runbookBaseUrl.spec),
    ...(Object.fromEntries(KINDS.map((kind) => [kind, alarmObject(kind)])) as Record<
      Exclude<AlarmKind, 'protocolErrors'>,
      ReturnType<typeof alarmObject>
    >),
    protocolErrors: optional(
      object(
        { ...alarmFields('protocolErrors'), metrics: optional(S.protocolErrorMetrics.spec) },
        { rule: "the protocolErrors alarm's settings object" },
      ) as unknown as Spec<AlarmFileSettings & { readonly metrics?: string[] }>,
    ),
  },
  { rule: 'the alarms object' },
);

export const configFileSpec = object(
  {
    $comment: optional(S.comment.spec),
    stackName: optional(S.stackName.spec),
    env: optional(object({ account: optional(S.account.spec), region: optional(S.region.spec) }, { rule: 'an object {account, region}' })),
    tags: optional(S.tags.spec),
    namespace: optional(S.namespace.spec),
    counters: optional(S.counters.spec),
    storageResolution: optional(S.storageResolution.spec),
    schedule: optional(
      object(
        { rateMinutes: optional(S.rateMinutes.spec), shardSize: optional(S.shardSize.spec), concurrency: optional(S.concurrency.spec) },
        { rule: 'an object {rateMinutes, shardSize, concurrency}' },
      ),
    ),
    function: optional(
      object(
        {
          memoryMiB: optional(S.memoryMiB.spec),
          timeoutSeconds: optional(S.timeoutSeconds.spec),
          logRetentionDays: optional(S.logRetentionDays.spec),
          retainLogGroup: optional(S.retainLogGroup.spec),
        },
        { rule: 'an object {memoryMiB, timeoutSeconds, logRetentionDays, retainLogGroup}' },
      ),
    ),
    secretsKmsKeyArns: optional(S.secretsKmsKeyArns.spec),
    vpc: optional(
      object(
        {
          vpcId: S.vpcId.spec,
          subnetIds: S.subnetIds.spec,
          securityGroupIds: optional(S.securityGroupIds.spec),
          createEndpoints: optional(S.createEndpoints.spec),
          routeTableIds: optional(S.routeTableIds.spec),
        },
        {
          rule: 'an object {vpcId, subnetIds, ...}',
          across(vpc, report) {
            if (vpc.createEndpoints && !vpc.routeTableIds) {
              report(
                ['routeTableIds'],
                'is required when createEndpoints is true: the route tables of subnetIds get the DynamoDB gateway endpoint',
              );
            }
          },
        },
      ),
    ),
    alarms: optional(alarmsObject),
    dashboard: optional(object({ enabled: optional(S.dashboard.spec) }, { rule: 'an object {enabled}' })),
    appliances: S.appliances.spec,
  },
  {
    rule: 'a JSON object',
    across(config, report, input) {
      const alarms = config.alarms ?? {};
      const overrides = alarmOverridesOf(alarms as Record<string, Record<string, unknown> | undefined>);
      const countersValid = config.counters !== undefined || input.counters === undefined;
      for (const problem of crossFieldProblems({
        ...(config.schedule?.rateMinutes === undefined ? {} : { rateMinutes: config.schedule.rateMinutes }),
        ...(config.schedule?.shardSize === undefined ? {} : { shardSize: config.schedule.shardSize }),
        ...(config.function?.timeoutSeconds === undefined ? {} : { timeoutSeconds: config.function.timeoutSeconds }),
        ...(config.appliances === undefined ? {} : { appliances: config.appliances }),
        ...(config.counters === undefined ? {} : { counters: config.counters }),
        alarms: overrides,
        ...(alarms.protocolErrors?.metrics && countersValid ? { protocolErrorMetrics: alarms.protocolErrors.metrics } : {}),
        ...(alarms.emails ? { alarmEmails: alarms.emails } : {}),
        existingTopic: alarms.topicArn !== undefined,
      })) {
        report(filePathOf(problem.setting), problem.message);
      }
    },
  },
);

export type ConfigFile = Infer<typeof configFileSpec>;

/** The config file path of a setting row, as a path for problems. */
export function filePathOf(setting: string): string[] {
  const row = SETTING_ROWS.find((r) => r.id === setting);
  if (!row?.file) throw new Error(`setting ${setting} has no config file field`);
  return row.file.split('.');
}

export type { Problem };
