import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { ApplianceConfig } from '../../lambda/config/appliance.js';
import { applianceAlarmName, collectorAlarmName } from '../model/alarm-names.js';
import type { AlarmComparison, PlannedApplianceAlarm } from '../model/alarm-plan.js';
import { ALARM_SUFFIX, applianceAlarmDescription } from '../model/alarm-text.js';
import type { CollectorMetrics } from './collector-metrics.js';

export interface ApplianceAlarmsProps {
  readonly appliance: ApplianceConfig;
  readonly alarms: readonly PlannedApplianceAlarm[];
  readonly metrics: CollectorMetrics;
  /** Notified on ALARM and on OK; none when the appliance's incident alarm pages for them. */
  readonly action?: cloudwatch.IAlarmAction;
  readonly alarmNamePrefix: string;
  /** The runbook page the descriptions link (runbookBaseUrl). */
  readonly runbookBaseUrl: string;
  /** The nested stack's group number, when the alarms live in one (it becomes part of their names). */
  readonly group?: number;
}

/** The planned alarms of one appliance (threshold and anomaly-band alarms), each notifying on ALARM and on OK when given an action. */
export class ApplianceAlarms extends Construct {
  readonly alarms: readonly cloudwatch.Alarm[];
  /** The alarms' names, as plain strings (usable from another stack without a reference). */
  readonly alarmNames: readonly string[];

  constructor(scope: Construct, id: string, props: ApplianceAlarmsProps) {
    super(scope, id);
    const { appliance } = props;
    this.alarmNames = props.alarms.map((planned) =>
      applianceAlarmName(props.alarmNamePrefix, appliance.name, ALARM_SUFFIX[planned.kind], props.group),
    );
    this.alarms = props.alarms.map((planned, index) => {
      const period = Duration.minutes(planned.settings.periodMinutes);
      const label = planned.metricNames.length === 1 ? planned.metricNames[0]! : `${ALARM_SUFFIX[planned.kind]} (sum)`;
      const anomaly = ANOMALY_OPERATORS[planned.comparison];
      const common = {
        alarmName: this.alarmNames[index]!,
        evaluationPeriods: planned.settings.evaluationPeriods,
        datapointsToAlarm: planned.settings.datapointsToAlarm,
        treatMissingData:
          planned.treatMissingData === 'breaching' ? cloudwatch.TreatMissingData.BREACHING : cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: applianceAlarmDescription(planned, {
          name: appliance.name,
          url: appliance.url,
          secretId: appliance.secretId,
          collectorErrorsAlarmName: collectorAlarmName(props.alarmNamePrefix, ALARM_SUFFIX.functionErrors),
          runbookBaseUrl: props.runbookBaseUrl,
        }),
      };
      const alarm = anomaly
        ? new cloudwatch.AnomalyDetectionAlarm(this, ALARM_SUFFIX[planned.kind], {
            ...common,
            metric: props.metrics.sum(planned.metricNames, appliance.name, planned.statistic, period, label, 'f'),
            stdDevs: planned.settings.threshold,
            comparisonOperator: anomaly,
          })
        : new cloudwatch.Alarm(this, ALARM_SUFFIX[planned.kind], {
            ...common,
            metric: props.metrics.sum(planned.metricNames, appliance.name, planned.statistic, period, label),
            threshold: planned.settings.threshold,
            comparisonOperator:
              planned.comparison === 'LessThanThreshold'
                ? cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
                : cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          });
      if (props.action) {
        alarm.addAlarmAction(props.action);
        alarm.addOkAction(props.action);
      }
      return alarm;
    });
  }
}

const ANOMALY_OPERATORS: Readonly<Record<AlarmComparison, cloudwatch.ComparisonOperator | undefined>> = {
  LessThanLowerThreshold: cloudwatch.ComparisonOperator.LESS_THAN_LOWER_THRESHOLD,
  GreaterThanUpperThreshold: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
  GreaterThanThreshold: undefined,
  LessThanThreshold: undefined,
};

/**
 * A construct id for an appliance: its name, which is unique and stable (so alarms keep their identity when
 * appliances are reordered), with the path separator that construct ids cannot contain percent-encoded.
 */
export function applianceConstructId(name: string): string {
  return name.replace(/%/g, '%25').replace(/\//g, '%2F');
}
