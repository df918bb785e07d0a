import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { fleetAlarmName } from '../model/alarm-names.js';
import { fleetAlarmQuery, type PlannedApplianceAlarm } from '../model/alarm-plan.js';
import { ALARM_SUFFIX, fleetAlarmDescription } from '../model/alarm-text.js';

export interface FleetAlarmsProps {
  /** The plan's fleet alarms (ApplianceAlarmPlan.fleet). */
  readonly alarms: readonly PlannedApplianceAlarm[];
  /** The namespace the queries read. */
  readonly namespace: string;
  /** Notified on ALARM and on OK, for each contributor (appliance) on its own, whatever the notify mode. */
  readonly action: cloudwatch.IAlarmAction;
  readonly alarmNamePrefix: string;
  readonly runbookBaseUrl: string;
}

/**
 * One CloudWatch Metrics Insights alarm per fleet alarm kind, for every appliance at once: the query groups the
 * alarm's rollup by Appliance, and each appliance whose rollup has data in the last 3 hours is a contributor
 * with its own ALARM/OK state and its own notification. Missing data is not breaching: a quiet appliance
 * publishes no rollup and is no contributor (nor billed).
 */
export class FleetAlarms extends Construct {
  readonly alarms: readonly cloudwatch.Alarm[];
  readonly alarmNames: readonly string[];

  constructor(scope: Construct, id: string, props: FleetAlarmsProps) {
    super(scope, id);
    this.alarmNames = props.alarms.map((planned) => fleetAlarmName(props.alarmNamePrefix, ALARM_SUFFIX[planned.kind]));
    this.alarms = props.alarms.map((planned, index) => {
      if (planned.scope !== 'fleet') throw new Error(`FleetAlarms: ${planned.kind} is an alarm per appliance`);
      const alarmName = this.alarmNames[index]!;
      const alarm = new cloudwatch.Alarm(this, ALARM_SUFFIX[planned.kind], {
        alarmName,
        // CDK leaves a SELECT expression's identifiers unchecked; no usingMetrics: the query names its metric.
        metric: new cloudwatch.MathExpression({
          expression: fleetAlarmQuery(props.namespace, planned),
          usingMetrics: {},
          period: Duration.minutes(planned.settings.periodMinutes),
        }),
        threshold: planned.settings.threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: planned.settings.evaluationPeriods,
        datapointsToAlarm: planned.settings.datapointsToAlarm,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: fleetAlarmDescription(planned, { namespace: props.namespace, alarmName, runbookBaseUrl: props.runbookBaseUrl }),
      });
      alarm.addAlarmAction(props.action);
      alarm.addOkAction(props.action);
      return alarm;
    });
  }
}
