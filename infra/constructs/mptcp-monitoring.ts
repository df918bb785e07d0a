import { Duration, Names, NestedStack, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { CATALOG, type MetricDefinition } from '../../lambda/catalog/catalog.js';
import { closestNames } from '../../lambda/catalog/closest-names.js';
import { ROLLUP_METRICS } from '../../lambda/catalog/rollups.js';
import { lookupMetric, resolveSelection, UnknownMetricError } from '../../lambda/catalog/selection.js';
import { VIRTUAL_SERVER_ERRORS_METRIC, VIRTUAL_SERVER_GAUGES } from '../../lambda/catalog/virtual-server-metrics.js';
import type { ApplianceConfig } from '../../lambda/config/appliance.js';
import { APPLIANCE_DIMENSION, HEALTH_METRICS, PUBLISHED_HEALTH_METRICS, STATE_HEALTH_METRICS } from '../../lambda/metrics/health.js';
import { givenSetting, settingValue } from '../config/prop-values.js';
import { type AlarmFieldValues, type AlarmSettingsProps, alarmOverridesOf } from '../config/settings-rules.js';
import { applianceAlarmName } from '../model/alarm-names.js';
import {
  type AlarmSettings,
  type ApplianceAlarmPlan,
  COLLECTOR_ALARM_KINDS,
  type CollectorAlarmKind,
  MAX_FLEET_ALARM_WINDOW_MINUTES,
  planApplianceAlarms,
  settingsFor,
} from '../model/alarm-plan.js';
import { INCIDENT_SUFFIX, incidentAlarmDescription } from '../model/alarm-text.js';
import { type NotifyMode, suppressorTiming } from '../model/incident-plan.js';
import { defaultTimeoutSeconds, nearTimeoutThresholdMs, shard } from '../model/sizing.js';
import { AlarmTopic } from './alarm-topic.js';
import { ApplianceAlarms, applianceConstructId } from './appliance-alarms.js';
import { CollectorAlarms } from './collector-alarms.js';
import { CollectorEndpoints } from './collector-endpoints.js';
import { CollectorFailing } from './collector-failing.js';
import { CollectorFunction, type CollectorVpcPlacement, type RuntimeValues } from './collector-function.js';
import { CollectorMetrics } from './collector-metrics.js';
import { CollectorSchedules } from './collector-schedules.js';
import { FleetAlarms } from './fleet-alarms.js';
import { IncidentAlarm } from './incident-alarm.js';
import { MonitoringDashboard } from './monitoring-dashboard.js';
import { checkProps } from './props-check.js';
import { SampleQueries } from './sample-queries.js';
import { StateTable } from './state-table.js';

export interface MptcpVpcProps extends CollectorVpcPlacement {
  /**
   * Create the endpoints the collector needs (Secrets Manager, CloudWatch, DynamoDB) in this VPC, for subnets
   * without a NAT gateway. Leave out when the VPC has them already.
   */
  readonly endpoints?: {
    /** Route tables of the subnets, for the DynamoDB gateway endpoint. */
    readonly routeTableIds: readonly string[];
  };
}

/**
 * The alarms: their topic, names and paging, and each alarm's settings as `alarms.<alarm>` (AlarmSettingsProps, one
 * object per alarm kind, as in the config file): overrides of ALARM_DEFAULTS with the file's words, `threshold`,
 * functionDuration's `thresholdPercent`, an anomaly alarm's `bandWidth`, `enabled`, `periodMinutes`,
 * `evaluationPeriods`, `datapointsToAlarm` (docs/configuration.md lists each alarm's fields and defaults).
 */
export interface MptcpAlarmProps extends AlarmSettingsProps {
  /**
   * Notify this existing topic (its policy must let CloudWatch publish).
   * @default a new topic
   */
  readonly topic?: sns.ITopic;
  /**
   * Notify this existing topic, by ARN (as `alarms.topicArn` in the config file). Not with `topic`.
   * @default a new topic
   */
  readonly topicArn?: string;
  /**
   * E-mail subscriptions of the new topic. Not with `topic` or `topicArn`.
   * @default none
   */
  readonly emails?: readonly string[];
  /** The protocol-errors alarm: its counters and its settings (as `alarms.protocolErrors` in the config file). */
  readonly protocolErrors?: MptcpProtocolErrorsProps;
  /**
   * Alarm names start with this (`<prefix>-<appliance>-CollectionFailing`, `<prefix>-ProtocolErrors` for a fleet
   * alarm); unique per deployment in an account and region.
   * @default <stack name>-<construct id>
   */
  readonly alarmNamePrefix?: string;
  /**
   * `per-appliance`: one composite alarm per appliance pages (its alarms stay visible, silent), and
   * CollectorFailing pages once for the collector, silencing the appliance pages meanwhile. `per-alarm`: every
   * alarm notifies on its own.
   * @default "per-appliance"
   */
  readonly notify?: NotifyMode;
  /**
   * The runbook page the alarm descriptions link, each alarm to its heading (`#protocolerrors`, ...): your own
   * copy of docs/runbook.md, e.g. on a wiki.
   * @default "https://github.com/netscaler-mptcp-cloudwatch/netscaler-mptcp-cloudwatch/blob/main/docs/runbook.md"
   */
  readonly runbookBaseUrl?: string;
}

export interface MptcpDashboardProps {
  /**
   * Create the dashboard.
   * @default true
   */
  readonly enabled?: boolean;
}

/** The protocol-errors alarm's counters, and its settings as every alarm's (`threshold`, `periodMinutes`, ...). */
export interface MptcpProtocolErrorsProps extends AlarmFieldValues<'protocolErrors'> {
  /**
   * Counters the protocol-errors alarm sums (at most 10, each selected).
   * @default the ProtocolErrors rollup (docs/metrics.md)
   */
  readonly metrics?: readonly string[];
}

export interface MptcpScheduleProps {
  /**
   * Collection interval: one run per shard every this many minutes.
   * @default 1
   */
  readonly rateMinutes?: number;
  /**
   * Appliances per invocation (one schedule per shard).
   * @default 25
   */
  readonly shardSize?: number;
  /**
   * Appliances collected at once within an invocation.
   * @default 40
   */
  readonly concurrency?: number;
}

export interface MptcpFunctionProps {
  /**
   * Function memory in MiB (CPU grows with it).
   * @default 256
   */
  readonly memoryMiB?: number;
  /**
   * Function timeout in seconds; at most the interval minus 10 s, so a run ends before the next starts.
   * @default interval - 10 s, at most 300 s
   */
  readonly timeoutSeconds?: number;
  /**
   * Retention of the function's log group, in days (a CloudWatch Logs retention value), or 'infinite'.
   * @default 30
   */
  readonly logRetentionDays?: number | 'infinite';
  /**
   * Keep the log group when the stack is deleted (its logs then stay until their retention expires them).
   * @default true
   */
  readonly retainLogGroup?: boolean;
}

/** Every prop's `@default` is its settings row's default (test/unit/infra-docs.test.ts checks them). */
export interface MptcpMonitoringProps {
  /** The appliances to collect (the handler contract's ApplianceConfig; names unique). Required. */
  readonly appliances: readonly ApplianceConfig[];
  /**
   * CloudWatch namespace; the function may publish only into it.
   * @default "NetScaler/MPTCP"
   */
  readonly namespace?: string;
  /**
   * `default`, `all`, a comma-separated list or an array of metric / NITRO names (docs/metrics.md).
   * @default "default"
   */
  readonly counters?: string | readonly string[];
  /**
   * CloudWatch storage resolution in seconds: 60 (standard) or 1 (high resolution).
   * @default 60
   */
  readonly storageResolution?: 60 | 1;
  /** When the collector runs (as `schedule` in the config file). */
  readonly schedule?: MptcpScheduleProps;
  /** The collector function (as `function` in the config file). */
  readonly function?: MptcpFunctionProps;
  /**
   * Customer managed KMS keys of the appliance secrets, if any.
   * @default none
   */
  readonly secretsKmsKeyArns?: readonly string[];
  /**
   * Run the function in these subnets (appliances in private networks).
   * @default no VPC
   */
  readonly vpc?: MptcpVpcProps;
  /**
   * The alarms' topic, settings and names.
   * @default {}
   */
  readonly alarms?: MptcpAlarmProps;
  /** The dashboard (as `dashboard` in the config file). */
  readonly dashboard?: MptcpDashboardProps;
  /**
   * false deploys the schedules disabled (nothing is collected).
   * @default true
   */
  readonly schedulesEnabled?: boolean;
  /**
   * Dashboard title.
   * @default "NetScaler MPTCP"
   */
  readonly title?: string;
}

/**
 * Appliance alarms per CloudFormation template. Keeps every template well under the 500-resource and 1 MB
 * limits, and under 200 outputs (the dashboard references each alarm of a nested stack through an output).
 */
export const MAX_APPLIANCE_ALARMS_PER_TEMPLATE = 180;

/**
 * NetScaler MPTCP monitoring: the collector function, its schedules and state table, least-privilege IAM,
 * alarms per appliance, for the whole fleet and on the collector, an SNS topic, and a dashboard.
 */
export class MptcpMonitoring extends Construct {
  /** The collector function. */
  readonly function: lambda.Function;
  readonly logGroup: logs.ILogGroup;
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  readonly schedules: readonly scheduler.Schedule[];
  readonly selection: readonly MetricDefinition[];
  readonly alarmPlan: ApplianceAlarmPlan;
  /** Every metric alarm: the collector's, the fleet alarms, then each appliance's. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /**
   * The fleet alarms: one Metrics Insights alarm per rollup alarm for every appliance (each appliance a
   * contributor that notifies on its own), in both notify modes.
   */
  readonly fleetAlarms: readonly cloudwatch.IAlarm[];
  /**
   * The alarms that page with `notify: per-appliance`: CollectorFailing, the fleet alarms, then one Incident per
   * appliance; empty with `per-alarm`.
   */
  readonly pages: readonly cloudwatch.IAlarm[];
  readonly dashboard?: cloudwatch.Dashboard;
  readonly timeout: Duration;
  /** The CloudWatch namespace the collector publishes into. */
  readonly namespace: string;
  private readonly appliances: readonly ApplianceConfig[];

  constructor(scope: Construct, id: string, props: MptcpMonitoringProps) {
    super(scope, id);
    checkProps(props);
    const appliances = props.appliances;
    this.appliances = appliances;
    const namespace = settingValue(props, 'namespace');
    const countersSpec = normalizeCounters(props.counters);
    this.namespace = namespace;
    this.selection = resolveSelection(countersSpec);
    const intervalMinutes = settingValue(props, 'rateMinutes');
    const interval = Duration.minutes(intervalMinutes);
    const timeoutSeconds = givenSetting(props, 'timeoutSeconds');
    this.timeout = Duration.seconds(timeoutSeconds ?? defaultTimeoutSeconds(intervalMinutes));

    const state = new StateTable(this, 'State');
    this.table = state.table;

    // The function's runtime settings as given (the function's own defaults apply to the rest).
    const runtime = {
      namespace,
      counters: countersSpec,
      ...definedOnly({ storageResolution: givenSetting(props, 'storageResolution'), concurrency: givenSetting(props, 'concurrency') }),
    } satisfies RuntimeValues;
    const collector = new CollectorFunction(this, 'Collector', {
      applianceCount: appliances.length,
      intervalMinutes,
      runtime,
      stateTable: this.table,
      secretIds: appliances.map((a) => a.secretId),
      secretsEncryptionKeyArns: props.secretsKmsKeyArns ?? [],
      memorySize: settingValue(props, 'memoryMiB'),
      timeout: this.timeout,
      logRetention: retentionDays(settingValue(props, 'logRetentionDays')),
      logGroupRemovalPolicy: settingValue(props, 'retainLogGroup') ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      appliancePorts: appliances.map(urlPort),
      ...(props.vpc ? { vpc: props.vpc } : {}),
    });
    this.function = collector.function;
    this.logGroup = collector.logGroup;
    new SampleQueries(this, 'SampleQueries', { logGroup: this.logGroup, folder: defaultAlarmNamePrefix(this) });

    if (props.vpc?.endpoints) {
      new CollectorEndpoints(this, 'Endpoints', {
        vpc: props.vpc.vpc,
        subnets: props.vpc.subnets,
        routeTableIds: props.vpc.endpoints.routeTableIds,
        clientSecurityGroups: collector.securityGroups,
      });
    }

    this.schedules = new CollectorSchedules(this, 'Schedules', {
      function: this.function,
      appliances,
      interval,
      shardSize: settingValue(props, 'shardSize'),
      enabled: settingValue(props, 'schedulesEnabled'),
    }).schedules;

    const alarmTopic = new AlarmTopic(this, 'Alarms', {
      ...(props.alarms?.topic ? { topic: props.alarms.topic } : {}),
      ...(props.alarms?.topicArn ? { topic: sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarms.topicArn) } : {}),
      ...(props.alarms?.emails ? { emails: props.alarms.emails } : {}),
    });
    this.topic = alarmTopic.topic;
    if (alarmTopic.created && (props.alarms?.emails ?? []).length === 0) {
      Validations.of(this).addWarning(
        'mptcp-monitoring:topic-without-subscriptions',
        'Alarms notify a new SNS topic without subscriptions: set alarms.emails (or alarms.topicArn), or subscribe to the TopicArn output yourself.',
      );
    }
    const action = new cloudwatchActions.SnsAction(this.topic);

    const alarmOverrides = alarmOverridesOf(props.alarms);
    const collectorSettings = Object.fromEntries(
      COLLECTOR_ALARM_KINDS.map((kind) => [kind, settingsFor(kind, alarmOverrides[kind], intervalMinutes)]),
    ) as Record<CollectorAlarmKind, AlarmSettings>;
    const alarmNamePrefix = props.alarms?.alarmNamePrefix ?? defaultAlarmNamePrefix(this);
    const runbookBaseUrl = settingValue(props, 'runbookBaseUrl');
    const perAppliance = settingValue(props, 'alarmNotify') === 'per-appliance';
    const collectorAlarms = new CollectorAlarms(this, 'CollectorAlarms', {
      alarmNamePrefix,
      function: this.function,
      logGroup: this.logGroup,
      timeout: this.timeout,
      settings: collectorSettings,
      runbookBaseUrl,
      ...(perAppliance ? {} : { action }),
    });
    const collectorFailing = perAppliance
      ? new CollectorFailing(this, 'CollectorFailing', {
          function: this.function,
          intervalMinutes,
          collectorAlarms: collectorAlarms.named,
          action,
          alarmNamePrefix,
          runbookBaseUrl,
        })
      : undefined;

    const metrics = new CollectorMetrics(namespace);
    this.alarmPlan = planApplianceAlarms(this.selection, {
      intervalMinutes,
      overrides: alarmOverrides,
      ...(props.alarms?.protocolErrors?.metrics ? { protocolErrorMetrics: props.alarms.protocolErrors.metrics } : {}),
    });
    for (const skipped of this.alarmPlan.skipped) {
      if (skipped.cause === 'disabled') continue;
      Validations.of(this).addWarning(
        `mptcp-monitoring:alarm-skipped:${skipped.kind}`,
        `The ${skipped.kind} alarm is not created: ${skipped.reason}. Add its counters to "counters" to get it.`,
      );
    }
    for (const planned of this.alarmPlan.perAppliance) {
      if (planned.perApplianceCause !== 'window') continue;
      const { periodMinutes, evaluationPeriods } = planned.settings;
      Validations.of(this).addWarning(
        `mptcp-monitoring:alarm-per-appliance:${planned.kind}`,
        `The ${planned.kind} alarm is one per appliance, not a fleet alarm: its window of ${periodMinutes * evaluationPeriods} minutes (${evaluationPeriods} x ${periodMinutes}) is longer than the ${MAX_FLEET_ALARM_WINDOW_MINUTES} minutes a Metrics Insights alarm evaluates. Each appliance pays for it every month; shorten the window to get one alarm for every appliance.`,
      );
    }
    const pageOptions = collectorFailing
      ? {
          suppressor: collectorFailing,
          timing: suppressorTiming(intervalMinutes, settingsFor('collectionFailing', alarmOverrides.collectionFailing, intervalMinutes)),
        }
      : undefined;
    // One alarm per rollup for every appliance: not members of the Incident composites (a composite cannot tell
    // contributors apart), they notify per appliance themselves.
    const fleet = new FleetAlarms(this, 'FleetAlarms', {
      alarms: this.alarmPlan.fleet,
      namespace,
      action,
      alarmNamePrefix,
      runbookBaseUrl,
    });
    this.fleetAlarms = fleet.alarms;
    const applianceAlarms = this.createApplianceAlarms(
      appliances,
      metrics,
      action,
      { alarmNamePrefix, runbookBaseUrl, fleetAlarmNames: fleet.alarmNames },
      pageOptions,
    );
    this.alarms = [
      ...collectorAlarms.alarms,
      ...(collectorFailing ? [collectorFailing.collectorDown] : []),
      ...this.fleetAlarms,
      ...applianceAlarms.members,
    ];
    this.pages = collectorFailing ? [collectorFailing.alarm, ...this.fleetAlarms, ...applianceAlarms.pages] : [];

    if (settingValue(props, 'dashboard')) {
      const sessionsSettings = this.alarmPlan.perAppliance.find((a) => a.kind === 'sessionsWithoutSubflows')?.settings;
      const pages = new Set(this.pages);
      this.dashboard = new MonitoringDashboard(this, 'Dashboard', {
        metrics,
        selection: this.selection,
        applianceNames: appliances.map((a) => a.name),
        interval,
        function: this.function,
        logGroup: this.logGroup,
        timeout: this.timeout,
        // The fleet alarms page: listed once, with the pages.
        alarms: this.alarms.filter((alarm) => !pages.has(alarm)),
        pages: this.pages,
        virtualServers: appliances,
        ...(sessionsSettings ? { sessionsWithoutSubflowsThreshold: sessionsSettings.threshold } : {}),
        ...(collectorSettings.functionDuration.enabled
          ? { durationThresholdMs: nearTimeoutThresholdMs(this.timeout.toMilliseconds(), collectorSettings.functionDuration.threshold) }
          : {}),
        title: settingValue(props, 'title'),
        countersSpec,
      }).dashboard;
    }
  }

  /**
   * One of the published metrics of one appliance (its CloudWatch name: docs/metrics.md, or a health metric such
   * as CollectionSuccess), for your own alarms and graphs. Counters are per-interval deltas: use Sum.
   * Refuses at synth a metric the collector does not publish for that appliance (an unknown name, a counter not
   * in `counters`, a virtual server metric of an appliance that lists none) and an appliance not in `appliances`:
   * an alarm on either would wait in INSUFFICIENT_DATA forever.
   */
  metric(metricName: string, appliance: string, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    const problem = metricProblem(metricName, appliance, this.selection, this.appliances);
    if (problem) throw new Error(`MptcpMonitoring.metric: ${problem}`);
    return new cloudwatch.Metric({
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...options,
      namespace: this.namespace,
      metricName,
      dimensionsMap: { ...options.dimensionsMap, [APPLIANCE_DIMENSION]: appliance },
    });
  }

  /**
   * Alarms per appliance (the plan's perAppliance; the fleet alarms are one per deployment), in this construct's stack while they fit, otherwise in nested stacks of at most
   * MAX_APPLIANCE_ALARMS_PER_TEMPLATE alarms (consecutive appliances in config order). Returns what the
   * dashboard lists: the alarms themselves, or for nested stacks references by name (no cross-stack outputs).
   */
  private createApplianceAlarms(
    appliances: readonly ApplianceConfig[],
    metrics: CollectorMetrics,
    action: cloudwatch.IAlarmAction,
    {
      alarmNamePrefix,
      runbookBaseUrl,
      fleetAlarmNames,
    }: { alarmNamePrefix: string; runbookBaseUrl: string; fleetAlarmNames: readonly string[] },
    paging?: { suppressor: CollectorFailing; timing: ReturnType<typeof suppressorTiming> },
  ): { members: cloudwatch.IAlarm[]; pages: cloudwatch.IAlarm[] } {
    const planned = this.alarmPlan.perAppliance.length;
    if (planned === 0) return { members: [], pages: [] };
    const perAppliance = planned + (paging ? 1 : 0);
    const build = (scope: Construct, group: readonly ApplianceConfig[], groupNumber?: number) =>
      group.map((appliance) => {
        const group = groupNumber === undefined ? {} : { group: groupNumber };
        const alarms = new ApplianceAlarms(scope, applianceConstructId(appliance.name), {
          appliance,
          alarms: this.alarmPlan.perAppliance,
          metrics,
          ...(paging ? {} : { action }),
          alarmNamePrefix,
          runbookBaseUrl,
          ...group,
        });
        if (!paging) return { alarms, page: undefined };
        const pageName = applianceAlarmName(alarmNamePrefix, appliance.name, INCIDENT_SUFFIX, groupNumber);
        // In a nested stack the suppressor is referenced by name: no cross-stack output for each appliance.
        const suppressor =
          Stack.of(scope) === Stack.of(paging.suppressor)
            ? paging.suppressor.alarm
            : cloudwatch.CompositeAlarm.fromCompositeAlarmName(alarms, 'CollectorFailing', paging.suppressor.alarmName);
        const page = new IncidentAlarm(alarms, INCIDENT_SUFFIX, {
          alarmName: pageName,
          members: alarms.alarms,
          memberNames: alarms.alarmNames,
          description: incidentAlarmDescription(
            appliance.name,
            this.alarmPlan.perAppliance.map((a, index) => ({ kind: a.kind, alarmName: alarms.alarmNames[index]! })),
            pageName,
            paging.suppressor.alarmName,
            runbookBaseUrl,
            fleetAlarmNames,
          ),
          action,
          suppressor: { alarm: suppressor, timing: paging.timing },
        });
        return { alarms, page: { alarm: page.alarm, name: pageName } };
      });
    if (appliances.length * perAppliance <= MAX_APPLIANCE_ALARMS_PER_TEMPLATE) {
      const built = build(new Construct(this, 'ApplianceAlarms'), appliances);
      return {
        members: built.flatMap((b) => b.alarms.alarms),
        pages: built.flatMap((b) => (b.page ? [b.page.alarm] : [])),
      };
    }
    const appliancesPerStack = Math.max(1, Math.floor(MAX_APPLIANCE_ALARMS_PER_TEMPLATE / perAppliance));
    const references = new Construct(this, 'NestedAlarmReferences');
    const members: cloudwatch.IAlarm[] = [];
    const pages: cloudwatch.IAlarm[] = [];
    shard(appliances, appliancesPerStack).forEach((group, index) => {
      const nested = new NestedStack(this, `ApplianceAlarms${index + 1}`, {
        description: `NetScaler MPTCP alarms of ${group.length} appliance(s): ${group[0]!.name} to ${group[group.length - 1]!.name}`,
      });
      // The appliance pages name CollectorFailing as their suppressor: it must exist first.
      if (paging) nested.node.addDependency(paging.suppressor.alarm);
      for (const built of build(nested, group, index + 1)) {
        for (const name of built.alarms.alarmNames)
          members.push(cloudwatch.Alarm.fromAlarmName(references, `Alarm${references.node.children.length}`, name));
        if (built.page)
          pages.push(
            cloudwatch.CompositeAlarm.fromCompositeAlarmName(references, `Page${references.node.children.length}`, built.page.name),
          );
      }
    });
    return { members, pages };
  }
}

/** `<stack name>-<construct id>`, or a generated unique name when the stack name is not known at synth. */
function defaultAlarmNamePrefix(scope: Construct): string {
  const stackName = Stack.of(scope).stackName;
  return Token.isUnresolved(stackName) ? Names.uniqueResourceName(scope, { maxLength: 64 }) : `${stackName}-${scope.node.id}`;
}

/** The COUNTERS value: names trimmed and comma-joined; `default` when nothing is named. */
export function normalizeCounters(counters: string | readonly string[] | undefined): string {
  const names = (typeof counters === 'string' ? counters.split(',') : (counters ?? [])).map((n) => n.trim()).filter(Boolean);
  return names.length === 0 ? 'default' : names.join(',');
}

function urlPort(appliance: ApplianceConfig): number {
  const url = new URL(appliance.url);
  if (url.port) return Number(url.port);
  return url.protocol === 'http:' ? 80 : 443;
}

/** Why `metric(metricName, appliance)` would name a metric the collector never publishes, or undefined. */
function metricProblem(
  metricName: string,
  appliance: string,
  selection: readonly MetricDefinition[],
  appliances: readonly ApplianceConfig[],
): string | undefined {
  const names = appliances.map((a) => a.name);
  const configured = appliances.find((a) => a.name === appliance);
  if (!configured) {
    const near = closestNames(appliance, names, 1);
    return `unknown appliance ${JSON.stringify(appliance)}${near.length > 0 ? `; did you mean "${near[0]}"?` : ''} The appliances: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', ...' : ''}`;
  }
  const listsServers = (configured.virtualServers ?? []).length > 0;
  const published = [
    ...selection.map((m) => m.metricName),
    ...PUBLISHED_HEALTH_METRICS,
    ...Object.values(STATE_HEALTH_METRICS),
    ...Object.values(ROLLUP_METRICS),
    ...(listsServers ? [VIRTUAL_SERVER_ERRORS_METRIC, ...VIRTUAL_SERVER_GAUGES.map((m) => m.metricName)] : []),
  ];
  if (published.includes(metricName)) return undefined;
  if (metricName === HEALTH_METRICS.duration) {
    return `${metricName} is not a CloudWatch metric: it is in the sample records (health.${metricName}; docs/metrics.md, "Exact values for every counter")`;
  }
  if (VIRTUAL_SERVER_GAUGES.some((m) => m.metricName === metricName) || metricName === VIRTUAL_SERVER_ERRORS_METRIC) {
    return `${metricName} is published only for an appliance that lists virtualServers, and ${JSON.stringify(appliance)} lists none`;
  }
  let counter: MetricDefinition | undefined;
  try {
    counter = lookupMetric(metricName);
  } catch (error) {
    if (!(error instanceof UnknownMetricError)) throw error;
  }
  if (counter) {
    if (counter.metricName !== metricName && published.includes(counter.metricName)) {
      return `${JSON.stringify(metricName)} is not a CloudWatch metric name: the collector publishes it as "${counter.metricName}"`;
    }
    return `the counter ${counter.metricName} is not published: it is not in "counters" (add it there to alarm on it)`;
  }
  const near = closestNames(metricName, [...new Set([...published, ...CATALOG.map((m) => m.metricName)])], 3);
  return `unknown metric ${JSON.stringify(metricName)}${near.length > 0 ? `; did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : ''} (docs/metrics.md lists the metrics)`;
}

function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

function retentionDays(days: number | 'infinite'): logs.RetentionDays {
  return days === 'infinite' ? logs.RetentionDays.INFINITE : (days as logs.RetentionDays);
}
