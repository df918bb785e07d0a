import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { collectorAlarmName } from '../model/alarm-names.js';
import {
  COLLECTOR_DOWN_SUFFIX,
  COLLECTOR_FAILING_SUFFIX,
  collectorDownDescription,
  collectorFailingDescription,
} from '../model/alarm-text.js';
import { COLLECTOR_DOWN_EVALUATION_PERIODS } from '../model/incident-plan.js';
import { IncidentAlarm } from './incident-alarm.js';

export interface CollectorFailingProps {
  readonly function: lambda.IFunction;
  readonly intervalMinutes: number;
  /** The collector's own alarms (errors, throttles, near timeout): silent members of CollectorFailing. */
  readonly collectorAlarms: readonly { readonly alarm: cloudwatch.IAlarm; readonly alarmName: string; readonly suffix: string }[];
  readonly action: cloudwatch.IAlarmAction;
  readonly alarmNamePrefix: string;
  /** The runbook page the descriptions link (runbookBaseUrl). */
  readonly runbookBaseUrl: string;
}

/**
 * The collector's one page, and the suppressor of every appliance's page: CollectorFailing, a composite of the
 * collector's alarms and of CollectorDown, a fast alarm (one interval per period) on errors, throttles and
 * missing invocations, so that it is in ALARM before the appliances' CollectionFailing alarms are.
 */
export class CollectorFailing extends Construct {
  readonly alarm: cloudwatch.CompositeAlarm;
  readonly alarmName: string;
  readonly collectorDown: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: CollectorFailingProps) {
    super(scope, id);
    const period = Duration.minutes(props.intervalMinutes);
    const fn = props.function;
    const downName = collectorAlarmName(props.alarmNamePrefix, COLLECTOR_DOWN_SUFFIX);
    this.collectorDown = new cloudwatch.Alarm(this, COLLECTOR_DOWN_SUFFIX, {
      alarmName: downName,
      metric: new cloudwatch.MathExpression({
        // 1 or more in an interval with an error, a throttle, or no invocation at all (an empty series is 0).
        expression: 'FILL(errors, 0) + FILL(throttles, 0) + IF(FILL(invocations, 0) < 1, 1, 0)',
        usingMetrics: {
          errors: fn.metricErrors({ period, statistic: 'Sum' }),
          throttles: fn.metricThrottles({ period, statistic: 'Sum' }),
          invocations: fn.metricInvocations({ period, statistic: 'Sum' }),
        },
        period,
        label: 'errors + throttles + (no invocation)',
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: COLLECTOR_DOWN_EVALUATION_PERIODS,
      datapointsToAlarm: COLLECTOR_DOWN_EVALUATION_PERIODS,
      // No datapoint at all: the function's metrics are gone, so is the collector.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription: collectorDownDescription(
        props.intervalMinutes,
        COLLECTOR_DOWN_EVALUATION_PERIODS,
        fn.functionName,
        props.runbookBaseUrl,
      ),
    });
    this.alarmName = collectorAlarmName(props.alarmNamePrefix, COLLECTOR_FAILING_SUFFIX);
    this.alarm = new IncidentAlarm(this, COLLECTOR_FAILING_SUFFIX, {
      alarmName: this.alarmName,
      members: [this.collectorDown, ...props.collectorAlarms.map((a) => a.alarm)],
      memberNames: [downName, ...props.collectorAlarms.map((a) => a.alarmName)],
      description: collectorFailingDescription(
        [COLLECTOR_DOWN_SUFFIX, ...props.collectorAlarms.map((a) => a.suffix)],
        fn.functionName,
        props.runbookBaseUrl,
      ),
      action: props.action,
    }).alarm;
  }
}
