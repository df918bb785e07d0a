import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { collectorAlarmName } from '../model/alarm-names.js';
import { type AlarmSettings, COLLECTOR_ALARM_KINDS, type CollectorAlarmKind } from '../model/alarm-plan.js';
import { ALARM_SUFFIX, collectorAlarmDescription } from '../model/alarm-text.js';
import { nearTimeoutThresholdMs } from '../model/sizing.js';

export interface CollectorAlarmsProps {
  readonly function: lambda.IFunction;
  readonly logGroup: logs.ILogGroup;
  readonly timeout: Duration;
  readonly settings: Readonly<Record<CollectorAlarmKind, AlarmSettings>>;
  /** Notified on ALARM and on OK; none when CollectorFailing pages for them. */
  readonly action?: cloudwatch.IAlarmAction;
  readonly alarmNamePrefix: string;
  /** The runbook page the descriptions link (runbookBaseUrl). */
  readonly runbookBaseUrl: string;
}

/**
 * Alarms on the collector function itself: errors (the handler fails only when nothing could be published),
 * throttles (shards that did not run), and duration near the end of the collection window (appliances about to
 * be cut off).
 */
export class CollectorAlarms extends Construct {
  readonly alarms: readonly cloudwatch.Alarm[];
  /** Each alarm with its name and suffix (for the composite that pages for them). */
  readonly named: readonly { readonly alarm: cloudwatch.Alarm; readonly alarmName: string; readonly suffix: string }[];

  constructor(scope: Construct, id: string, props: CollectorAlarmsProps) {
    super(scope, id);
    const context = {
      functionName: props.function.functionName,
      logGroupName: props.logGroup.logGroupName,
      timeoutSeconds: props.timeout.toSeconds(),
      runbookBaseUrl: props.runbookBaseUrl,
    };
    this.named = COLLECTOR_ALARM_KINDS.filter((kind) => props.settings[kind].enabled).map((kind) => {
      const settings = props.settings[kind];
      const period = Duration.minutes(settings.periodMinutes);
      const durationThresholdMs = nearTimeoutThresholdMs(props.timeout.toMilliseconds(), settings.threshold);
      const { metric, threshold } = (() => {
        switch (kind) {
          case 'functionErrors':
            return { metric: props.function.metricErrors({ period, statistic: 'Sum' }), threshold: settings.threshold };
          case 'functionThrottles':
            return { metric: props.function.metricThrottles({ period, statistic: 'Sum' }), threshold: settings.threshold };
          case 'functionDuration':
            return { metric: props.function.metricDuration({ period, statistic: 'Maximum' }), threshold: durationThresholdMs };
        }
      })();
      const alarmName = collectorAlarmName(props.alarmNamePrefix, ALARM_SUFFIX[kind]);
      const alarm = new cloudwatch.Alarm(this, ALARM_SUFFIX[kind], {
        alarmName,
        metric,
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: settings.evaluationPeriods,
        datapointsToAlarm: settings.datapointsToAlarm,
        // No invocations (schedules disabled, function deleted) is visible in every CollectionFailing alarm.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: collectorAlarmDescription(kind, settings, context, durationThresholdMs),
      });
      if (props.action) {
        alarm.addAlarmAction(props.action);
        alarm.addOkAction(props.action);
      }
      return { alarm, alarmName, suffix: ALARM_SUFFIX[kind] };
    });
    this.alarms = this.named.map((n) => n.alarm);
  }
}
