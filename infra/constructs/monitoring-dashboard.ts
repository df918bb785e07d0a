import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { MetricDefinition } from '../../lambda/catalog/catalog.js';
import { VIRTUAL_SERVER_ERRORS_METRIC, VIRTUAL_SERVER_GAUGES } from '../../lambda/catalog/virtual-server-metrics.js';
import { APPLIANCE_DIMENSION, HEALTH_METRICS } from '../../lambda/metrics/health.js';
import { planApplianceGraphs, planVirtualServerGraphs } from '../model/dashboard-plan.js';
import {
  counterPerApplianceQuery,
  durationPerApplianceQuery,
  EXAMPLE_COUNTER,
  exactCountQuery,
  type SampleQuery,
} from '../model/sample-queries.js';
import type { CollectorMetrics } from './collector-metrics.js';
import { queryStringOf } from './sample-queries.js';

export interface MonitoringDashboardProps {
  readonly metrics: CollectorMetrics;
  readonly selection: readonly MetricDefinition[];
  readonly applianceNames: readonly string[];
  readonly interval: Duration;
  readonly function: lambda.IFunction;
  /** The collector's log group: the exact-count widgets read its sample records. */
  readonly logGroup?: logs.ILogGroup;
  readonly timeout: Duration;
  /** Every alarm of the deployment, shown by state at the top. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** The alarms that page (notify: per-appliance: the composites and the fleet alarms): shown first, above the silent members. */
  readonly pages?: readonly cloudwatch.IAlarm[];
  /** Appliances with their listed virtual servers: one graph each. */
  readonly virtualServers?: readonly { readonly name: string; readonly virtualServers?: readonly string[] }[];
  /** Horizontal line on the current-sessions graph (the sessions-without-subflows alarm threshold). */
  readonly sessionsWithoutSubflowsThreshold?: number;
  /** Horizontal line on the duration graph (the near-timeout alarm threshold), in milliseconds. */
  readonly durationThresholdMs?: number;
  /** Shown in the header. */
  readonly title: string;
  readonly countersSpec: string;
}

/** An alarm status widget shows at most 100 alarms. */
const ALARMS_PER_STATUS_WIDGET = 100;
const GRAPH_WIDTH = 8;
const GRAPH_HEIGHT = 6;

/**
 * One dashboard per deployment: alarm states; the fleet (one line per appliance, by SEARCH, so it follows
 * the fleet without redeploying); one appliance in detail, chosen with the "Appliance" selector at the top
 * (handshakes, data transfer, fallbacks, errors, resource exhaustion, collector health); the collector function.
 */
export class MonitoringDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  private addAlarmStatus(title: string, alarms: readonly cloudwatch.IAlarm[]): void {
    for (let start = 0; start < alarms.length; start += ALARMS_PER_STATUS_WIDGET) {
      const chunk = alarms.slice(start, start + ALARMS_PER_STATUS_WIDGET);
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({
          title: alarms.length > ALARMS_PER_STATUS_WIDGET ? `${title} ${start + 1}-${start + chunk.length}` : title,
          alarms: [...chunk],
          sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
          width: 24,
          height: Math.min(2 + Math.ceil(chunk.length / 4), 12),
        }),
      );
    }
  }

  /** Every counter exactly, billed or not, from the collector's sample records (docs/metrics.md, "Exact values for every counter"). */
  private addExactCounts(logGroup: logs.ILogGroup, period: Duration): void {
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `## Exact counts from the sample records (every counter, billed or not: edit the query for another counter)`,
        width: 24,
        height: 1,
      }),
      recordsWidget(
        logGroup,
        `${EXAMPLE_COUNTER} per appliance (exact, from the logs)`,
        counterPerApplianceQuery(EXAMPLE_COUNTER, binMinutes(period)),
        16,
      ),
      recordsWidget(
        logGroup,
        `${EXAMPLE_COUNTER} in the time range (exact)`,
        exactCountQuery(EXAMPLE_COUNTER),
        8,
        cloudwatch.LogQueryVisualizationType.TABLE,
      ),
    );
  }

  constructor(scope: Construct, id: string, props: MonitoringDashboardProps) {
    super(scope, id);
    const period = props.interval;
    const first = props.applianceNames[0];
    if (first === undefined) throw new Error('MonitoringDashboard: at least one appliance is needed');

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      variables: [
        new cloudwatch.DashboardVariable({
          id: 'appliance',
          type: cloudwatch.VariableType.PROPERTY,
          inputType: cloudwatch.VariableInputType.SELECT,
          value: APPLIANCE_DIMENSION,
          label: 'Appliance',
          values: cloudwatch.Values.fromValues(...props.applianceNames.map((name) => ({ value: name }))),
          defaultValue: cloudwatch.DefaultValue.value(first),
        }),
      ],
    });

    const m = props.metrics;
    const selected = new Set(props.selection.map((metric) => metric.metricName));
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: GRAPH_WIDTH, height: GRAPH_HEIGHT, period, ...extra });

    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: header(props), width: 24, height: 3 }));
    const pages = props.pages ?? [];
    this.addAlarmStatus(
      'Pages (these notify: CollectorFailing, the fleet alarms for each appliance in ALARM, one Incident per appliance)',
      pages,
    );
    this.addAlarmStatus(pages.length > 0 ? 'Alarms (members of the pages above: they do not notify themselves)' : 'Alarms', props.alarms);

    const fleet: cloudwatch.IWidget[] = [
      graph('Fleet: collection success (1 ok, 0 failed)', [m.everyAppliance(HEALTH_METRICS.success, 'Minimum', period, '')], {
        leftYAxis: { min: 0, max: 1 },
      }),
    ];
    if (props.logGroup) fleet.push(durationWidget(props.logGroup, period));
    for (const gauge of ['CurrentSessions', 'CurrentSubflows']) {
      if (selected.has(gauge)) fleet.push(graph(`Fleet: ${gauge}`, [m.everyAppliance(gauge, 'Average', period, '')]));
    }
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: '## Fleet (one line per appliance)', width: 24, height: 1 }));
    this.dashboard.addWidgets(...fleet);

    const detail: cloudwatch.IWidget[] = planApplianceGraphs(props.selection).map((plan) =>
      graph(
        plan.title,
        plan.metricNames.map((name) =>
          plan.statistic === 'Sum'
            ? m.zeroFilled(name, first, plan.statistic, period)
            : m.metric(name, first, plan.statistic, period, name),
        ),
        plan.title.startsWith('Current') &&
          props.sessionsWithoutSubflowsThreshold !== undefined &&
          selected.has('CurrentSessionsWithoutSubflows')
          ? {
              leftAnnotations: [
                { value: props.sessionsWithoutSubflowsThreshold, label: 'sessions-without-subflows alarm', color: '#d62728' },
              ],
            }
          : {},
      ),
    );
    detail.push(
      graph('Collector health', [
        m.metric(HEALTH_METRICS.success, first, 'Minimum', period, HEALTH_METRICS.success),
        m.zeroFilled(HEALTH_METRICS.counterResets, first, 'Sum', period),
        m.zeroFilled(HEALTH_METRICS.nodeChanges, first, 'Sum', period),
        m.zeroFilled(HEALTH_METRICS.fieldErrors, first, 'Sum', period),
        m.zeroFilled(HEALTH_METRICS.secondarySkipped, first, 'Maximum', period),
        m.zeroFilled(HEALTH_METRICS.credentialsRejected, first, 'Maximum', period),
      ]),
    );
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `## Appliance: choose it with the **Appliance** selector at the top (counters: count per ${minutesText(period)})`,
        width: 24,
        height: 1,
      }),
    );
    this.dashboard.addWidgets(...detail);

    const servers = planVirtualServerGraphs(props.virtualServers ?? []);
    if (servers.graphs.length > 0) {
      const more =
        servers.left > 0
          ? ` (the first ${servers.graphs.length}; ${servers.left} more appliances list servers: use the metrics console)`
          : '';
      this.dashboard.addWidgets(
        new cloudwatch.TextWidget({
          markdown: `## Virtual servers: MPTCP sessions (left) and subflows (right) per listed server${more}`,
          width: 24,
          height: 1,
        }),
      );
      this.dashboard.addWidgets(
        ...servers.graphs.map((plan) =>
          graph(
            `${plan.appliance}: ${plan.servers.length} virtual server(s)`,
            [m.everyVirtualServer(VIRTUAL_SERVER_GAUGES[0]!.metricName, plan.appliance, 'Average', period)],
            {
              right: [
                m.everyVirtualServer(VIRTUAL_SERVER_GAUGES[1]!.metricName, plan.appliance, 'Average', period),
                m.metric(
                  VIRTUAL_SERVER_ERRORS_METRIC,
                  plan.appliance,
                  'Maximum',
                  period,
                  `${VIRTUAL_SERVER_ERRORS_METRIC} (servers not read)`,
                ),
              ],
            },
          ),
        ),
      );
    }

    if (props.logGroup) this.addExactCounts(props.logGroup, period);

    const fn = props.function;
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: '## Collector function', width: 24, height: 1 }));
    this.dashboard.addWidgets(
      graph('Invocations, errors, throttles', [
        fn.metricInvocations({ period, statistic: 'Sum' }),
        fn.metricErrors({ period, statistic: 'Sum' }),
        fn.metricThrottles({ period, statistic: 'Sum' }),
      ]),
      graph(
        'Duration (ms)',
        [
          fn.metricDuration({ period, statistic: 'Maximum', label: 'Maximum' }),
          fn.metricDuration({ period, statistic: 'Average', label: 'Average' }),
        ],
        {
          leftAnnotations: [
            { value: props.timeout.toMilliseconds(), label: 'timeout', color: '#d62728' },
            ...(props.durationThresholdMs === undefined
              ? []
              : [{ value: props.durationThresholdMs, label: 'near-timeout alarm', color: '#ff7f0e' }]),
          ],
        },
      ),
      graph('Scheduled events dropped (too old) and their age', [fn.metric('AsyncEventsDropped', { period, statistic: 'Sum' })], {
        right: [fn.metric('AsyncEventAge', { period, statistic: 'Maximum', label: 'AsyncEventAge (ms)' })],
      }),
    );
  }
}

/** Collection duration per appliance, from the sample records (CollectionDuration is not a billed metric). */
function durationWidget(logGroup: logs.ILogGroup, period: Duration): cloudwatch.IWidget {
  return recordsWidget(
    logGroup,
    'Fleet: collection duration (ms, from the sample records)',
    durationPerApplianceQuery(binMinutes(period)),
    GRAPH_WIDTH,
  );
}

/** A Logs Insights widget on the collector's sample records. */
function recordsWidget(
  logGroup: logs.ILogGroup,
  title: string,
  query: SampleQuery,
  width: number,
  view: cloudwatch.LogQueryVisualizationType = cloudwatch.LogQueryVisualizationType.LINE,
): cloudwatch.IWidget {
  return new cloudwatch.LogQueryWidget({
    title,
    logGroupNames: [logGroup.logGroupName],
    queryString: queryStringOf(query).toString(),
    view,
    width,
    height: GRAPH_HEIGHT,
  });
}

/** A query's bins: the dashboard's period, at least a minute. */
function binMinutes(period: Duration): number {
  return Math.max(1, period.toMinutes());
}

function minutesText(period: Duration): string {
  const minutes = period.toMinutes();
  return minutes === 1 ? 'minute' : `${minutes} minutes`;
}

function header(props: MonitoringDashboardProps): string {
  return [
    `# ${props.title}`,
    `${props.applianceNames.length} appliance(s), collected every ${minutesText(props.interval)}; counters \`${props.countersSpec}\` (${props.selection.length} metrics) in namespace \`${props.metrics.namespace}\`.`,
    'Counters are per-interval deltas: Sum over a period is the count in that period. Alarm runbook and how to read this dashboard: docs/runbook.md and docs/operations.md of the package repository.',
  ].join('\n\n');
}
